using SmtpFunctions.Core.Dkim;
using SmtpFunctions.LocalHost;

// `dkim-keygen …` prints a new DKIM key pair and its DNS record instead of starting the host.
if (args.Length > 0 && args[0] == "dkim-keygen")
{
    return DkimKeygenCommand.Run(args[1..], Console.Out);
}

await LocalHostApp.Build(args).RunAsync();
return 0;
