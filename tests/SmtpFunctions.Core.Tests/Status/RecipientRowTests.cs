using System.Reflection;
using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Status;

namespace SmtpFunctions.Core.Tests.Status;

public sealed class RecipientRowTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    // The written row is mapped by hand: a property added to RecipientEntity and forgotten there would silently never be
    // stored. Every property set to a value must be in the row, under its own name, with that value.
    [Fact]
    public void EveryPropertyWithAValue_IsWritten()
    {
        var recipient = new RecipientEntity { PartitionKey = "p", RowKey = "r", Timestamp = At, ETag = new ETag("W/\"1\"") };
        var written = Properties().ToList();
        foreach (var property in written)
        {
            property.SetValue(recipient, SampleOf(property));
        }

        var row = recipient.ToRow();

        Assert.Equal("p", row.PartitionKey);
        Assert.Equal("r", row.RowKey);
        Assert.Equal(written.Select(p => p.Name).Order(), row.Keys.Except(["PartitionKey", "RowKey", "odata.etag", "Timestamp"]).Order());
        Assert.All(written, p => Assert.Equal(p.GetValue(recipient), row[p.Name]));
    }

    [Fact]
    public void AFreshRow_CarriesNoNulls_AndReadsBackAsTheSameRow()
    {
        var committed = RecipientEntity.Committed("m1", "sink@example.net", "example.net", "token", At, 1);

        var row = committed.ToRow();
        var back = StatusEntityMapper.ToRecipient(row);

        Assert.DoesNotContain(row, pair => pair.Value is null);
        Assert.False(row.ContainsKey(nameof(RecipientEntity.LastResponse)));
        Assert.False(row.ContainsKey(nameof(RecipientEntity.LeaseUntil)));
        Assert.All(Properties(), p => Assert.Equal(p.GetValue(committed), p.GetValue(back)));
    }

    [Fact]
    public void ADeliveredRow_KeepsItsOutcome()
    {
        var delivered = RecipientEntity.Committed("m1", "sink@example.net", "example.net", "token", At, 2);
        delivered.Status = RecipientStatus.Delivered;
        delivered.Attempts = 1;
        delivered.LastResponse = "250 2.0.0 Ok";
        delivered.LastReplyCode = 250;
        delivered.LastEnhancedCode = "2.0.0";
        delivered.MxHost = "mx.example.net [127.0.0.1]";
        delivered.Tls = false;
        delivered.DeliveredAt = At.AddSeconds(3);

        var back = StatusEntityMapper.ToRecipient(delivered.ToRow());

        Assert.All(Properties(), p => Assert.Equal(p.GetValue(delivered), p.GetValue(back)));
        Assert.Null(back.LeaseOwner);
    }

    private static IEnumerable<PropertyInfo> Properties() =>
        typeof(RecipientEntity).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name is not (nameof(ITableEntity.PartitionKey) or nameof(ITableEntity.RowKey) or nameof(ITableEntity.Timestamp) or nameof(ITableEntity.ETag)));

    private static object SampleOf(PropertyInfo property) =>
        (Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType) switch
        {
            var t when t == typeof(string) => "value of " + property.Name,
            var t when t == typeof(int) => property.Name.Length,
            var t when t == typeof(bool) => true,
            var t when t == typeof(DateTimeOffset) => At.AddMinutes(property.Name.Length),
            var t => throw new InvalidOperationException($"No sample for {t} ({property.Name}): add one, and map the property in ToRow."),
        };
}
