using Microsoft.Extensions.Options;
using SmtpFunctions.Api;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.LocalHost.Http;
using SmtpFunctions.LocalHost.Queues;
using SmtpFunctions.LocalHost.Sweeping;

namespace SmtpFunctions.LocalHost;

/// <summary>Builds the local host: the function app's routes and queue trigger, on Kestrel, without the Functions host.</summary>
public static class LocalHostApp
{
    /// <summary>Default listening address, the same as <c>func start</c>.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>Creates the application; <paramref name="configure"/> lets tests add configuration before services are built.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);
        builder.Services.AddSmtpFunctionsCore(builder.Configuration);
        builder.Services.AddSmtpFunctionsApi();
        builder.Services.AddSmtpFunctionsTelemetry(builder.Configuration, "smtpfunctions-localhost");
        builder.Services.AddValidatedOptions<LocalHostOptions>(builder.Configuration, LocalHostOptions.SectionName);
        builder.Services.AddProblemDetails();
        builder.Services.AddHostedService<StorageInitializer>();
        builder.Services.AddSingleton(sp => QueueTriggerSettings.Load(sp.GetRequiredService<IOptions<LocalHostOptions>>().Value.HostJsonPath));
        // One listener and one poison watcher per shard, as the function app has one trigger per shard queue. An invalid
        // count is clamped here only to build the list; Storage:Shards validation stops the host at start all the same.
        var shards = Math.Clamp(builder.Configuration.GetValue($"{StorageOptions.SectionName}:{nameof(StorageOptions.Shards)}", 1), 1, StorageShards.MaxShards);
        if (builder.Configuration.GetValue($"{LocalHostOptions.SectionName}:{nameof(LocalHostOptions.RunQueueListener)}", true))
        {
            // Not AddHostedService: it adds one hosted service per implementation type, and every listener is of one type.
            for (var shard = 0; shard < shards; shard++)
            {
                var number = new QueueShard(shard);
                builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggerListener>(sp, QueueTriggerBinding.Deliver(sp, number)));
            }

            builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggerListener>(sp, QueueTriggerBinding.Events(sp)));
            builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggerListener>(sp, QueueTriggerBinding.EventsPoison(sp)));
        }

        if (builder.Configuration.GetValue($"{SweeperOptions.SectionName}:{nameof(SweeperOptions.Enabled)}", true))
        {
            builder.Services.AddHostedService<SweeperService>();
            for (var shard = 0; shard < shards; shard++)
            {
                var number = new QueueShard(shard);
                builder.Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<PoisonQueueWatcher>(sp, number));
            }
        }

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseMiddleware<FunctionKeyMiddleware>();
        app.MapPost("/api/messages", (HttpRequest request, MessagesEndpoint endpoint, CancellationToken ct) => endpoint.SubmitAsync(request, ct));
        app.MapGet("/api/messages/{id}", (HttpRequest request, string id, MessagesEndpoint endpoint, CancellationToken ct) =>
            endpoint.GetAsync(request, id, ct));
        app.MapGet("/api/suppressions", (HttpRequest request, SuppressionsEndpoint endpoint, CancellationToken ct) => endpoint.ListAsync(request, ct));
        app.MapGet("/api/suppressions/{address}", (HttpRequest request, string address, SuppressionsEndpoint endpoint, CancellationToken ct) =>
            endpoint.GetAsync(request, address, ct));
        app.MapPost("/api/suppressions", (HttpRequest request, SuppressionsEndpoint endpoint, CancellationToken ct) => endpoint.AddAsync(request, ct));
        app.MapDelete("/api/suppressions", (HttpRequest request, SuppressionsEndpoint endpoint, CancellationToken ct) => endpoint.DeleteByQueryAsync(request, ct));
        app.MapDelete("/api/suppressions/{address}", (HttpRequest request, string address, SuppressionsEndpoint endpoint, CancellationToken ct) =>
            endpoint.DeleteAsync(request, address, ct));
        app.MapPost("/api/keys", (HttpRequest request, KeysEndpoint endpoint, CancellationToken ct) => endpoint.CreateAsync(request, ct));
        app.MapGet("/api/keys", (HttpRequest request, KeysEndpoint endpoint, CancellationToken ct) => endpoint.ListAsync(request, ct));
        app.MapDelete("/api/keys/{id}", (HttpRequest request, string id, KeysEndpoint endpoint, CancellationToken ct) => endpoint.RevokeAsync(request, id, ct));
        app.MapPost("/api/webhooks", (HttpRequest request, WebhooksEndpoint endpoint, CancellationToken ct) => endpoint.CreateAsync(request, ct));
        app.MapGet("/api/webhooks", (HttpRequest request, WebhooksEndpoint endpoint, CancellationToken ct) => endpoint.ListAsync(request, ct));
        app.MapGet("/api/webhooks/{id}", (HttpRequest request, string id, WebhooksEndpoint endpoint, CancellationToken ct) => endpoint.GetAsync(request, id, ct));
        app.MapDelete("/api/webhooks/{id}", (HttpRequest request, string id, WebhooksEndpoint endpoint, CancellationToken ct) => endpoint.DeleteAsync(request, id, ct));
        app.MapPost("/api/webhooks/{id}/replay", (HttpRequest request, string id, WebhooksEndpoint endpoint, CancellationToken ct) => endpoint.ReplayAsync(request, id, ct));
        app.MapGet("/api/domains", (HttpRequest request, DomainsEndpoint endpoint, CancellationToken ct) => endpoint.ListAsync(request, ct));
        app.MapPost("/api/domains", (HttpRequest request, DomainsEndpoint endpoint, CancellationToken ct) => endpoint.RegisterAsync(request, ct));
        app.MapGet("/api/domains/{domain}", (HttpRequest request, string domain, DomainsEndpoint endpoint, CancellationToken ct) =>
            endpoint.GetAsync(request, domain, ct));
        app.MapDelete("/api/domains/{domain}", (HttpRequest request, string domain, DomainsEndpoint endpoint, CancellationToken ct) =>
            endpoint.DeleteAsync(request, domain, ct));
        app.MapPost("/api/domains/{domain}/verify", (HttpRequest request, string domain, DomainsEndpoint endpoint, CancellationToken ct) =>
            endpoint.VerifyAsync(request, domain, ct));
        app.MapGet("/api/openapi.json", (OpenApiEndpoint openApi) => openApi.Get());
        return app;
    }
}
