namespace SmtpFunctions.LocalHost.Tests.Queues;

/// <summary>A local host with the queue listener on, reading a host.json with quick retries and maxDequeueCount 3.</summary>
public sealed class QueueListenerFixture : LocalHostFixture
{
    private readonly string _hostJson = Path.Combine(Path.GetTempPath(), $"smtpfunctions-host-{Guid.NewGuid():N}.json");

    public QueueListenerFixture()
    {
        File.WriteAllText(_hostJson, """
            { "version": "2.0",
              "extensions": { "queues": { "batchSize": 4, "newBatchThreshold": 2, "maxPollingInterval": "00:00:00.200",
                                          "visibilityTimeout": "00:00:00", "maxDequeueCount": 3 } } }
            """);
    }

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["LocalHost:RunQueueListener"] = "true",
        ["LocalHost:HostJsonPath"] = _hostJson,
    };
}
