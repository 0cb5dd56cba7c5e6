namespace SmtpFunctions.Testing.Postfix;

/// <summary>What one run of Postfix's <c>smtp-source</c> sends (see smtp-source(1)).</summary>
public sealed record SmtpSourceOptions
{
    /// <summary>Parallel sessions (<c>-s</c>).</summary>
    public int Sessions { get; init; } = 1;

    /// <summary>Messages in total (<c>-m</c>).</summary>
    public int Messages { get; init; } = 1;

    /// <summary>Body bytes per message, headers not included (<c>-l</c>); null = smtp-source's default.</summary>
    public int? BodyLength { get; init; }

    /// <summary>Envelope sender (<c>-f</c>).</summary>
    public string? From { get; init; }

    /// <summary>Envelope recipient (<c>-t</c>).</summary>
    public string? To { get; init; }

    /// <summary>Recipients per message (<c>-r</c>): smtp-source prefixes a number to <see cref="To"/>'s local part.</summary>
    public int? RecipientsPerMessage { get; init; }

    /// <summary>Subject header (<c>-S</c>).</summary>
    public string? Subject { get; init; }

    /// <summary>Send this file's header and body instead of a generated message (<c>-F</c>).</summary>
    public string? MessageFile { get; init; }

    /// <summary>HELO name (<c>-M</c>).</summary>
    public string? HeloName { get; init; }

    /// <summary>Send all messages of a session over one connection (<c>-d</c>) instead of one connection per message.</summary>
    public bool ReuseConnections { get; init; }

    /// <summary>Go on when the server answers something other than the expected positive reply (<c>-A</c>).</summary>
    public bool IgnoreErrors { get; init; }

    /// <summary>Speak LMTP (<c>-L</c>).</summary>
    public bool Lmtp { get; init; }

    /// <summary>Longest the run may take before it is killed. Default 5 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}
