namespace SmtpFunctions.Core.Submission;

/// <summary>Finds the longest line in octets fed in pieces; a line ends at LF, and a CR before the LF is not counted.</summary>
internal struct LineLengthCounter
{
    private long _current;
    private byte _last;

    /// <summary>The longest complete line so far.</summary>
    public long Longest { get; private set; }

    /// <summary>The longest line, counting an unterminated last one.</summary>
    public readonly long Result => Math.Max(Longest, _current);

    public void Feed(ReadOnlySpan<byte> span)
    {
        while (!span.IsEmpty)
        {
            var end = span.IndexOf((byte)'\n');
            if (end < 0)
            {
                _current += span.Length;
                _last = span[^1];
                return;
            }

            _current += end;
            var beforeLf = end > 0 ? span[end - 1] : _last;
            Longest = Math.Max(Longest, beforeLf == '\r' ? _current - 1 : _current);
            _current = 0;
            _last = (byte)'\n';
            span = span[(end + 1)..];
        }
    }
}
