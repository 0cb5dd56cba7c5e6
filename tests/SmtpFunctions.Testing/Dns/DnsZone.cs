using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmtpFunctions.Testing.Dns;

/// <summary>
/// A test zone described fluently — <c>new DnsZone("example.test").Mx("example.test", 10, "mx1.example.test")
/// .A("mx1.example.test", "127.1.2.3")</c> — and served by <see cref="DnsServer"/> (BIND) as an authoritative zone.
/// </summary>
/// <remarks>
/// Names are fully qualified (a trailing dot is optional); <c>"@"</c> is the apex. A name of the zone with no records
/// answers NXDOMAIN, a name with records of other types NOERROR/NODATA (RFC 2308). <see cref="NullMx"/> is RFC 7505's
/// <c>MX 0 .</c>. <see cref="ServFail"/> makes every query in the zone answer SERVFAIL, the way a real server does
/// when it cannot load a zone. Every record carries the zone's default TTL unless given its own; records of one name
/// and type (an RRset) must share one TTL (RFC 2181 §5.2).
/// </remarks>
public sealed class DnsZone
{
    private readonly List<DnsZoneRecord> _records = [];

    /// <summary>A zone named <paramref name="name"/>, records with <paramref name="defaultTtl"/> (default 60 s).</summary>
    public DnsZone(string name, TimeSpan? defaultTtl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = Normalize(name);
        DefaultTtl = defaultTtl ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>The zone's apex, lower case, without trailing dot.</summary>
    public string Name { get; }

    /// <summary>TTL of records added without one (and of the SOA's negative-caching TTL).</summary>
    public TimeSpan DefaultTtl { get; }

    /// <summary>True when the zone answers SERVFAIL to everything (see <see cref="ServFail"/>).</summary>
    public bool IsFailing { get; private set; }

    /// <summary>The records, in the order added.</summary>
    public IReadOnlyList<DnsZoneRecord> Records => _records;

    /// <summary>An IPv4 address record.</summary>
    public DnsZone A(string name, string address, TimeSpan? ttl = null) => A(name, IPAddress.Parse(address), ttl);

    /// <summary>An IPv4 address record.</summary>
    public DnsZone A(string name, IPAddress address, TimeSpan? ttl = null)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address; use Aaaa.", nameof(address));
        }

