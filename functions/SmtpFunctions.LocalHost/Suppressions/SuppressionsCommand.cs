using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Suppression;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.LocalHost.Commands;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace SmtpFunctions.LocalHost.Suppressions;

/// <summary>
/// <c>suppressions add|list|remove</c>: the operator's hand on the suppression lists, straight in the storage account —
/// the only way to change the global list, which applies to every tenant (no API key can), and a way to change any
/// tenant's. Locally against Azurite; in Azure with an identity that holds Storage Table Data Contributor (docs/deploy.md).
/// </summary>
public static class SuppressionsCommand
{
    private const string Usage =
        "usage: suppressions add (--global | --tenant <id>) --address <address> [--reason <text>]\n" +
        "       suppressions list (--global | --tenant <id>) [--domain <domain>]\n" +
        "       suppressions remove (--global | --tenant <id>) --address <address>\n" +
        "  --global: the operator's list, which applies to every tenant; --tenant: that tenant's own list.\n" +
        "  Storage: the AzureWebJobsStorage setting (environment, or --AzureWebJobsStorage=...), as the host reads it.\n" +
        "  Hosts see a change within Suppression:CacheTtl (30 s by default).";

    private static readonly string[] KnownOptions = ["tenant", "address", "reason", "domain"];

    /// <summary>Runs the command against the storage the configuration names; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        Dictionary<string, string> values = [];
        HashSet<string> flags = [];
        string? problem = null;
        if (args.Length == 0 || args[0] is "-h" or "--help" || !CommandArguments.TryParse(args[1..], KnownOptions, ["global"], out values, out flags, out problem))
        {
            if (problem is not null)
            {
                output.WriteLine($"suppressions: {problem}");
            }

            output.WriteLine(Usage);
            return problem is null && args.Length > 0 ? 0 : Keys.KeysCommand.UsageError;
        }

        if (args[0] is not ("add" or "list" or "remove"))
        {
            return Fail(output, $"unknown command '{args[0]}'");
        }

        var tenant = values.GetValueOrDefault("tenant");
        if (flags.Contains("global") == (tenant is not null))
        {
            return Fail(output, "name one list: --global or --tenant <id>");
        }

        if (tenant is not null && !TenantNames.IsValid(tenant))
        {
            return Fail(output, $"'{tenant}' is not a tenant id (1-64 of a-z 0-9 -)");
        }

        var list = tenant ?? SuppressionLists.Global;
        SuppressionKey? key = null;
        if (args[0] is "add" or "remove")
        {
            if (!SuppressionKey.TryParse(values.GetValueOrDefault("address"), out key, out var reason))
            {
                return Fail(output, $"--address: {reason ?? "an address is required"}");
            }

            key = key!.In(list);
        }

        var account = new StorageAccount(configuration, MsOptions.Create(new StorageOptions()));
        await account.Tables.GetTableClient(StorageNames.SuppressionsTable).CreateIfNotExistsAsync(cancellationToken);
        var store = new SuppressionStore(account);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var suppressions = new SuppressionList(store, MsOptions.Create(new SuppressionOptions { CacheTtl = TimeSpan.Zero }),
            new MailMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), TimeProvider.System, NullLogger<SuppressionList>.Instance);
        switch (args[0])
        {
            case "add":
                var text = values.GetValueOrDefault("reason") ?? "";
                var (entry, created) = await suppressions.AddManuallyAsync(key!, SuppressionSources.Operator, text, cancellationToken);
                output.WriteLine(created ? $"suppressed {entry.Address} on {Name(list)}" : $"{entry.Address} was already suppressed on {Name(list)}: {entry.ToStatusText()}");
                return 0;
            case "remove":
                if (!await suppressions.LiftAsync(key!, cancellationToken))
                {
                    output.WriteLine($"suppressions: {key!.Address} is not on {Name(list)}");
                    return 1;
                }

                output.WriteLine($"lifted {key!.Address} on {Name(list)}");
                return 0;
            default:
                string? domain = null;
                if (values.TryGetValue("domain", out var domainText) && !SuppressionKey.TryParseDomain(domainText, out domain))
                {
                    return Fail(output, $"--domain: '{domainText}' is not a domain name");
                }

                string? continuation = null;
                do
                {
                    var page = await store.ListAsync(list, domain, SuppressionStore.MaxPageSize, continuation, cancellationToken);
                    foreach (var listed in page.Entries)
                    {
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{listed.Address}  {listed.ToStatusText()}"));
                    }

                    continuation = page.ContinuationToken;
                }
                while (continuation is not null);

                return 0;
        }
    }

    private static string Name(string list) => list == SuppressionLists.Global ? "the global list" : $"tenant {list}'s list";

    private static int Fail(TextWriter output, string problem)
    {
        output.WriteLine($"suppressions: {problem}");
        output.WriteLine(Usage);
        return Keys.KeysCommand.UsageError;
    }
}
