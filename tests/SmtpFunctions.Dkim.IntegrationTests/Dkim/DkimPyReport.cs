namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>What <c>verify_dkim.py</c> printed: dkimpy's version and a verdict per DKIM-Signature, top first.</summary>
internal sealed record DkimPyReport(string Dkimpy, int Count, IReadOnlyList<DkimPySignature> Signatures)
{
    public bool AllVerified => Count > 0 && Signatures.All(s => s.Ok);

    public override string ToString() =>
        $"dkimpy {Dkimpy}: " + string.Join("; ", Signatures.Select(s => $"d={s.D} s={s.S} a={s.A} ok={s.Ok} {string.Join(" | ", s.Log)}"));
}
