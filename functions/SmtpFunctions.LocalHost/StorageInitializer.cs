using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost;

/// <summary>Creates the storage resources at start (in every shard's account), waiting a little for Azurite to come up.</summary>
internal sealed partial class StorageInitializer(ShardAccounts accounts, IOptions<LocalHostOptions> options, ILogger<StorageInitializer> logger) : IHostedService
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.CreateStorage)
        {
            return;
        }

        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                await accounts.EnsureCreatedAsync(cancellationToken: cancellationToken);
                return;
            }
            catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && DateTime.UtcNow < deadline)
            {
                LogWaiting(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Waiting for storage: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
