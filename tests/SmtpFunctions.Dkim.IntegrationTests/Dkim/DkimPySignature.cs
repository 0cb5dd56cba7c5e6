namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>dkimpy's verdict on one signature, with its tags and, when it failed, dkimpy's log lines.</summary>
internal sealed record DkimPySignature(bool Ok, string? D, string? S, string? A, string? C, string? H, string? L, IReadOnlyList<string> Log)
{
    /// <summary>The <c>h=</c> field names, lower-case.</summary>
    public IReadOnlyList<string> SignedFields =>
        (H ?? "").Split(':', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(f => f.ToLowerInvariant()).ToList();
}
