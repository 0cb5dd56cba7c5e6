using Microsoft.Extensions.Hosting;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp.Storage;

/// <summary>
/// Creates the storage resources when the worker starts, so that the host's queue listener finds <c>outbound</c> at once
/// on fresh storage instead of polling a queue that does not exist; retries in the background while storage is down.
/// </summary>
internal sealed class StorageStartup(StorageProvisioner provisioner) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!await provisioner.TryEnsureCreatedAsync(stoppingToken))
        {
            await Task.Delay(RetryDelay, stoppingToken);
        }
    }
}