        return Record(name, "A", address.ToString(), ttl);
    }

    /// <summary>An IPv6 address record.</summary>
    public DnsZone Aaaa(string name, string address, TimeSpan? ttl = null) => Aaaa(name, IPAddress.Parse(address), ttl);

    /// <summary>An IPv6 address record.</summary>
    public DnsZone Aaaa(string name, IPAddress address, TimeSpan? ttl = null)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"{address} is not an IPv6 address; use A.", nameof(address));
        }

        return Record(name, "AAAA", address.ToString(), ttl);
    }

    /// <summary>A mail exchanger (RFC 5321 §5.1): lower <paramref name="preference"/> first; equal preferences are peers.</summary>
    public DnsZone Mx(string name, int preference, string exchange, TimeSpan? ttl = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preference);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(preference, ushort.MaxValue);
        return Record(name, "MX", $"{preference.ToString(CultureInfo.InvariantCulture)} {Absolute(exchange)}", ttl);
    }

    /// <summary>A null MX (RFC 7505 §3): <c>MX 0 .</c>, "this domain accepts no mail".</summary>
    public DnsZone NullMx(string name, TimeSpan? ttl = null) => Record(name, "MX", "0 .", ttl);

    /// <summary>A TXT record; text longer than 255 octets is split into several character-strings (as DKIM keys are).</summary>
    public DnsZone Txt(string name, string text, TimeSpan? ttl = null)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var strings = new List<string>();
        for (var offset = 0; offset < bytes.Length || strings.Count == 0; offset += 255)
        {
            strings.Add(Quote(bytes.AsSpan(offset, Math.Min(255, bytes.Length - offset))));
        }

        return Record(name, "TXT", string.Join(' ', strings), ttl);
    }

    /// <summary>An alias.</summary>
    public DnsZone Cname(string name, string target, TimeSpan? ttl = null) => Record(name, "CNAME", Absolute(target), ttl);

    /// <summary>Any record in zone-file syntax (<paramref name="data"/> as BIND reads it; names in it must end with a dot).</summary>
    public DnsZone Record(string name, string type, string data, TimeSpan? ttl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(data);
        var owner = Owner(name);
        var record = new DnsZoneRecord(owner, type.ToUpperInvariant(), data, ttl ?? DefaultTtl);
        if (_records.FirstOrDefault(r => r.Name == owner && r.Type == record.Type && r.Ttl != record.Ttl) is { } sibling)
        {
            // RFC 2181 §5.2: the records of one name and type (an RRset) share one TTL; BIND would silently keep the first.
            throw new ArgumentException($"{owner} {record.Type} already has TTL {sibling.Ttl.TotalSeconds:0} s; all records of an RRset share one TTL.", nameof(ttl));
        }

        _records.Add(record);
        return this;
    }

    /// <summary>Makes every query in the zone answer SERVFAIL (the zone file is written so that BIND cannot load it).</summary>
    public DnsZone ServFail()
    {
        IsFailing = true;
        return this;
    }

    /// <summary>Undoes <see cref="ServFail"/>: the records are served again.</summary>
    public DnsZone Answer()
    {
        IsFailing = false;
        return this;
    }

    /// <summary>Removes every record of <paramref name="name"/> (and of <paramref name="type"/> only, when given).</summary>
    public DnsZone Remove(string name, string? type = null)
    {
        var owner = Owner(name);
        _records.RemoveAll(r => r.Name == owner && (type is null || r.Type.Equals(type, StringComparison.OrdinalIgnoreCase)));
        return this;
    }

    /// <summary>The zone file BIND loads, with <paramref name="serial"/> in the SOA.</summary>
    public string ToZoneFile(long serial)
    {
        var ttl = Seconds(DefaultTtl);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"$ORIGIN {Name}.\n$TTL {ttl}\n");
        if (IsFailing)
        {
            // No SOA: named refuses to load the zone and answers SERVFAIL for it, as a broken real server does.
            text.Append("; SERVFAIL on purpose: a zone without SOA is not loaded\n@ IN TXT \"servfail\"\n");
            return text.ToString();
        }

        // NS names a host outside every test zone, so that named needs no glue address for it.
        text.Append(CultureInfo.InvariantCulture, $"@ {ttl} IN SOA localhost. hostmaster.localhost. {serial} 3600 600 86400 {ttl}\n");
        text.Append(CultureInfo.InvariantCulture, $"@ {ttl} IN NS localhost.\n");
        foreach (var record in _records)
        {
            text.Append(CultureInfo.InvariantCulture, $"{record.Name}. {Seconds(record.Ttl)} IN {record.Type} {record.Data}\n");
        }

        return text.ToString();
    }

    private string Owner(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name == "@")
        {
            return Name;
        }

        var owner = Normalize(name);
        return owner == Name || owner.EndsWith("." + Name, StringComparison.Ordinal)
            ? owner
            : throw new ArgumentException($"'{name}' is not in zone {Name}.", nameof(name));
    }

    private static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    private static string Absolute(string name) => name.Trim() == "." ? "." : Normalize(name) + ".";

    private static string Seconds(TimeSpan ttl) => ((long)ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static string Quote(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder("\"");
        foreach (var b in bytes)
        {
            if (b is (byte)'"' or (byte)'\\')
            {
                text.Append('\\').Append((char)b);
            }
            else if (b is < 0x20 or > 0x7E)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\{b:D3}");
            }
            else
            {
                text.Append((char)b);
            }
        }

        return text.Append('"').ToString();
    }
}
