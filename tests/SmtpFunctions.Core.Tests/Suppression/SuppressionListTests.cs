using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Tests.Suppression;

public sealed class SuppressionListTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeSuppressionStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly List<SuppressionList> _lists = [];

    [Fact]
    public async Task Find_WhenOff_ReadsNothingAndFindsNothing()
    {
        _store.Put("gone@example.net");
        var list = Create(o => o.Enabled = false);

        var found = await list.FindAsync(TenantIds.Default, ["gone@example.net", "b@example.net"], default);

        Assert.Empty(found);
        Assert.Equal(0, _store.Reads);
    }

    [Fact]
    public async Task Find_ReadsEachDistinctAddressOnce_InParallel_KeyedAsGiven()
    {
        _store.Put("gone@example.net");
        var list = Create();
        _store.Hold = new TaskCompletionSource();

        var finding = list.FindAsync(TenantIds.Default, ["Gone@Example.net", "gone@example.net", "b@example.net", "c@example.org"], default);
        await WaitUntilAsync(() => _store.Reads == 3);
        _store.Hold.SetResult();
        var found = await finding;

        Assert.Equal(3, _store.Reads);
        Assert.Equal(3, _store.MostReadsInFlight);
        var entry = Assert.Single(found);
        Assert.Equal("Gone@Example.net", entry.Key);
        Assert.True(found.ContainsKey("gone@example.net"));
        Assert.Equal("5.1.1", entry.Value.EnhancedCode);
    }

    [Fact]
    public async Task Find_CachesBothAnswersForTheTtl_ThenReadsAgain()
    {
        _store.Put("gone@example.net");
        var list = Create(o => o.CacheTtl = TimeSpan.FromSeconds(30));

        await list.FindAsync(TenantIds.Default, ["gone@example.net", "ok@example.net"], default);
        var cached = await list.FindAsync(TenantIds.Default, ["GONE@example.net", "ok@example.net"], default);
        Assert.Equal(2, _store.Reads);
        Assert.Single(cached);

        _time.Advance(TimeSpan.FromSeconds(31));
        await list.FindAsync(TenantIds.Default, ["gone@example.net", "ok@example.net"], default);

        Assert.Equal(4, _store.Reads);
    }

    [Fact]
    public async Task Find_WithoutACache_ReadsEveryTime()
    {
        var list = Create(o => o.CacheTtl = TimeSpan.Zero);

        await list.FindAsync(TenantIds.Default, ["a@example.net"], default);
        await list.FindAsync(TenantIds.Default, ["a@example.net"], default);

        // Without a cache the global list is not held whole either: the tenant's and the global entry, each time.
        Assert.Equal(4, _store.Reads);
        Assert.Equal(0, _store.Lists);
    }

    [Fact]
    public async Task Add_IsSeenAtOnceByThisInstance_EvenOverACachedNo()
    {
        var list = Create();
        Assert.Empty(await list.FindAsync(TenantIds.Default, ["user@example.net"], default));

        await list.AddAsync(TenantIds.Default, "user@example.net", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "01m8j01vmaatx2gphqhz6sc4f1", "mx.example.net[192.0.2.1]:25", default);
        var found = await list.FindAsync(TenantIds.Default, ["user@example.net"], default);

        Assert.Equal(1, _store.Reads);
        var entry = Assert.Single(found).Value;
        Assert.Equal(550, entry.ReplyCode);
        Assert.Equal("5.1.1", entry.EnhancedCode);
        Assert.Equal("User unknown", entry.Text);
        Assert.Equal("example.net", entry.PartitionKey);
        Assert.Equal(_time.GetUtcNow(), entry.SuppressedAt);
        Assert.Equal("suppressed since 2026-11-28T12:00:00Z (550 5.1.1 User unknown)", entry.ToStatusText());
    }

    [Fact]
    public async Task Add_KeepsTheFirstCause_AndCountsOnlyNewEntries()
    {
        var list = Create();
        using var added = new MetricCollector<long>(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), MailMetrics.MeterName, MailMetrics.SuppressionsAdded);

        await list.AddAsync(TenantIds.Default, "user@example.net", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "first", null, default);
        await list.AddAsync(TenantIds.Default, "USER@example.net", FailureClassifier.NullMx("example.net"), "second", null, default);
        var entry = Assert.Single(await list.FindAsync(TenantIds.Default, ["user@example.net"], default)).Value;

        Assert.Equal("first", entry.MessageId);
        Assert.Equal("5.1.1", Assert.Single(added.GetMeasurementSnapshot()).Tags["code"]);
    }

    [Fact]
    public async Task Add_WhenOff_WritesNothing()
    {
        var list = Create(o => o.Enabled = false);

        await list.AddAsync(TenantIds.Default, "user@example.net", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "m", null, default);

        Assert.Empty((await _store.ListAsync(TenantIds.Default, null, 10, null, default)).Entries);
    }

    [Fact]
    public async Task Lift_IsSeenAtOnceByThisInstance_OverACachedYes()
    {
        _store.Put("gone@example.net");
        var list = Create();
        Assert.Single(await list.FindAsync(TenantIds.Default, ["gone@example.net"], default));

        Assert.True(await list.LiftAsync(SuppressionKey.ForEnvelope("gone@example.net"), default));
        Assert.False(await list.LiftAsync(SuppressionKey.ForEnvelope("gone@example.net"), default));

        Assert.Empty(await list.FindAsync(TenantIds.Default, ["gone@example.net"], default));
    }

    [Fact]
    public async Task Cache_IsBoundedBySize()
    {
        var list = Create(o => o.CacheSize = 10);

        await list.FindAsync(TenantIds.Default, Enumerable.Range(0, 50).Select(i => $"u{i}@example.net"), default);
        // No waiting for MemoryCache's background compaction: an entry that would exceed the size limit is refused
        // when it is set, so at most 10 of the 50 are cached whenever the second pass runs; compaction can only
        // remove more.
        await list.FindAsync(TenantIds.Default, Enumerable.Range(0, 50).Select(i => $"u{i}@example.net"), default);

        Assert.True(_store.Reads > 50 + 10, $"{_store.Reads} reads: the cache kept more than its size");
    }

    [Fact]
    public async Task Find_EachTenantHasItsOwnList()
    {
        _store.Put("gone@example.net", list: "tenant-a");
        var list = Create();

        Assert.Single(await list.FindAsync("tenant-a", ["gone@example.net"], default));
        Assert.Empty(await list.FindAsync("tenant-b", ["gone@example.net"], default));
        Assert.Empty(await list.FindAsync(TenantIds.Default, ["gone@example.net"], default));
    }

    [Fact]
    public async Task Find_TheGlobalListAppliesToEveryTenant_HeldWholeWithoutAPointReadPerAddress()
    {
        _store.Put("complainer@example.net", "5.7.1", SuppressionLists.Global);
        var list = Create();

        var forA = await list.FindAsync("tenant-a", ["complainer@example.net", "ok@example.net"], default);
        var forB = await list.FindAsync("tenant-b", ["COMPLAINER@example.net"], default);
        var forDefault = await list.FindAsync(TenantIds.Default, ["complainer@example.net"], default);

        Assert.Equal(SuppressionLists.Global, Assert.Single(forA).Value.List);
        Assert.Equal("COMPLAINER@example.net", Assert.Single(forB).Key);
        Assert.Single(forDefault);
        Assert.Equal(1, _store.Lists);
        // Only the tenants' own lists were point-read: a, ok for tenant-a; complainer for tenant-b and default.
        Assert.Equal(4, _store.Reads);
    }

    [Fact]
    public async Task Find_ATenantsOwnEntryComesBeforeTheGlobalOne()
    {
        _store.Put("both@example.net", "5.7.1", SuppressionLists.Global);
        _store.Put("both@example.net", "5.1.1", "tenant-a");
        var list = Create();

        Assert.Equal("5.1.1", Assert.Single(await list.FindAsync("tenant-a", ["both@example.net"], default)).Value.EnhancedCode);
        Assert.Equal("5.7.1", Assert.Single(await list.FindAsync("tenant-b", ["both@example.net"], default)).Value.EnhancedCode);
    }

    [Fact]
    public async Task Find_TheGlobalListIsReadAgainInTheBackgroundOnceOlderThanTheTtl()
    {
        var list = Create(o => o.CacheTtl = TimeSpan.FromSeconds(30));
        Assert.Empty(await list.FindAsync("tenant-a", ["late@example.net"], default));
        _store.Put("late@example.net", "5.7.1", SuppressionLists.Global);

        Assert.Empty(await list.FindAsync("tenant-a", ["late@example.net"], default));
        Assert.Equal(1, _store.Lists);

        _time.Advance(TimeSpan.FromSeconds(31));
        // The first call past the TTL is answered from the copy it has, and starts the read.
        Assert.Empty(await list.FindAsync("tenant-b", ["late@example.net"], default));
        await WaitUntilAsync(() => _store.Lists == 2);
        await WaitUntilAsync(() => list.FindAsync("tenant-b", ["late@example.net"], default).Result.Count == 1);
    }

    [Fact]
    public async Task Find_AFailedGlobalReadKeepsTheCopyReadBefore()
    {
        _store.Put("complainer@example.net", "5.7.1", SuppressionLists.Global);
        var list = Create(o => o.CacheTtl = TimeSpan.FromSeconds(30));
        Assert.Single(await list.FindAsync("tenant-a", ["complainer@example.net"], default));

        _store.ListFault = new InvalidOperationException("storage down");
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Single(await list.FindAsync("tenant-a", ["complainer@example.net"], default));
        await WaitUntilAsync(() => _store.Lists == 2);

        Assert.Single(await list.FindAsync("tenant-a", ["complainer@example.net"], default));
        // Not retried on every call: the failed read counts as fresh for another TTL.
        Assert.Equal(2, _store.Lists);
    }

    [Fact]
    public async Task Find_AGlobalListLargerThanTheSnapshotIsPointRead()
    {
        _store.Put("one@example.net", "5.7.1", SuppressionLists.Global);
        _store.Put("two@example.net", "5.7.1", SuppressionLists.Global);
        var list = Create(o => o.GlobalSnapshotSize = 1);

        var found = await list.FindAsync("tenant-a", ["one@example.net", "three@example.net"], default);

        Assert.Equal("one@example.net", Assert.Single(found).Key);
        Assert.Equal(4, _store.Reads);
    }

    [Fact]
    public async Task AddManually_IsSeenAtOnce_KeepsTheFirstCause_AndSaysWhoAddedIt()
    {
        var list = Create();
        Assert.Empty(await list.FindAsync("tenant-a", ["unsub@example.net"], default));

        var (entry, created) = await list.AddManuallyAsync(SuppressionKey.ForEnvelope("unsub@example.net", "tenant-a"), SuppressionSources.Api, "unsubscribed", default);
        var (again, createdAgain) = await list.AddManuallyAsync(SuppressionKey.ForEnvelope("UNSUB@example.net", "tenant-a"), SuppressionSources.Api, "other", default);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal("unsubscribed", again.Text);
        Assert.Equal("~tenant-a|example.net", entry.PartitionKey);
        Assert.Equal("suppressed since 2026-11-28T12:00:00Z (added by api: unsubscribed)", Assert.Single(await list.FindAsync("tenant-a", ["unsub@example.net"], default)).Value.ToStatusText());
    }

    [Fact]
    public async Task GlobalChangesMadeHere_AreSeenAtOnce()
    {
        var list = Create(o => o.CacheTtl = TimeSpan.FromMinutes(5));
        Assert.Empty(await list.FindAsync("tenant-a", ["x@example.net"], default));

        await list.AddManuallyAsync(SuppressionKey.ForEnvelope("x@example.net", SuppressionLists.Global), SuppressionSources.Operator, "", default);
        var found = Assert.Single(await list.FindAsync("tenant-a", ["x@example.net"], default)).Value;
        Assert.Equal("suppressed on the global list since 2026-11-28T12:00:00Z (added by operator)", found.ToStatusText());

        Assert.True(await list.LiftAsync(SuppressionKey.ForEnvelope("x@example.net", SuppressionLists.Global), default));
        Assert.Empty(await list.FindAsync("tenant-a", ["x@example.net"], default));
    }

    [Fact]
    public async Task Find_ASmallDomainIsReadWhole_SoItsNewAddressesCostNoRead()
    {
        _store.Put("gone@example.net", list: "tenant-a");
        _store.Put("other@example.net", list: "tenant-b");
        var list = Create(o => o.DomainSnapshotSize = 100);

        Assert.Empty(await list.FindAsync("tenant-a", ["first@example.net"], default));
        var found = await list.FindAsync("tenant-a", ["gone@example.net", "second@example.net", "other@example.net"], default);

        Assert.Equal("gone@example.net", Assert.Single(found).Key);
        Assert.Equal(0, _store.Reads);
        // The global list once, and tenant-a's example.net once.
        Assert.Equal(2, _store.Lists);
    }

    [Fact]
    public async Task Find_ADomainLargerThanTheSnapshot_IsLookedUpAddressByAddress()
    {
        _store.Put("one@example.net", list: "tenant-a");
        _store.Put("two@example.net", list: "tenant-a");
        var list = Create(o => o.DomainSnapshotSize = 1);

        Assert.Single(await list.FindAsync("tenant-a", ["two@example.net", "new@example.net"], default));
        Assert.Single(await list.FindAsync("tenant-a", ["one@example.net"], default));

        Assert.Equal(3, _store.Reads);
        // Its size is remembered too: the domain is not queried again within the TTL.
        Assert.Equal(2, _store.Lists);
    }

    [Fact]
    public async Task Find_AnAdditionHereIsSeenAtOnce_OverASnapshotOfItsDomain()
    {
        var list = Create(o => o.DomainSnapshotSize = 100);
        Assert.Empty(await list.FindAsync("tenant-a", ["unsub@example.net"], default));

        await list.AddManuallyAsync(SuppressionKey.ForEnvelope("unsub@example.net", "tenant-a"), SuppressionSources.Api, "", default);
        await list.AddManuallyAsync(SuppressionKey.ForEnvelope("later@example.net", "tenant-a"), SuppressionSources.Api, "", default);

        Assert.Equal(2, (await list.FindAsync("tenant-a", ["unsub@example.net", "later@example.net", "fine@example.net"], default)).Count);
        Assert.True(await list.LiftAsync(SuppressionKey.ForEnvelope("later@example.net", "tenant-a"), default));
        Assert.Empty(await list.FindAsync("tenant-a", ["later@example.net"], default));
    }

    [Fact]
    public void Options_RejectANegativeOrHugeTtl()
    {
        foreach (var ttl in new[] { TimeSpan.FromSeconds(-1), TimeSpan.FromHours(2) })
        {
            var options = new SuppressionOptions { CacheTtl = ttl };
            Assert.Single(options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
        }
    }

    public void Dispose()
    {
        foreach (var list in _lists)
        {
            list.Dispose();
        }

        _services.Dispose();
    }

    private SuppressionList Create(Action<SuppressionOptions>? configure = null)
    {
        // Address by address unless a test says otherwise: most tests count point reads.
        var options = new SuppressionOptions { DomainSnapshotSize = 0 };
        configure?.Invoke(options);
        var list = new SuppressionList(_store, Microsoft.Extensions.Options.Options.Create(options),
            new MailMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), _time, NullLogger<SuppressionList>.Instance);
        _lists.Add(list);
        return list;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
