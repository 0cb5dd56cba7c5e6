namespace SmtpFunctions.LocalHost.Tests.Sweeping;

/// <summary>
/// A local host with the sweeper and the poison watcher on, quick: every message is looked at 2 s after it is accepted and is overdue a second later.
/// The queue listener stays off, so re-driven jobs stay on the queue to be inspected.
/// </summary>
public sealed class SafetyNetFixture : LocalHostFixture
{
    private readonly string _hostJson = Path.Combine(Path.GetTempPath(), $"smtpfunctions-host-{Guid.NewGuid():N}.json");

    public SafetyNetFixture()
    {
        File.WriteAllText(_hostJson, """
            { "version": "2.0",
              "extensions": { "queues": { "maxPollingInterval": "00:00:00.200", "visibilityTimeout": "00:00:00", "maxDequeueCount": 3 } } }
            """);
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["LocalHost:RunQueueListener"] = "false",
        ["LocalHost:HostJsonPath"] = _hostJson,
        ["Sweeper:Enabled"] = "true",
        ["Sweeper:Interval"] = "00:00:00.300",
        // Not 0: a look before the commit lands finds no message and waits out the orphan grace (15 s here).
        ["Sweeper:FirstCheckDelay"] = "00:00:02",
        ["Delivery:OrphanGracePeriod"] = "00:00:05",
        ["Sweeper:OverdueGrace"] = "00:00:01",
        ["Sweeper:PoisonRedriveDelay"] = "00:00:00",
    };
}
