using System.Net;

namespace SmtpFunctions.Ingress.Network;

/// <summary>The client networks that may submit without AUTH (Postfix's <c>mynetworks</c>).</summary>
public sealed class TrustedNetworks
{
    private readonly IReadOnlyList<IPNetwork> _networks;

    private TrustedNetworks(IReadOnlyList<IPNetwork> networks)
    {
        _networks = networks;
    }

    /// <summary>No trusted network: everyone authenticates.</summary>
    public static TrustedNetworks None { get; } = new([]);

    /// <summary>The networks, for logging.</summary>
    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>Parses a comma-separated list of CIDR blocks or single addresses, or says which entry is wrong.</summary>
    public static bool TryParse(string? list, out TrustedNetworks networks, out string? problem)
    {
        var parsed = new List<IPNetwork>();
        foreach (var entry in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                parsed.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                parsed.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                networks = None;
                problem = $"'{entry}' is not a CIDR block such as 10.0.0.0/8";
                return false;
            }
        }

        networks = new TrustedNetworks(parsed);
        problem = null;
        return true;
    }

    /// <summary>True when the client's address lies in one of the networks.</summary>
    public bool Contains(IPAddress client)
    {
        var address = ClientAddress.Normalize(client);
        foreach (var network in _networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
