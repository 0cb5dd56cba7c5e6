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

    /// <summary>Idle time allowed per read.</summary>
    public required TimeSpan CommandTimeout { get; init; }

    /// <summary>Longest session.</summary>
    public required TimeSpan SessionTimeout { get; init; }

    /// <summary>Pause before the greeting during which the client must stay silent; zero checks only what already arrived.</summary>
    public required TimeSpan GreetingDelay { get; init; }

    /// <summary>Rejected commands after which the session is closed.</summary>
    public required int MaxProtocolErrors { get; init; }

    /// <summary>Clock for timeouts.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
