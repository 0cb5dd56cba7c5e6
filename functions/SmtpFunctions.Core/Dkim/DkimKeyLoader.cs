using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Turns one configured key (<see cref="DkimKeyOptions"/>) into a <see cref="DkimKey"/>, or lists what is wrong.</summary>
/// <remarks>RSA keys must have at least 1024 bits (RFC 8301 §3.2); 2048 is what we generate and recommend.</remarks>
public static class DkimKeyLoader
{
    /// <summary>Smallest RSA modulus a signer may use (RFC 8301 §3.2).</summary>
    public const int MinimumRsaBits = 1024;

    /// <summary>Loads the key; <paramref name="problems"/> names each bad setting (prefixed by <paramref name="path"/>).</summary>
    public static bool TryLoad(DkimKeyOptions options, string path, out DkimKey? key, out List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(options);
        key = null;
        problems = [];

        var domain = DkimNames.NormalizeDomain(options.Domain);
        if (domain is null)
        {
            problems.Add($"{path}:Domain '{options.Domain}' is not a fully qualified domain name");
        }

        if (!DkimNames.IsValidSelector(options.Selector))
        {
            problems.Add($"{path}:Selector '{options.Selector}' is not a valid selector (letters, digits and hyphens, labels separated by dots)");
        }

        var wanted = DkimAlgorithms.Parse(options.Algorithm);
        if (!string.IsNullOrWhiteSpace(options.Algorithm) && wanted is null)
        {
            problems.Add($"{path}:Algorithm '{options.Algorithm}' is not rsa-sha256 or ed25519-sha256");
        }

        var text = ReadKeyText(options, path, problems);
        DkimPrivateKey? privateKey = null;
        if (text is not null && !DkimPrivateKeyReader.TryRead(text, out privateKey, out var keyProblem))
        {
            problems.Add($"{path}:{(options.PrivateKey.Length > 0 ? "PrivateKey" : "PrivateKeyPath")} {keyProblem}");
        }

        if (privateKey is not null)
        {
            if (wanted is { } algorithm && algorithm != privateKey.Algorithm)
            {
                problems.Add($"{path}:Algorithm is {DkimAlgorithms.Tag(algorithm)} but the key is for {DkimAlgorithms.Tag(privateKey.Algorithm)}");
            }

            if (privateKey.Algorithm == MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256 && privateKey.Bits < MinimumRsaBits)
            {
                problems.Add($"{path}:PrivateKey is a {privateKey.Bits}-bit RSA key; DKIM needs at least {MinimumRsaBits} (2048 recommended)");
            }
        }

        if (problems.Count > 0)
        {
            return false;
        }

        key = new DkimKey(domain!, options.Selector.ToLowerInvariant(), options.IncludeSubdomains, privateKey!);
        return true;
    }

    private static string? ReadKeyText(DkimKeyOptions options, string path, List<string> problems)
    {
        var hasText = !string.IsNullOrWhiteSpace(options.PrivateKey);
        var hasPath = !string.IsNullOrWhiteSpace(options.PrivateKeyPath);
        if (hasText == hasPath)
        {
            problems.Add($"{path}: set exactly one of PrivateKey and PrivateKeyPath");
            return null;
        }

        if (hasText)
        {
            return options.PrivateKey;
        }

        try
        {
            return File.ReadAllText(options.PrivateKeyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add($"{path}:PrivateKeyPath '{options.PrivateKeyPath}' cannot be read: {ex.Message}");
            return null;
        }
    }
}
