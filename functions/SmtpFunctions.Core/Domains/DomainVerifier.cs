using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Routing;

namespace SmtpFunctions.Core.Domains;

/// <summary>
/// Verifies a tenant's domain: both DKIM TXT records must be published with the keys generated for it (looked up through
/// <c>Routing:NameServers</c>, uncached), and no other tenant may hold the domain. Records the outcome, with the reason
/// when it is not verified.
/// </summary>
/// <remarks>
/// The DKIM records prove control of the zone and are exactly what receivers will check (RFC 6376 §3.6.2). A domain that
/// fails a later verification goes back to pending and gives up its claim. The claim rule: the first tenant whose
/// verification succeeds holds the domain; another tenant can register the name but not verify it until the holder
/// deletes it.
/// </remarks>
public sealed partial class DomainVerifier(
    SendingDomainStore store,
    IDnsLookup dns,
    TenantDomainCache cache,
    IOptions<DomainOptions> options,
    TimeProvider time,
    ILogger<DomainVerifier> logger)
{
    /// <summary>The reason given when another tenant holds the domain.</summary>
    public static string ClaimedReason(string domain) => $"{domain} is verified by another tenant; it must delete it first";

    /// <summary>Looks the records up and records the result; null when the tenant has no such domain.</summary>
    public async Task<SendingDomainEntity?> VerifyAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        if (DkimNames.NormalizeDomain(name) is not { } domain || await store.GetAsync(tenantId, domain, cancellationToken) is not { } entity)
        {
            return null;
        }

        var reason = options.Value.TrustRegistrationsWithoutDns ? null : await CheckRecordsAsync(entity, cancellationToken);
        if (reason is null && !await store.TryClaimAsync(tenantId, domain, cancellationToken))
        {
            reason = ClaimedReason(domain);
        }

        var now = time.GetUtcNow();
        entity.CheckedAt = now;
        if (reason is null)
        {
            entity.VerifiedAt = entity.IsVerified ? entity.VerifiedAt : now;
            entity.Status = DomainStatus.Verified;
            entity.Reason = null;
            LogVerified(logger, domain, tenantId);
        }
        else
        {
            if (entity.IsVerified)
            {
                await store.ReleaseClaimAsync(tenantId, domain, cancellationToken);
            }

            entity.Status = DomainStatus.Pending;
            entity.VerifiedAt = null;
            entity.Reason = reason;
            LogNotVerified(logger, domain, tenantId, reason);
        }

        await store.UpdateAsync(entity, cancellationToken);
        cache.Forget(tenantId);
        return await store.GetAsync(tenantId, domain, cancellationToken) ?? entity;
    }

    private async Task<string?> CheckRecordsAsync(SendingDomainEntity entity, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var (selector, publicKey) in new[] { (entity.RsaSelector, entity.RsaPublicKey), (entity.Ed25519Selector, entity.Ed25519PublicKey) })
        {
            var recordName = DkimNames.RecordName(selector, entity.Domain);
            var answer = await dns.QueryAsync(recordName, QueryType.TXT, cancellationToken);
            if (answer.ResponseCode == DnsResponseCode.NotExistentDomain || (answer.ResponseCode == DnsResponseCode.NoError && answer.Records.Count == 0))
            {
                problems.Add($"no TXT record at {recordName}");
            }
            else if (answer.ResponseCode != DnsResponseCode.NoError)
            {
                problems.Add($"the lookup of {recordName} failed ({answer.ResponseCode}); try again later");
            }
            else if (!answer.Records.Any(r => PublicKeyOf(r.Value) == publicKey))
            {
                problems.Add($"the TXT record at {recordName} does not carry the key generated for it");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    // The p= tag of a DKIM key record, whitespace removed (RFC 6376 §3.6.1 allows folding whitespace inside it).
    internal static string? PublicKeyOf(string record)
    {
        foreach (var tag in record.Split(';'))
        {
            var equals = tag.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && tag[..equals].Trim() == "p")
            {
                return string.Concat(tag[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)));
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 9503, Level = LogLevel.Information, Message = "Sending domain {Domain} of tenant {TenantId} verified")]
    private static partial void LogVerified(ILogger logger, string domain, string tenantId);

    [LoggerMessage(EventId = 9504, Level = LogLevel.Information, Message = "Sending domain {Domain} of tenant {TenantId} not verified: {Reason}")]
    private static partial void LogNotVerified(ILogger logger, string domain, string tenantId, string reason);
}
