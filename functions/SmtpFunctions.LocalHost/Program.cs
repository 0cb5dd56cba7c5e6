using SmtpFunctions.Core.Dkim;
using SmtpFunctions.LocalHost;
using SmtpFunctions.LocalHost.Keys;
using SmtpFunctions.LocalHost.Suppressions;
using SmtpFunctions.LocalHost.Webhooks;

// `dkim-keygen …` prints a new DKIM key pair and its DNS record instead of starting the host.
if (args.Length > 0 && args[0] == "dkim-keygen")
{
    return DkimKeygenCommand.Run(args[1..], Console.Out);
}

// `keys create|list|revoke …` manages API keys in the configured storage account (the first admin key comes from here);
// `suppressions add|list|remove …` the suppression lists, the operator's global one among them.
if (args.Length > 0 && args[0] is "keys" or "suppressions")
{
    var configuration = new ConfigurationBuilder()
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(args.Where(a => a.Contains('=', StringComparison.Ordinal)).ToArray())
        .Build();
    return args[0] == "keys"
        ? await KeysCommand.RunAsync(args[1..], configuration, Console.Out)
        : await SuppressionsCommand.RunAsync(args[1..], configuration, Console.Out);
}

// `webhook-receiver --port N --secret whsec_…` prints the signed events it receives instead of starting the host.
if (args.Length > 0 && args[0] == "webhook-receiver")
{
    return await WebhookReceiverCommand.RunAsync(args[1..], Console.Out);
}

await LocalHostApp.Build(args).RunAsync();
return 0;
