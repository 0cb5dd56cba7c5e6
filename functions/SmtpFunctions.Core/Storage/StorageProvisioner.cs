using Microsoft.Extensions.Logging;

namespace SmtpFunctions.Core.Storage;

/// <summary>Makes sure the accounts' containers, tables and queues exist (every shard's account too), once per process, however many callers ask.</summary>
/// <remarks>
/// In Azure, Bicep creates them; on fresh storage (Azurite under <c>func start</c>) nothing does, and every write would
/// fail with ContainerNotFound. The first caller creates them (six idempotent requests); everyone after it awaits the
/// same finished task, so the steady-state cost is nil. A failed attempt is forgotten, so the next caller tries again.
/// Creation refused for lack of permission (an identity allowed data access but not to create) is logged and accepted:
/// the resources are then the deployment's job (Bicep creates them in Azure).
/// </remarks>
public sealed partial class StorageProvisioner(ShardAccounts accounts, ILogger<StorageProvisioner> logger)
{
    private readonly Lock _gate = new();
    private Task? _created;

    /// <summary>True once the resources were created (or found) in this process.</summary>
    public bool IsProvisioned => _created is { IsCompletedSuccessfully: true };

    /// <summary>Creates the resources unless this process already did; throws what storage threw when it is unavailable.</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        Task attempt;
        lock (_gate)
        {
            if (_created is { IsFaulted: false, IsCanceled: false })
            {
                return _created.IsCompleted ? _created : _created.WaitAsync(cancellationToken);
            }

            // The attempt is shared, so it must not be cancelled by the one caller who happened to start it.
            attempt = _created = CreateAsync();
        }

        return attempt.WaitAsync(cancellationToken);
    }

    /// <summary>As <see cref="EnsureCreatedAsync"/>, but reports an unavailable storage as false instead of throwing.</summary>
    public async Task<bool> TryEnsureCreatedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureCreatedAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(logger, ex.Message);
            return false;
        }
    }

    private async Task CreateAsync()
    {
        try
        {
            await accounts.EnsureCreatedAsync(cancellationToken: CancellationToken.None);
            LogCreated(logger);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 403)
        {
            LogNotPermitted(logger, ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Storage containers, tables and queues are in place")]
    private static partial void LogCreated(ILogger logger);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Storage is unavailable, so its containers, tables and queues could not be made sure of; the next call tries again: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Not permitted to create storage resources ({ErrorCode}); relying on the deployment to have created them")]
    private static partial void LogNotPermitted(ILogger logger, string errorCode);
}
