using System.Globalization;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>An account that may authenticate, and the sender domains it may use.</summary>
/// <param name="Name">AUTH user name.</param>
/// <param name="Password">Its password hash.</param>
/// <param name="SenderDomains">Domains allowed in MAIL FROM and From; null allows any (of its tenant's verified domains).</param>
/// <param name="TenantId">The tenant the account belongs to: its verified domains bound the account's senders too.</param>
public sealed record SmtpAccount(string Name, PasswordHash Password, IReadOnlyCollection<string>? SenderDomains, string TenantId = TenantIds.Default)
{
    /// <summary>
    /// Parses a comma-separated domain list into the ASCII, lower-case form Core compares envelopes in; <c>*</c> means
    /// any domain and gives null. Throws <see cref="ArgumentException"/> for a name that is not a domain.
    /// </summary>
    public static IReadOnlyCollection<string>? ParseDomains(string? list)
    {
        var idn = new IdnMapping { UseStd3AsciiRules = true };
        var domains = new List<string>();
        foreach (var entry in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry == "*")
            {
                return null;
            }

            var ascii = idn.GetAscii(entry.TrimEnd('.')).ToLowerInvariant();
            if (!domains.Contains(ascii))
            {
                domains.Add(ascii);
            }
        }

        return domains;
    }
}
