using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>
/// A salted, slow password hash in a self-describing text form: <c>pbkdf2-sha256$iterations$salt$hash</c> (also
/// <c>pbkdf2-sha512</c>), salt and hash in Base64.
/// </summary>
/// <remarks>
/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-256 and 600,000 iterations by default, OWASP's 2023 recommendation. Passwords are
/// normalised to Unicode NFC before hashing so that the same password typed on different systems verifies.
/// </remarks>
public sealed class PasswordHash
{
    /// <summary>Iterations used for new hashes.</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;
    private const int MinIterations = 10_000;

    private readonly HashAlgorithmName _algorithm;
    private readonly int _iterations;
    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(HashAlgorithmName algorithm, int iterations, byte[] salt, byte[] hash)
    {
        _algorithm = algorithm;
        _iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    /// <summary>Hashes a new password with a random salt and returns the text form.</summary>
    public static string Create(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        return string.Create(CultureInfo.InvariantCulture, $"pbkdf2-sha256${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>Hashes a password with a random salt.</summary>
    public static PasswordHash FromPassword(string password, int iterations = DefaultIterations) =>
        TryParse(Create(password, iterations), out var hash, out var problem) ? hash : throw new InvalidOperationException(problem);

    /// <summary>Parses the text form, or says what is wrong with it.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PasswordHash? hash, [NotNullWhen(false)] out string? problem)
    {
        hash = null;
        var parts = (text ?? "").Split('$');
        if (parts.Length != 4)
        {
            problem = "expected pbkdf2-sha256$iterations$salt$hash";
            return false;
        }

        HashAlgorithmName algorithm;
        switch (parts[0])
        {
            case "pbkdf2-sha256":
                algorithm = HashAlgorithmName.SHA256;
                break;
            case "pbkdf2-sha512":
                algorithm = HashAlgorithmName.SHA512;
                break;
            default:
                problem = $"unknown scheme '{parts[0]}' (pbkdf2-sha256 or pbkdf2-sha512)";
                return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < MinIterations)
        {
            problem = $"iterations must be a whole number of at least {MinIterations}";
            return false;
        }

        byte[] salt, derived;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            derived = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            problem = "salt and hash must be Base64";
            return false;
        }

        if (salt.Length < 8 || derived.Length < 16)
        {
            problem = "salt or hash is too short";
            return false;
        }

        hash = new PasswordHash(algorithm, iterations, salt, derived);
        problem = null;
        return true;
    }

    /// <summary>True when <paramref name="password"/> is the one hashed; time does not depend on where they differ.</summary>
    public bool Verify(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var candidate = Derive(password, _salt, _iterations, _algorithm, _hash.Length);
        return CryptographicOperations.FixedTimeEquals(candidate, _hash);
    }

    private static byte[] Derive(string password, byte[] salt, int iterations, HashAlgorithmName algorithm, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormC)), salt, iterations, algorithm, length);
}
