using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Dns;

/// <summary>
/// BIND 9 (Debian's <c>named</c>) as an authoritative-only DNS server for test zones, on 127.0.0.1 and a free port
/// (UDP and TCP), with its own configuration, zone files and log under a temp folder; started and stopped by PID.
/// </summary>
/// <remarks>
/// Why BIND: it is the reference implementation, answers every record type the delivery rules need, gives SERVFAIL
/// for a zone it cannot load, and starts in about 25 ms, so a change of zones simply restarts it on the same
/// endpoint — deterministic, unlike a reload (BIND keeps serving the last good copy of a zone whose reload fails,
/// so "answers, then SERVFAIL" cannot be done by reloading). It listens on 127.0.0.1 only because named binds
/// addresses configured on an interface, and 127.a.b.c is merely routed; the free port keeps instances apart.
/// Not authoritative for a name → REFUSED (no recursion). Ready = the <c>running</c> log line and the TCP port
/// listening; every zone that should load must log <c>loaded serial</c>, or start fails with the log.
/// </remarks>
public sealed class DnsServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Dictionary<string, DnsZone> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly StringBuilder _previousLogs = new();
    private DaemonProcess? _process;
    private IReadOnlyList<int> _lastProcessIds = [];
    private long _serial;

    private DnsServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    /// <summary>The server's address (127.0.0.1).</summary>
    public IPAddress Address { get; } = IPAddress.Loopback;

    /// <summary>The server's port (UDP and TCP).</summary>
    public int Port { get; }

    /// <summary>Where resolvers send queries.</summary>
    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary>The zones served now.</summary>
    public IReadOnlyCollection<DnsZone> Zones => _zones.Values;

    /// <summary>The folder with this instance's configuration, zones and pid (see <see cref="StateRoot"/>).</summary>
    public string StateDirectory => _directory;

    /// <summary>True while named runs.</summary>
    public bool IsRunning => _process?.IsRunning ?? false;

    /// <summary>PID of named now, or at the last stop.</summary>
    public IReadOnlyList<int> ProcessIds => _process?.ProcessIds ?? _lastProcessIds;

    /// <summary>named's log (stderr, <c>-g</c>), all runs.</summary>
    public string Log => _previousLogs + (_process?.Output ?? string.Empty);

    /// <summary>Starts named serving <paramref name="zones"/>.</summary>
    public static Task<DnsServer> StartAsync(params DnsZone[] zones) => StartAsync(zones, CancellationToken.None);

    /// <summary>Starts named serving <paramref name="zones"/>.</summary>
    public static async Task<DnsServer> StartAsync(IEnumerable<DnsZone> zones, CancellationToken cancellationToken = default)
    {
        var server = new DnsServer(Path.Combine(StateRoot(), "smtpfunctions-dns-" + Guid.NewGuid().ToString("N")[..12]), FreeUdpAndTcpPort());
        Directory.CreateDirectory(Path.Combine(server._directory, "zones"));
        foreach (var zone in zones)
        {
            server._zones[zone.Name] = zone;
        }

        try
        {
            await server.RunAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A DnsClient resolver asking only this server, without cache (tests see every change at once).</summary>
    public LookupClient CreateLookupClient(TimeSpan? timeout = null) =>
        new(new LookupClientOptions(new NameServer(EndPoint))
        {
            UseCache = false,
            Retries = 0,
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            UseTcpFallback = true,
        });

    /// <summary>Adds or replaces a zone (by name) and serves the new data once this returns.</summary>
    public Task SetZoneAsync(DnsZone zone, CancellationToken cancellationToken = default)
    {
        _zones[zone.Name] = zone;
        return RestartAsync(cancellationToken);
    }

    /// <summary>Stops serving a zone (its names then get REFUSED).</summary>
    public Task RemoveZoneAsync(string name, CancellationToken cancellationToken = default)
    {
        _zones.Remove(name.TrimEnd('.'));
        return RestartAsync(cancellationToken);
    }

    /// <summary>
    /// Serves the current content of the zones again, e.g. after changing a <see cref="DnsZone"/> object in place
    /// (<c>zone.ServFail()</c>, <c>zone.Answer()</c>, new records). Returns once named answers with the new data.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await RunAsync(cancellationToken);
    }

    /// <summary>Stops named (TERM, then KILL by PID).</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        var process = _process;
        _process = null;
        _lastProcessIds = await process.StopAsync();
        _previousLogs.Append(process.Output);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        DaemonFiles.DeleteFolder(_directory);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var named = "/usr/sbin/named";
        if (!File.Exists(named))
        {
            throw new InvalidOperationException("BIND is not installed (/usr/sbin/named). Run 'sudo tests/install-deps.sh' (tests/run-tests.sh does).");
        }

        _serial++;
        var zoneDirectory = Path.Combine(_directory, "zones");
        foreach (var old in Directory.EnumerateFiles(zoneDirectory))
        {
            File.Delete(old);
        }

        foreach (var zone in _zones.Values)
        {
            await File.WriteAllTextAsync(ZoneFile(zone), zone.ToZoneFile(_serial), cancellationToken);
        }

        var configuration = Path.Combine(_directory, "named.conf");
        await File.WriteAllTextAsync(configuration, BuildConfiguration(), cancellationToken);

        // -g: foreground, log to stderr; -n 1: one worker thread is plenty; -4: IPv4 only.
        _process = DaemonProcess.Start(named, ["-g", "-n", "1", "-4", "-c", configuration], _directory);
        var process = _process;
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!process.Output.Split('\n').Any(line => line.TrimEnd().EndsWith(" running", StringComparison.Ordinal)))
            {
                if (!process.IsRunning)
                {
                    throw new InvalidOperationException("named exited.");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("named did not log 'running' within 30 s.");
                }

                await Task.Delay(10, cancellationToken);
            }

            await SocketTable.WaitForListenerAsync(Address, Port, TimeSpan.FromSeconds(10), () => process.IsRunning, cancellationToken);
            var notLoaded = _zones.Values
                .Where(zone => !zone.IsFailing && !process.Output.Contains($"zone {zone.Name}/IN: loaded serial {_serial}", StringComparison.OrdinalIgnoreCase))
                .Select(zone => zone.Name)
                .ToList();
            if (notLoaded.Count > 0)
            {
                throw new InvalidOperationException($"named did not load zone(s) {string.Join(", ", notLoaded)}.");
            }
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            var zoneFiles = string.Join("\n", _zones.Values.Select(zone => $"--- {ZoneFile(zone)}:\n{zone.ToZoneFile(_serial)}"));
            throw new InvalidOperationException($"DNS server (named) on {SocketTable.Format(Address, Port)} failed: {ex.Message}\n--- log:\n{process.Output}\n{zoneFiles}", ex);
        }
    }

    private string BuildConfiguration()
    {
        var d = _directory;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            options {
                directory "{{d}}";
                pid-file "{{d}}/named.pid";
                session-keyfile "{{d}}/session.key";
                managed-keys-directory "{{d}}";
                listen-on port {{Port}} { {{Address}}; };
                listen-on-v6 { none; };
                recursion no;
                allow-query { any; };
                allow-transfer { none; };
                dnssec-validation no;
                notify no;
                // Test zones may hold names real zones would not (underscores, MX to addresses without A records).
                check-names primary ignore;
                check-integrity no;
                check-mx ignore;
                check-mx-cname ignore;
                check-srv-cname ignore;
            };
            controls { };

            """);
        foreach (var zone in _zones.Values)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""zone "{{zone.Name}}" { type primary; file "{{ZoneFile(zone)}}"; };""").Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Where an instance keeps its configuration, zones, pid and keys. Debian's AppArmor profile for named
    /// (/etc/apparmor.d/usr.sbin.named, enforcing wherever AppArmor is on) lets it read and write only below
    /// /etc/bind, /var/lib/bind and /var/cache/bind: a configuration or zone under /tmp is refused there. The bind9
    /// package creates /var/cache/bind (root:bind, group-writable), so instances live below it; the temp folder is
    /// only the fallback for a machine without it (and without the profile).
    /// </summary>
    internal static string StateRoot() => Directory.Exists(AppArmorAllowedRoot) ? AppArmorAllowedRoot : Path.GetTempPath();

    /// <summary>The folder named's AppArmor profile allows it to read and write (<c>/var/cache/bind/** lrw</c>).</summary>
    internal const string AppArmorAllowedRoot = "/var/cache/bind";

    private string ZoneFile(DnsZone zone) => Path.Combine(_directory, "zones", zone.Name + ".zone");

    private static int FreeUdpAndTcpPort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = FreePorts.Next(IPAddress.Loopback);
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP; try another.
            }
        }

        throw new InvalidOperationException("No port free for both UDP and TCP on 127.0.0.1.");
    }
}
