namespace SmtpFunctions.Testing.Postfix;

/// <summary>
/// The behaviour of one run of Postfix's <c>smtp-sink</c> (see smtp-sink(1)). Commands are SMTP verbs plus the
/// pseudo-commands CONNECT (the greeting) and <c>.</c> (end of DATA). One set of options holds for every session
/// of a run; <see cref="SmtpSink.ReconfigureAsync"/> restarts the sink on the same endpoint with other options.
/// </summary>
public sealed record SmtpSinkOptions
{
    /// <summary>Name in the greeting, HELO/EHLO reply and dump headers (<c>-h</c>).</summary>
    public string HostName { get; init; } = "sink.peer.test";

    /// <summary>Commands answered with <see cref="SoftRejectReply"/> (<c>-r</c>), e.g. RCPT → greylisting, "." → 4xx after DATA.</summary>
    public IReadOnlyList<string> SoftReject { get; init; } = [];

    /// <summary>Reply for <see cref="SoftReject"/> (<c>-b</c>); smtp-sink's default is <c>450 4.3.0 Error: command failed</c>.</summary>
    public string? SoftRejectReply { get; init; }

    /// <summary>Commands answered with <see cref="HardRejectReply"/> (<c>-f</c>).</summary>
    public IReadOnlyList<string> HardReject { get; init; } = [];

    /// <summary>Reply for <see cref="HardReject"/> (<c>-B</c>); smtp-sink's default is <c>500 5.3.0 Error: command failed</c>.</summary>
    public string? HardRejectReply { get; init; }

    /// <summary>Commands after which the connection is dropped without a reply (<c>-q</c>); "." drops it after the whole message arrived.</summary>
    public IReadOnlyList<string> DisconnectAfter { get; init; } = [];

    /// <summary>Commands answered <c>421</c> followed by a disconnect (<c>-Q</c>); CONNECT gives a 421 greeting.</summary>
    public IReadOnlyList<string> ServiceUnavailableAfter { get; init; } = [];

    /// <summary>Announce ESMTP at all; false answers EHLO with an error so clients fall back to HELO (<c>-e</c>).</summary>
    public bool Esmtp { get; init; } = true;

    /// <summary>Announce PIPELINING (<c>-p</c>; also off whenever a command is rejected).</summary>
    public bool Pipelining { get; init; } = true;

    /// <summary>Announce 8BITMIME (<c>-8</c>).</summary>
    public bool EightBitMime { get; init; } = true;

    /// <summary>Announce ENHANCEDSTATUSCODES (<c>-E</c>).</summary>
    public bool EnhancedStatusCodes { get; init; } = true;

    /// <summary>Announce DSN (<c>-N</c>).</summary>
    public bool Dsn { get; init; } = true;

    /// <summary>Announce AUTH (<c>-a</c>); default off, since a test peer playing a recipient MX does not offer it.</summary>
    public bool Auth { get; init; }

    /// <summary>Speak LMTP instead of SMTP (<c>-L</c>).</summary>
    public bool Lmtp { get; init; }

    /// <summary>Most sessions handled at once (<c>-m</c>); more wait in the TCP backlog.</summary>
    public int? MaxConcurrentSessions { get; init; }

    /// <summary>Wait before answering DATA (<c>-w</c>).</summary>
    public TimeSpan? DataReplyDelay { get; init; }

    /// <summary>Wait before answering a command (<c>-W command:seconds</c>), e.g. { ["RCPT"] = 2 s } to hold sessions open.</summary>
    public IReadOnlyDictionary<string, TimeSpan> CommandDelays { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Keep each message received (<c>-d</c>), readable with <see cref="SmtpSink.ReadMessages"/>. Default true.</summary>
    public bool CaptureMessages { get; init; } = true;

    /// <summary>
    /// Follow sessions from the verbose log (<c>-v</c>) for <see cref="SmtpSink.GetSessionStatistics"/>. Default true;
    /// turn off for benchmarks (it prints a few lines per command).
    /// </summary>
    public bool TrackSessions { get; init; } = true;

    /// <summary>listen(2) backlog. Default 100.</summary>
    public int Backlog { get; init; } = 100;

    /// <summary>
    /// True when messages completing DATA in this run are accepted (250 after the dot): nothing rejects, drops or
    /// 421s at DATA or ".". smtp-sink dumps a message even when it then drops the connection.
    /// </summary>
    public bool AcceptsMessages =>
        !new[] { SoftReject, HardReject, DisconnectAfter, ServiceUnavailableAfter }
            .SelectMany(list => list)
            .Any(command => command is "." || command.Equals("DATA", StringComparison.OrdinalIgnoreCase));
}
