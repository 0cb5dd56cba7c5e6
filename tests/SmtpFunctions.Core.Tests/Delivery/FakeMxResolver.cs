using System.Net;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>Routes every domain to fixed exchangers, or fails with a fixed reply.</summary>
internal sealed class FakeMxResolver : IMxResolver
{
    private readonly Dictionary<string, MxRoute> _routes = new(StringComparer.OrdinalIgnoreCase);

    public void Set(string domain, params (string Host, int Preference, string Address)[] hosts) =>
        _routes[domain] = new MxRoute(domain, hosts.Select(h => new MxHost(h.Host, h.Preference, [IPAddress.Parse(h.Address)])).ToList(), null);

    public void Fail(string domain, DeliveryReply failure) => _routes[domain] = new MxRoute(domain, [], failure);

    public Task<MxRoute> ResolveAsync(string domain, CancellationToken cancellationToken) => Task.FromResult(_routes[domain]);
}
