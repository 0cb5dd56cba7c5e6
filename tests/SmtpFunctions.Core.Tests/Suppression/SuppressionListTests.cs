using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Telemetry;

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

        var found = await list.FindAsync(["gone@example.net", "b@example.net"], default);

        Assert.Empty(found);
        Assert.Equal(0, _store.Reads);
    }

    [Fact]
    public async Task Find_ReadsEachDistinctAddressOnce_InParallel_KeyedAsGiven()
    {
        _store.Put("gone@example.net");
        var list = Create();
        _store.Hold = new TaskCompletionSource();

        var finding = list.FindAsync(["Gone@Example.net", "gone@example.net", "b@example.net", "c@example.org"], default);
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

        await list.FindAsync(["gone@example.net", "ok@example.net"], default);
        var cached = await list.FindAsync(["GONE@example.net", "ok@example.net"], default);
        Assert.Equal(2, _store.Reads);
        Assert.Single(cached);

        _time.Advance(TimeSpan.FromSeconds(31));
        await list.FindAsync(["gone@example.net", "ok@example.net"], default);

        Assert.Equal(4, _store.Reads);
    }

    [Fact]
    public async Task Find_WithoutACache_ReadsEveryTime()
    {
        var list = Create(o => o.CacheTtl = TimeSpan.Zero);

        await list.FindAsync(["a@example.net"], default);
        await list.FindAsync(["a@example.net"], default);

        Assert.Equal(2, _store.Reads);
    }

    [Fact]
    public async Task Add_IsSeenAtOnceByThisInstance_EvenOverACachedNo()
    {
        var list = Create();
        Assert.Empty(await list.FindAsync(["user@example.net"], default));

        await list.AddAsync("user@example.net", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "01m8j01vmaatx2gphqhz6sc4f1", "mx.example.net[192.0.2.1]:25", default);
        var found = await list.FindAsync(["user@example.net"], default);

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

        await list.AddAsync("user@example.net", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "first", null, default);
        await list.AddAsync("USER@example.net", FailureClassifier.NullMx("example.net"), "second", null, default);
        var entry = Assert.Single(await list.FindAsync(["user@example.net"], default)).Value;

        Assert.Equal("first", entry.MessageId);
        Assert.Equal("5.1.1", Assert.Single(added.GetMeasurementSnapshot()).Tags["code"]);
    }

    [Fact]
    public async Task Add_WhenOff_WritesNothing()
    {
        var list = Create(o => o.Enabled = false);

        await list.AddAsync("user@example.net", FailureClassifier.FromReply(550, "5.1.1 User unknown"), "m", null, default);

        Assert.Empty((await _store.ListAsync(null, 10, null, default)).Entries);
    }

    [Fact]
    public async Task Lift_IsSeenAtOnceByThisInstance_OverACachedYes()
    {
        _store.Put("gone@example.net");
        var list = Create();
        Assert.Single(await list.FindAsync(["gone@example.net"], default));

        Assert.True(await list.LiftAsync(SuppressionKey.ForEnvelope("gone@example.net"), default));
        Assert.False(await list.LiftAsync(SuppressionKey.ForEnvelope("gone@example.net"), default));

        Assert.Empty(await list.FindAsync(["gone@example.net"], default));
    }

    [Fact]
    public async Task Cache_IsBoundedBySize()
    {
        var list = Create(o => o.CacheSize = 10);

        await list.FindAsync(Enumerable.Range(0, 50).Select(i => $"u{i}@example.net"), default);
        // No waiting for MemoryCache's background compaction: an entry that would exceed the size limit is refused
        // when it is set, so at most 10 of the 50 are cached whenever the second pass runs; compaction can only
        // remove more.
        await list.FindAsync(Enumerable.Range(0, 50).Select(i => $"u{i}@example.net"), default);

        Assert.True(_store.Reads > 50 + 10, $"{_store.Reads} reads: the cache kept more than its size");
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
        var options = new SuppressionOptions();
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
