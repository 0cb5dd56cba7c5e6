using SmtpFunctions.LocalHost;

await LocalHostApp.Build(args).RunAsync();
