using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Hosting;

namespace SmtpFunctions.Ingress.Tests.Hosting;

public sealed class IngressCommandsTests
{
    [Fact]
    public async Task HashPassword_PrintsAHashOfTheLineOnStdin()
    {
        var output = new StringWriter();

        var exit = await IngressCommands.TryRunAsync(["hash-password", "--iterations", "10000"], new StringReader("s3cret pass\n"), output, new StringWriter());

        Assert.Equal(0, exit);
        Assert.True(PasswordHash.TryParse(output.ToString().Trim(), out var hash, out _));
        Assert.True(hash.Verify("s3cret pass"));
    }

    [Fact]
    public async Task HashPassword_EmptyPassword_Fails()
    {
        var error = new StringWriter();

        var exit = await IngressCommands.TryRunAsync(["hash-password"], new StringReader("\n"), new StringWriter(), error);

        Assert.Equal(2, exit);
        Assert.Contains("empty", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCommand_RunsTheServer()
    {
        Assert.Null(await IngressCommands.TryRunAsync([], TextReader.Null, TextWriter.Null, TextWriter.Null));
        Assert.Null(await IngressCommands.TryRunAsync(["--Ingress:Port=25"], TextReader.Null, TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public async Task Health_NothingListening_Fails()
    {
        var port = SmtpFunctions.Testing.Processes.FreePorts.Next();

        var exit = await IngressCommands.TryRunAsync(["health", "--url", $"http://127.0.0.1:{port}/healthz"], TextReader.Null, new StringWriter(), new StringWriter());

        Assert.Equal(1, exit);
    }
}
