namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// Follows the octets of one DATA phase: finds the one end that counts, <c>&lt;CRLF&gt;.&lt;CRLF&gt;</c>, notices bare CR
/// and bare LF anywhere, and counts the size. Input may arrive split at any octet.
/// </summary>
/// <remarks>
/// RFC 5321 §2.3.8 and §4.1.1.4: lines end in CRLF only, and only CRLF "." CRLF ends the data. Servers that also accept
/// <c>&lt;LF&gt;.&lt;LF&gt;</c> or <c>&lt;LF&gt;.&lt;CRLF&gt;</c> can be made to see two messages where the previous hop saw
/// one (SMTP smuggling, 2023), so a line start is only ever the octet after a CRLF, and any bare CR or LF taints the
/// message (Postfix's <c>smtpd_forbid_bare_newline</c>). The DATA command's own CRLF counts as the first line start.
/// </remarks>
public sealed class DataScanner
{
    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const byte Dot = (byte)'.';
    private const int TerminatorLength = 3;

    private LineState _line = LineState.Start;
    private bool _pendingCr;
    private long _octets;

    /// <summary>True once a CR not followed by LF, or an LF not preceded by CR, was seen.</summary>
    public bool HasBareLineEnding { get; private set; }

    /// <summary>True once the terminating <c>.&lt;CRLF&gt;</c> after a CRLF was consumed.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Octets of the message so far, terminator excluded once complete.</summary>
    public long Octets => IsComplete ? _octets - TerminatorLength : _octets;

    /// <summary>Scans <paramref name="input"/>; returns how many octets belong to this DATA phase (all, or up to the terminator).</summary>
    public int Scan(ReadOnlySpan<byte> input)
    {
        if (IsComplete)
        {
            return 0;
        }

        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            _octets++;
            if (_pendingCr)
            {
                _pendingCr = false;
                if (b == Lf)
                {
                    if (_line == LineState.DotCr)
                    {
                        IsComplete = true;
                        return i + 1;
                    }

                    _line = LineState.Start;
                    continue;
                }

                HasBareLineEnding = true;
                _line = LineState.Middle;
            }

            switch (b)
            {
                case Cr:
                    _pendingCr = true;
                    _line = _line == LineState.Dot ? LineState.DotCr : LineState.Middle;
                    break;
                case Lf:
                    // An LF without its CR: never a line end, so whatever follows is not at a line start.
                    HasBareLineEnding = true;
                    _line = LineState.Middle;
                    break;
                case Dot:
                    _line = _line == LineState.Start ? LineState.Dot : LineState.Middle;
                    break;
                default:
                    _line = LineState.Middle;
                    break;
            }
        }

        return input.Length;
    }

    private enum LineState
    {
        Start,
        Dot,
        DotCr,
        Middle,
    }
}
