using System.Globalization;
using System.Net;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.FunctionApp.Tests.Wiring;

/// <summary>Fresh Azurite, a mail catcher (smtp-sink) as the smart host, and the function app's container against them.</summary>
public sealed class FunctionAppFixture : IAsyncLifetime
{
    private FunctionAppHost? _app;

    public AzuriteProcess Azurite { get; private set; } = null!;

    public SmtpSink Sink { get; private set; } = null!;

    internal FunctionAppHost App => _app!;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteProcess.StartAsync();
        Sink = await SmtpSink.StartAsync(new SmtpSinkOptions(), LoopbackAddresses.Next());
        _app = FunctionAppHost.Build(Settings(Azurite, Sink.EndPoint));
    }

    internal static Dictionary<string, string?> Settings(AzuriteProcess azurite, IPEndPoint? smartHost = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:MaxRetries"] = "0",
            ["Storage:NetworkTimeout"] = "00:00:05",
            ["Delivery:LocalDomain"] = "functionapp.test",
            ["Logging:LogLevel:Default"] = "Warning",
            // What the Functions host passes to a worker it starts; only read when the hosted services are built (the
            // host is never started here, so nothing connects to it).
            ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:9",
            ["Functions:Worker:WorkerId"] = "wiring-tests",
            ["Functions:Worker:RequestId"] = "wiring-tests",
            ["Functions:Worker:GrpcMaxMessageLength"] = "2147483647",
        };
        if (smartHost is not null)
        {
            settings["Delivery:SmartHost:Host"] = smartHost.Address.ToString();
            settings["Delivery:SmartHost:Port"] = smartHost.Port.ToString(CultureInfo.InvariantCulture);
            settings["Delivery:SmartHost:RequireTls"] = "false";
        }

        return settings;
    }

    public async Task DisposeAsync()
    {
        _app?.Dispose();
        await Sink.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
