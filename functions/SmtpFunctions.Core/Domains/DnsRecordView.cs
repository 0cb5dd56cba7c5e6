namespace SmtpFunctions.Core.Domains;

/// <summary>One DNS record a domain's owner publishes.</summary>
public sealed record DnsRecordView
{
    /// <summary>Record type (<c>TXT</c>).</summary>
    public required string Type { get; init; }

    /// <summary>Owner name, without the trailing dot.</summary>
    public required string Name { get; init; }

    /// <summary>The record's text (split it into 255-octet strings where the DNS host wants that).</summary>
    public required string Value { get; init; }

    /// <summary><c>dkim</c>, <c>spf</c> or <c>dmarc</c>.</summary>
    public required string Purpose { get; init; }

    /// <summary>True when verification looks for it (the DKIM keys); SPF and DMARC are guidance.</summary>
    public required bool Required { get; init; }
}
