using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Development;

/// <summary>
/// The account a local run offers (<c>Ingress:DevUserName</c>): its password is configured, or generated once and kept in
/// the development folder so that it stays the same across runs. Printed at start so that a developer can log in.
/// </summary>
public sealed class DevelopmentAccount
{
    private const string PasswordFile = "dev-user-password.txt";

    /// <summary>Resolves the account from options; <see cref="Account"/> stays null when none is configured.</summary>
    public DevelopmentAccount(IOptions<IngressOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.DevUserName))
        {
            return;
        }

        Password = string.IsNullOrEmpty(o.DevUserPassword) ? StoredPassword(DevelopmentFolder.Resolve(o)) : o.DevUserPassword;
        // Fewer iterations than production hashes: this password is printed on the console anyway.
        Account = new SmtpAccount(o.DevUserName, PasswordHash.FromPassword(Password, 10_000), SmtpAccount.ParseDomains(o.DevUserSenderDomains));
    }

    /// <summary>The development account, or null.</summary>
    public SmtpAccount? Account { get; }

    /// <summary>Its password in clear (for the start-up message).</summary>
    public string? Password { get; }

    private static string StoredPassword(string folder)
    {
        var path = Path.Combine(folder, PasswordFile);
        if (File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            if (stored.Length > 0)
            {
                return stored;
            }
        }

        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');
        DevelopmentFolder.WritePrivateFile(path, Encoding.UTF8.GetBytes(generated));
        return generated;
    }
}
