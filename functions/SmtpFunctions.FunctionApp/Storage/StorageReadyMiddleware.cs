using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp.Storage;

/// <summary>
/// Before every invocation, makes sure the storage resources exist (a finished task after the first success). While
/// storage is unreachable the invocation still runs: its own storage call fails the same way and answers the documented
/// 503 problem (HTTP) or is retried by the host (queue), exactly as on an instance that had provisioned before.
/// </summary>
internal sealed class StorageReadyMiddleware(StorageProvisioner provisioner) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!provisioner.IsProvisioned)
        {
            await provisioner.TryEnsureCreatedAsync(context.CancellationToken);
        }

        await next(context);
    }
}
