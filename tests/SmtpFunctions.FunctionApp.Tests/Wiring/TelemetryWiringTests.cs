using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.FunctionApp.Tests.Wiring;

/// <summary>
/// With Application Insights configured, the worker exports its own telemetry and tells the host so (the
/// WorkerOpenTelemetryEnabled capability), so the host stops relaying worker logs and nothing lands twice; without it,
/// the host keeps relaying them.
/// </summary>
public sealed class TelemetryWiringTests
{
    private const string Capability = "WorkerOpenTelemetryEnabled";

    [Fact]
    public async Task WithAConnectionString_TheWorkerTellsTheHostItExportsItself()
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        var settings = FunctionAppFixture.Settings(azurite);
        settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";
        using var app = FunctionAppHost.Build(settings);

        var capabilities = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities;

        Assert.Equal(bool.TrueString, capabilities[Capability]);
    }

    [Fact]
    public async Task WithoutAConnectionString_TheHostKeepsRelayingWorkerLogs()
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        using var app = FunctionAppHost.Build(FunctionAppFixture.Settings(azurite));

        var capabilities = app.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities;

        Assert.False(capabilities.ContainsKey(Capability));
    }
}
