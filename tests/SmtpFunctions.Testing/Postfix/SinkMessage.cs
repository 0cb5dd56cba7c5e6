using System.Text;
using MimeKit;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>One mail transaction <c>smtp-sink</c> received and dumped: envelope, message bytes, and whether it was accepted.</summary>
public sealed class SinkMessage
{
    private SinkMessage(string path, int run, bool accepted, IReadOnlyDictionary<string, List<string>> envelope, byte[] bytes)
    {
        Path = path;
        Run = run;
        Accepted = accepted;
        ClientAddress = First(envelope, "X-Client-Addr");
        Protocol = First(envelope, "X-Client-Proto");
        HeloName = First(envelope, "X-Helo-Args");
        MailArguments = First(envelope, "X-Mail-Args");
        RecipientArguments = envelope.TryGetValue("X-Rcpt-Args", out var rcpt) ? rcpt : [];
        Bytes = bytes;
    }

    /// <summary>The dump file.</summary>
    public string Path { get; }

    /// <summary>Which run of the sink took it: 0 for the first, +1 per <see cref="SmtpSink.ReconfigureAsync"/>.</summary>
    public int Run { get; }

    /// <summary>True when that run answered 250 after the dot (see <see cref="SmtpSinkOptions.AcceptsMessages"/>).</summary>
    public bool Accepted { get; }

    /// <summary>The client's IP address.</summary>
    public string ClientAddress { get; }

    /// <summary>SMTP, ESMTP or LMTP.</summary>
    public string Protocol { get; }

    /// <summary>The EHLO/HELO argument.</summary>
    public string HeloName { get; }

    /// <summary>MAIL FROM arguments as sent, e.g. <c>&lt;a@b.test&gt; SIZE=1234 BODY=8BITMIME SMTPUTF8</c>.</summary>
    public string MailArguments { get; }

    /// <summary>The reverse-path without brackets; empty for the null sender.</summary>
    public string MailFrom => Address(MailArguments);

    /// <summary>RCPT TO arguments as sent, in order (accepted recipients; smtp-sink accepts all of one run).</summary>
    public IReadOnlyList<string> RecipientArguments { get; }

    /// <summary>Recipient addresses without brackets.</summary>
    public IReadOnlyList<string> Recipients => RecipientArguments.Select(Address).ToList();

    /// <summary>The message as sent after DATA (dot-unstuffed), CRLF line ends.</summary>
    public byte[] Bytes { get; }

    /// <summary>Parses <see cref="Bytes"/> with MimeKit.</summary>
    public MimeMessage ToMimeMessage() => MimeMessage.Load(new MemoryStream(Bytes, writable: false));

    /// <inheritdoc />
    public override string ToString() => $"run {Run} {(Accepted ? "accepted" : "not accepted")} from=<{MailFrom}> to={string.Join(",", Recipients)} ({Bytes.Length} bytes)";

    /// <summary>
    /// Parses a dump file: smtp-sink's X- records, its three-line Received header, the message, one empty line; all
    /// with LF line ends.
    /// </summary>
    internal static SinkMessage Parse(string path, int run, bool accepted)
    {
        var data = File.ReadAllBytes(path);
        var envelope = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var offset = 0;
        while (offset < data.Length)
        {
            var end = Array.IndexOf(data, (byte)'\n', offset);
            end = end < 0 ? data.Length : end;
            var line = Encoding.UTF8.GetString(data, offset, end - offset);
            offset = end + 1;
            if (line.StartsWith("Received:", StringComparison.Ordinal))
            {
                // Two continuation lines (by … id …; and the date) follow.
                while (offset < data.Length && data[offset] == (byte)'\t')
                {
                    var next = Array.IndexOf(data, (byte)'\n', offset);
                    offset = next < 0 ? data.Length : next + 1;
                }

                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon];
                if (!envelope.TryGetValue(name, out var values))
                {
                    envelope[name] = values = [];
                }

                values.Add(line[(colon + 1)..].Trim());
            }
        }

        var length = data.Length - offset;
        if (length > 0 && data[^1] == (byte)'\n')
        {
            length--; // the empty line smtp-sink appends after each message
        }

        var message = MaildirMessage.ToCrLf(data.AsSpan(offset, Math.Max(0, length)).ToArray());
        return new SinkMessage(path, run, accepted, envelope, message);
    }

    private static string First(IReadOnlyDictionary<string, List<string>> envelope, string name) =>
        envelope.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : string.Empty;

    private static string Address(string arguments)
    {
        var open = arguments.IndexOf('<', StringComparison.Ordinal);
        var close = arguments.IndexOf('>', open + 1);
        return open >= 0 && close > open ? arguments[(open + 1)..close] : arguments.Split(' ')[0];
    }
}
