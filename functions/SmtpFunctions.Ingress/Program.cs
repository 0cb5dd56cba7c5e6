using SmtpFunctions.Ingress.Hosting;

// Before anything opens a socket: the runtime reads this switch once.
SocketCompletions.InlineUnlessConfigured();

// `hash-password` and `health` are small commands; anything else runs the server.
if (await IngressCommands.TryRunAsync(args, Console.In, Console.Out, Console.Error) is { } exitCode)
{
    return exitCode;
}

var app = IngressHost.Build(IngressHost.CreateBuilder(args));
await app.RunAsync();
return 0;
