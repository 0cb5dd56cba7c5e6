using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>Postfix's <c>smtp-source</c>, the parallel SMTP/LMTP load generator, as an independent client for tests and benchmarks.</summary>
/// <remarks>It speaks neither STARTTLS nor AUTH and does not pipeline.</remarks>
public static class SmtpSource
{
    /// <summary>Sends to <paramref name="target"/> and waits for the run to end (killed by PID after <see cref="SmtpSourceOptions.Timeout"/>).</summary>
    public static async Task<SmtpSourceResult> RunAsync(IPEndPoint target, SmtpSourceOptions options)
    {
        var arguments = BuildArguments(target, options);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var (exitCode, output) = await ChildProcess.RunAsync(PostfixInstallation.Command("smtp-source"), arguments, options.Timeout);
            return new SmtpSourceResult(exitCode, output, stopwatch.Elapsed);
        }
        catch (OperationCanceledException ex)
        {
            // ChildProcess.RunAsync killed it by PID on the way out.
            throw new TimeoutException($"smtp-source {string.Join(' ', arguments)} did not finish within {options.Timeout}.", ex);
        }
    }

    /// <summary>The command line, for logs and reports.</summary>
    public static IReadOnlyList<string> BuildArguments(IPEndPoint target, SmtpSourceOptions o)
    {
        var args = new List<string>
        {
            "-s", o.Sessions.ToString(CultureInfo.InvariantCulture),
            "-m", o.Messages.ToString(CultureInfo.InvariantCulture),
        };
        void Add(string flag, string? value)
        {
            if (value is not null)
            {
                args.Add(flag);
                args.Add(value);
            }
        }

        Add("-l", o.BodyLength?.ToString(CultureInfo.InvariantCulture));
        Add("-f", o.From);
        Add("-t", o.To);
        Add("-r", o.RecipientsPerMessage?.ToString(CultureInfo.InvariantCulture));
        Add("-S", o.Subject);
        Add("-F", o.MessageFile);
        Add("-M", o.HeloName);
        if (o.ReuseConnections)
        {
            args.Add("-d");
        }

        if (o.IgnoreErrors)
        {
            args.Add("-A");
        }

        if (o.Lmtp)
        {
            args.Add("-L");
        }

        args.Add("inet:" + SocketTable.Format(target.Address, target.Port));
        return args;
    }
}
