using SmtpFunctions.Ingress.Memory;

namespace SmtpFunctions.Ingress.Network;

/// <summary>
/// Follows the octets of one DATA phase: finds the one end that counts, <c>&lt;CRLF&gt;.&lt;CRLF&gt;</c>, notices bare CR
/// and bare LF anywhere, counts the size, and hands the message's own octets (unstuffed) to a <see cref="MessageBuffer"/>.
/// Input may arrive split at any octet.
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

    /// <summary>
    /// Scans <paramref name="input"/>; returns how many octets belong to this DATA phase (all, or up to the terminator).
    /// The message's own octets go to <paramref name="content"/> with the transparency dots removed (RFC 5321 §4.5.2: a
    /// line's leading "." is dropped) and without the terminating "."CRLF; the CRLF before it ends the last line and stays.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> input, MessageBuffer? content = null)
    {
        if (IsComplete)
        {
            return 0;
        }

        var runStart = 0;
        var i = 0;
        while (i < input.Length)
        {
            if (!_pendingCr && _line == LineState.Middle)
            {
                // Inside a line only CR and LF matter: skip to the next one (vectorised).
                var next = input[i..].IndexOfAny(Cr, Lf);
                if (next < 0)
                {
                    break;
                }

                i += next;
            }

            var b = input[i];
            if (_pendingCr)
            {
                _pendingCr = false;
                if (b == Lf)
                {
                    if (_line == LineState.DotCr)
                    {
                        // The dot was dropped when it was seen; its CR and this LF are the terminator's.
                        IsComplete = true;
                        _octets += i + 1;
                        return i + 1;
                    }

                    _line = LineState.Start;
                    i++;
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
                case Dot when _line == LineState.Start:
                    // Either the terminator's or a transparency dot: dropped both ways.
                    Emit(input, runStart, i, content);
                    runStart = i + 1;
                    _line = LineState.Dot;
                    break;
                default:
                    _line = LineState.Middle;
                    break;
            }

            i++;
        }

        _octets += input.Length;
        // A CR right after a line-start dot may be the terminator's: hold it back. Should no LF follow, the message has
        // a bare CR and is refused anyway, so what was held back never matters.
        Emit(input, runStart, _pendingCr && _line == LineState.DotCr ? input.Length - 1 : input.Length, content);
        return input.Length;
    }

    private static void Emit(ReadOnlySpan<byte> input, int from, int to, MessageBuffer? content)
    {
        if (content is not null && to > from)
        {
            content.Append(input[from..to]);
        }
    }

    private enum LineState
    {
        Start,
        Dot,
        DotCr,
        Middle,
    }
}
