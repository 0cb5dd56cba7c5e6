namespace SmtpFunctions.Core.Dkim;

/// <summary>
/// <c>dkim-keygen --domain D --selector S --algorithm rsa|ed25519</c>: prints a new private key, the TXT record to publish,
/// and the settings that make the service sign with it.
/// </summary>
public static class DkimKeygenCommand
{
    /// <summary>Exit code for bad arguments (as <c>sysexits.h</c> EX_USAGE).</summary>
    public const int UsageError = 64;

    private const string Usage = "usage: dkim-keygen --domain <domain> --selector <selector> [--algorithm rsa|ed25519]\n" +
        "  Generates a DKIM key (rsa: 2048-bit rsa-sha256, the default; ed25519: ed25519-sha256, RFC 8463) and prints the DNS\n" +
        "  TXT record to publish and the private key to configure as Dkim:Keys:N:PrivateKey (a Key Vault secret in Azure).";

    /// <summary>Runs the command; returns 0, or <see cref="UsageError"/> after printing what is wrong.</summary>
    public static int Run(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (!TryParse(args, out var domain, out var selector, out var algorithm, out var problem))
        {
            if (problem is not null)
            {
                output.WriteLine($"dkim-keygen: {problem}");
            }

            output.WriteLine(Usage);
            return problem is null ? 0 : UsageError;
        }

        var pair = DkimKeyGenerator.Generate(domain!, selector!, algorithm!.Value);
        var tag = DkimAlgorithms.Tag(pair.Algorithm);
        output.WriteLine($"; DKIM {tag} key for {pair.Domain}, selector {pair.Selector}");
        output.WriteLine("; 1. Publish this TXT record (zone-file syntax, split into strings of at most 255 characters):");
        output.WriteLine(pair.ZoneFileLine);
        output.WriteLine("; The same record as one value, for DNS consoles that split it themselves:");
        output.WriteLine($"; name:  {pair.RecordName}");
        output.WriteLine($"; value: {pair.TxtValue}");
        output.WriteLine("; 2. Configure the key (in Azure: store the PEM below as a Key Vault secret and reference it):");
        output.WriteLine($";   Dkim__Keys__N__Domain={pair.Domain}");
        output.WriteLine($";   Dkim__Keys__N__Selector={pair.Selector}");
        output.WriteLine($";   Dkim__Keys__N__Algorithm={tag}");
        output.WriteLine(";   Dkim__Keys__N__PrivateKey=<the PEM below>   (or Dkim__Keys__N__PrivateKeyPath=<a file holding it>)");
        output.WriteLine(pair.PrivateKeyPem.TrimEnd());
        return 0;
    }

    private static bool TryParse(string[] args, out string? domain, out string? selector, out MimeKit.Cryptography.DkimSignatureAlgorithm? algorithm, out string? problem)
    {
        domain = null;
        selector = null;
        algorithm = MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256;
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                return false;
            }

            if (name is not ("--domain" or "--selector" or "--algorithm"))
            {
                problem = $"unknown argument '{name}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                problem = $"{name} needs a value";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--domain":
                    domain = DkimNames.NormalizeDomain(value);
                    problem = domain is null ? $"'{value}' is not a fully qualified domain name" : null;
                    break;
                case "--selector":
                    selector = value;
                    problem = DkimNames.IsValidSelector(value) ? null : $"'{value}' is not a valid selector (letters, digits and hyphens, labels separated by dots)";
                    break;
                default:
                    algorithm = DkimAlgorithms.Parse(value);
                    problem = algorithm is null ? $"'{value}' is not an algorithm: use rsa or ed25519" : null;
                    break;
            }

            if (problem is not null)
            {
                return false;
            }
        }

        problem = domain is null ? "--domain is required" : selector is null ? "--selector is required" : null;
        return problem is null;
    }
}
