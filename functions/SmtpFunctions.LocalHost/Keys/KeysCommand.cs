using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Tenants;
using SmtpFunctions.LocalHost.Commands;

namespace SmtpFunctions.LocalHost.Keys;

/// <summary>
/// <c>keys create|list|revoke</c>: manages API keys straight in the storage account, without the HTTP API — the way to
/// make a tenant's first admin key, locally (Azurite) and in Azure (run against the account with an identity that holds
/// Storage Table Data Contributor; docs/deploy.md).
/// </summary>
public static class KeysCommand
{
    /// <summary>Exit code for bad arguments (as <c>sysexits.h</c> EX_USAGE).</summary>
    public const int UsageError = 64;

    private static readonly string[] KnownOptions = ["tenant", "name", "scopes", "sender-domains", "rate-limit", "expires", "id"];

    private const string Usage =
        "usage: keys create --tenant <id> --name <name> --scopes send,read,suppressions,admin\n" +
        "                   [--sender-domains a.example,b.example] [--rate-limit <per minute>] [--expires <ISO 8601 time>]\n" +
        "       keys list --tenant <id>\n" +
        "       keys revoke --tenant <id> --id <key id>\n" +
        "  Storage: the AzureWebJobsStorage setting (environment, or --AzureWebJobsStorage=...), as the host reads it.\n" +
        "  create prints the key once; only its SHA-256 is stored.";

    /// <summary>Runs the command against the storage the configuration names; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        Dictionary<string, string> values = [];
        string? problem = null;
        if (args.Length == 0 || args[0] is "-h" or "--help" || !CommandArguments.TryParse(args[1..], KnownOptions, [], out values, out _, out problem))
        {
            if (problem is not null)
            {
                output.WriteLine($"keys: {problem}");
            }

            output.WriteLine(Usage);
            return problem is null && args.Length > 0 ? 0 : UsageError;
        }

        if (args[0] is not ("create" or "list" or "revoke"))
        {
            return Fail(output, $"unknown command '{args[0]}'");
        }

        var tenant = values.GetValueOrDefault("tenant");
        if (tenant is null)
        {
            return Fail(output, "--tenant is required");
        }

        var account = new StorageAccount(configuration, Microsoft.Extensions.Options.Options.Create(new StorageOptions()));
        await account.Tables.GetTableClient(StorageNames.ApiKeysTable).CreateIfNotExistsAsync(cancellationToken);
        var store = new ApiKeyStore(account);
        using var verifier = new ApiKeyVerifier(store, Microsoft.Extensions.Options.Options.Create(new ApiKeyOptions()), TimeProvider.System, NullLogger<ApiKeyVerifier>.Instance);
        var manager = new ApiKeyManager(store, verifier, TimeProvider.System, NullLogger<ApiKeyManager>.Instance);
        switch (args[0])
        {
            case "create":
                return await CreateAsync(manager, tenant, values, output, cancellationToken);
            case "list":
                foreach (var key in await manager.ListAsync(tenant, cancellationToken))
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{key.PartitionKey}  {key.Name}  scopes={key.Scopes}  created={key.CreatedAt:o}  {(key.RevokedAt is { } r ? $"revoked={r:o}" : "active")}"));
                }

                return 0;
            case "revoke":
                if (values.GetValueOrDefault("id") is not { } id)
                {
                    return Fail(output, "--id is required");
                }

                if (!await manager.RevokeAsync(tenant, id, cancellationToken))
                {
                    output.WriteLine($"keys: tenant '{tenant}' has no key '{id}'");
                    return 1;
                }

                output.WriteLine($"revoked {id}");
                return 0;
            default:
                return Fail(output, $"unknown command '{args[0]}'");
        }
    }

    private static async Task<int> CreateAsync(ApiKeyManager manager, string tenant, Dictionary<string, string> values, TextWriter output, CancellationToken cancellationToken)
    {
        if (!ApiScopeNames.TryParse((values.GetValueOrDefault("scopes") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries), out var scopes, out var unknown))
        {
            return Fail(output, $"'{unknown}' is not a scope: use send, read, suppressions, admin");
        }

        int? rate = null;
        if (values.TryGetValue("rate-limit", out var rateText))
        {
            if (!int.TryParse(rateText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return Fail(output, "--rate-limit must be a whole number of messages per minute");
            }

            rate = parsed;
        }

        DateTimeOffset? expires = null;
        if (values.TryGetValue("expires", out var expiresText))
        {
            if (!DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Fail(output, "--expires must be an ISO 8601 time");
            }

            expires = parsed;
        }

        var wanted = new NewApiKey
        {
            TenantId = tenant,
            Name = values.GetValueOrDefault("name") ?? "",
            Scopes = scopes,
            AllowedSenderDomains = values.GetValueOrDefault("sender-domains")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            RateLimitPerMinute = rate,
            ExpiresAt = expires,
        };
        if (manager.Validate(wanted) is { } problem)
        {
            return Fail(output, $"{problem.Field}: {problem.Detail}");
        }

        var issued = await manager.CreateAsync(wanted, cancellationToken);
        output.WriteLine($"; API key {issued.Key.PartitionKey} of tenant {tenant}, scopes {issued.Key.Scopes}. Shown once: only its hash is stored.");
        output.WriteLine(issued.Token.ToString());
        return 0;
    }

    private static int Fail(TextWriter output, string problem)
    {
        output.WriteLine($"keys: {problem}");
        output.WriteLine(Usage);
        return UsageError;
    }
}
