using System.Net;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Network;

/// <summary>Caps simultaneous connections in total and per client (IPv4 address or IPv6 /64); trusted clients skip the per-client cap.</summary>
public sealed class ConnectionLimiter
{
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly IngressOptions _options;
    private int _total;

    /// <summary>Creates the limiter.</summary>
    public ConnectionLimiter(IOptions<IngressOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
    }

    /// <summary>Connections open now.</summary>
    public int Open
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a slot for a new connection, or null when a cap is reached; dispose the lease when the connection ends.</summary>
    public IDisposable? TryAcquire(IPAddress client, bool trusted)
    {
        var key = ClientAddress.LimitKey(client);
        lock (_gate)
        {
            var current = _perClient.GetValueOrDefault(key);
            if (_total >= _options.MaxConnections || (!trusted && current >= _options.MaxConnectionsPerClient))
            {
                return null;
            }

            _perClient[key] = current + 1;
            _total++;
        }

        return new Lease(this, key);
    }

    private void Release(string key)
    {
        lock (_gate)
        {
            _total--;
            if (--_perClient[key] == 0)
            {
                _perClient.Remove(key);
            }
        }
    }

    private sealed class Lease(ConnectionLimiter owner, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}
