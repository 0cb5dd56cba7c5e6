using SmtpFunctions.Core.Dkim;

namespace SmtpFunctions.Core.Domains;

/// <summary>What the API shows of a sending domain: its state and the records to publish (never a private key).</summary>
public sealed record SendingDomainView
{
    /// <summary>The domain.</summary>
    public required string Domain { get; init; }

    /// <summary><c>pending</c> or <c>verified</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Why it is not verified, after a verification; null otherwise.</summary>
    public string? Reason { get; init; }

    /// <summary>When it was registered.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When its records were last looked up.</summary>
    public DateTimeOffset? CheckedAt { get; init; }

    /// <summary>When it became verified.</summary>
    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>The records to publish.</summary>
    public required IReadOnlyList<DnsRecordView> Records { get; init; }

    /// <summary>The view of <paramref name="entity"/>, with SPF and DMARC guidance from <paramref name="options"/>.</summary>
    public static SendingDomainView From(SendingDomainEntity entity, DomainOptions options)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(options);
        var spf = options.SpfInclude.Length > 0 ? options.SpfInclude : "include:<the SPF domain of your relay or smart host>";
        var reports = options.DmarcReportAddress.Length > 0 ? options.DmarcReportAddress : $"dmarc-reports@{entity.Domain}";
        return new SendingDomainView
        {
            Domain = entity.Domain,
            Status = entity.Status,
            Reason = entity.Reason,
            CreatedAt = entity.CreatedAt,
            CheckedAt = entity.CheckedAt,
            VerifiedAt = entity.VerifiedAt,
            Records =
            [
                Dkim(entity.RsaSelector, entity.Domain, "rsa", entity.RsaPublicKey),
                Dkim(entity.Ed25519Selector, entity.Domain, "ed25519", entity.Ed25519PublicKey),
                new DnsRecordView { Type = "TXT", Name = entity.Domain, Value = $"v=spf1 {spf} -all", Purpose = "spf", Required = false },
                new DnsRecordView
                {
                    Type = "TXT", Name = $"_dmarc.{entity.Domain}", Value = $"v=DMARC1; p=none; rua=mailto:{reports}", Purpose = "dmarc", Required = false,
                },
            ],
        };
    }

    private static DnsRecordView Dkim(string selector, string domain, string keyType, string publicKey) => new()
    {
        Type = "TXT",
        Name = DkimNames.RecordName(selector, domain),
        Value = $"v=DKIM1; k={keyType}; p={publicKey}",
        Purpose = "dkim",
        Required = true,
    };
}
