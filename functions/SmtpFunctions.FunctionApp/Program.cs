using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using SmtpFunctions.Api;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSmtpFunctionsCore(builder.Configuration);
builder.Services.AddSmtpFunctionsApi();
builder.Services.AddSmtpFunctionsTelemetry(builder.Configuration);
builder.Build().Run();
