namespace SmtpFunctions.Ingress.Network;

/// <summary>The limits one connection's <see cref="SmtpWireStream"/> enforces.</summary>
public sealed record WireSettings
{
    /// <summary>RFC 4954 §4: an AUTH command line, and each line of the exchange, may be this long.</summary>
    public const int MaxAuthLineLength = 12288;

    /// <summary>Name used in replies that close the connection.</summary>
    public required string ServerName { get; init; }

    /// <summary>Longest command line, CRLF included.</summary>
    public required int MaxCommandLineLength { get; init; }

    /// <summary>Largest message in DATA.</summary>
    public required long MaxMessageBytes { get; init; }

    /// <summary>Time allowed per command line, and idle time allowed per read.</summary>
    public required TimeSpan CommandTimeout { get; init; }

    /// <summary><see cref="CommandTimeout"/> of an unauthenticated connection while the ingress is under pressure.</summary>
    public required TimeSpan StressCommandTimeout { get; init; }

    /// <summary>Time from connecting to a successful AUTH; null for trusted clients, who need none.</summary>
    public required TimeSpan? PreAuthTimeout { get; init; }

    /// <summary><see cref="PreAuthTimeout"/> while the ingress is under pressure.</summary>
    public required TimeSpan StressPreAuthTimeout { get; init; }

    /// <summary>Slowest DATA in octets per second (each octet extends DATA's deadline by 1/rate s); 0: no rate limit.</summary>
    public required int MinDataRate { get; init; }

    /// <summary>Longest session.</summary>
    public required TimeSpan SessionTimeout { get; init; }

    /// <summary>Pause before the greeting during which the client must stay silent; zero checks only what already arrived.</summary>
    public required TimeSpan GreetingDelay { get; init; }

    /// <summary>Rejected commands after which the session is closed.</summary>
    public required int MaxProtocolErrors { get; init; }

    /// <summary>Clock for timeouts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
