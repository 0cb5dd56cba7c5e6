using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmtpFunctions.Ingress.Network;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Hosting;

/// <summary>Healthy while every configured SMTP listener is bound: what the container's liveness and readiness probes ask.</summary>
/// <remarks>
/// Storage is deliberately not part of it: while storage is down the ingress still answers, with 451, which makes
/// clients retry; taking the replica out of rotation would only turn that into connection failures.
/// </remarks>
public sealed class SmtpListenersHealthCheck(IngressEndpoints endpoints, IngressSettings settings) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = new List<string>();
        if (settings.Options.Port > 0 && !endpoints.Bound.ContainsKey(ListenerKind.StartTls))
        {
            missing.Add($"STARTTLS port {settings.Options.Port}");
        }

        if (settings.Options.ImplicitTlsPort > 0 && !endpoints.Bound.ContainsKey(ListenerKind.ImplicitTls))
        {
            missing.Add($"implicit TLS port {settings.Options.ImplicitTlsPort}");
        }

        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy(string.Join(", ", endpoints.Bound.Select(b => $"{b.Key} {b.Value}")))
            : HealthCheckResult.Unhealthy("Not listening on " + string.Join(" and ", missing)));
    }
}
