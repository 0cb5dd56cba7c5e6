using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tls;
using SmtpServer;
using SmtpServer.Net;

namespace SmtpFunctions.Ingress.Network;

/// <summary>SmtpServer's listener hook: our sockets, connection caps and <see cref="IngressPipe"/> for every endpoint.</summary>
public sealed class IngressListenerFactory(
    IngressSettings settings,
    TlsCertificate certificate,
    ConnectionLimiter limiter,
    MemoryBudget budget,
    IngressEndpoints endpoints,
    MailMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IEndpointListenerFactory
{
    /// <inheritdoc />
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        ArgumentNullException.ThrowIfNull(endpointDefinition);
        var kind = endpointDefinition.IsSecure ? ListenerKind.ImplicitTls : ListenerKind.StartTls;
        var listener = new TcpListener(endpointDefinition.Endpoint);
        if (endpointDefinition.Endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            listener.Server.DualMode = true;
        }

        listener.Start(backlog: 512);
        endpoints.Add(kind, (IPEndPoint)listener.LocalEndpoint);
        var logger = loggerFactory.CreateLogger<IngressListener>();
        IngressListener.LogListening(logger, kind, (IPEndPoint)listener.LocalEndpoint);
        return new IngressListener(listener, kind, settings, certificate, limiter, budget, metrics, time, loggerFactory, () => endpoints.Remove(kind));
    }
}
