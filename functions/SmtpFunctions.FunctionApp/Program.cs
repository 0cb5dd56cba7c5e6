using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using SmtpFunctions.FunctionApp;

var builder = FunctionsApplication.CreateBuilder(args);
builder.AddSmtpFunctionApp();
builder.Build().Run();
