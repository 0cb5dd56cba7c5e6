using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Hosting;

/// <summary>
/// The small commands of the ingress binary besides serving:
/// <c>hash-password [--iterations N]</c> reads a password (stdin, or prompted without echo) and prints the hash for
/// <c>Ingress:Users</c> / the accounts file; <c>health</c> asks the running server's <c>/healthz</c> and exits 0 when
/// healthy (the Dockerfile's HEALTHCHECK, since the runtime image has no curl).
/// </summary>
public static class IngressCommands
{
    /// <summary>Runs a command if <paramref name="args"/> names one; null when they do not (serve instead).</summary>
    public static async Task<int?> TryRunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Length == 0)
        {
            return null;
        }

        switch (args[0])
        {
            case "hash-password":
                return await HashPasswordAsync(args[1..], input, output, error);
            case "health":
                return await HealthAsync(args[1..], output, error);
            case "--help" or "-h" or "help":
                await error.WriteLineAsync("usage: SmtpFunctions.Ingress [hash-password [--iterations N] | health [--url URL]]  (no command: run the server)");
                return 0;
            default:
                return null;
        }
    }

    private static async Task<int> HashPasswordAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var iterations = PasswordHash.DefaultIterations;
        if (args.Length == 2 && args[0] == "--iterations" && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
        {
            iterations = requested;
        }
        else if (args.Length != 0)
        {
            await error.WriteLineAsync("usage: hash-password [--iterations N]   (the password is read from stdin)");
            return 2;
        }

        var password = Console.IsInputRedirected || !ReferenceEquals(input, Console.In) ? await ReadPipedAsync(input) : Prompt(error);
        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync("hash-password: the password is empty.");
            return 2;
        }

        try
        {
            await output.WriteLineAsync(PasswordHash.Create(password, iterations));
            return 0;
        }
        catch (ArgumentOutOfRangeException)
        {
            await error.WriteLineAsync("hash-password: --iterations must be at least 10000.");
            return 2;
        }
    }

    // One line: a trailing newline from `echo` or a file is not part of the password.
    private static async Task<string?> ReadPipedAsync(TextReader input)
    {
        var text = await input.ReadToEndAsync();
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
    }

    private static string? Prompt(TextWriter error)
    {
        var first = ReadHidden(error, "Password: ");
        var second = ReadHidden(error, "Again: ");
        if (first != second)
        {
            error.WriteLine("hash-password: the passwords differ.");
            return null;
        }

        return first;
    }

    private static string ReadHidden(TextWriter error, string prompt)
    {
        error.Write(prompt);
        var builder = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                error.WriteLine();
                return builder.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (builder.Length > 0)
                {
                    builder.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                builder.Append(key.KeyChar);
            }
        }
    }

    private static async Task<int> HealthAsync(string[] args, TextWriter output, TextWriter error)
    {
        string url;
        if (args.Length == 2 && args[0] == "--url")
        {
            url = args[1];
        }
        else
        {
            var configuration = new ConfigurationBuilder()
                .SetBasePath(AppContext.BaseDirectory)
                .AddJsonFile("appsettings.json", optional: true)
                .AddEnvironmentVariables()
                .Build();
            var port = configuration.GetValue($"{IngressOptions.SectionName}:{nameof(IngressOptions.HealthPort)}", new IngressOptions().HealthPort);
            url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}{IngressHost.HealthPath}");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            await output.WriteLineAsync($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"health: {url}: {ex.Message}");
            return 1;
        }
    }
}
