using SmtpFunctions.LocalHost.Queues;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.LocalHost.Tests.Queues;

public class QueueTriggerSettingsTests
{
    [Fact]
    public void Load_RepositoryHostJson_ReadsQueueSection()
    {
        var settings = QueueTriggerSettings.Load(RepositoryPaths.Combine("host.json"));

        Assert.Equal(16, settings.BatchSize);
        Assert.Equal(8, settings.NewBatchThreshold);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.MaxPollingInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.VisibilityTimeout);
        Assert.Equal(5, settings.MaxDequeueCount);
    }

    [Fact]
    public void Load_WithoutQueueSection_UsesFunctionsDefaults()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{ \"version\": \"2.0\" }");
        try
        {
            Assert.Equal(new QueueTriggerSettings(), QueueTriggerSettings.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_ClampsBatchSizeAndDefaultsThresholdToHalf()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "{ // comments are allowed in host.json\n \"extensions\": { \"queues\": { \"batchSize\": 64 } } }");
        try
        {
            var settings = QueueTriggerSettings.Load(path);
            Assert.Equal(32, settings.BatchSize);
            Assert.Equal(16, settings.NewBatchThreshold);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
