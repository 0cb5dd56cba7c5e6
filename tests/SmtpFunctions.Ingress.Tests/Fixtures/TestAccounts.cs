using SmtpFunctions.Ingress.Accounts;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>The accounts the end-to-end servers know.</summary>
public static class TestAccounts
{
    /// <summary>Configured in <c>Ingress:Users</c>; may send as example.com.</summary>
    public const string Alice = "alice@example.com";

    /// <summary>Alice's password.</summary>
    public const string AlicePassword = "alice-Pa55word!";

    /// <summary>Configured in <c>Ingress:Users</c>; may send as example.org.</summary>
    public const string Bob = "bob";

    /// <summary>Bob's password.</summary>
    public const string BobPassword = "bob secret";

    /// <summary>In the accounts file (<c>Ingress:UsersFile</c>); may send as example.net.</summary>
    public const string Carol = "carol@example.net";

    /// <summary>Carol's password.</summary>
    public const string CarolPassword = "carol-from-key-vault";

    /// <summary>Configuration entries for Alice and Bob.</summary>
    public static Dictionary<string, string?> Configuration() => new()
    {
        ["Ingress:Users:0:Name"] = Alice,
        ["Ingress:Users:0:PasswordHash"] = PasswordHash.Create(AlicePassword, 10_000),
        ["Ingress:Users:0:SenderDomains"] = "example.com",
        ["Ingress:Users:1:Name"] = Bob,
        ["Ingress:Users:1:PasswordHash"] = PasswordHash.Create(BobPassword, 10_000),
        ["Ingress:Users:1:SenderDomains"] = "example.org",
    };

    /// <summary>Writes an accounts file with Carol, as Key Vault would mount it.</summary>
    public static string WriteUsersFile(string folder)
    {
        var path = Path.Combine(folder, "smtp-users.json");
        File.WriteAllText(path, $$"""
            [
              { "name": "{{Carol}}", "passwordHash": "{{PasswordHash.Create(CarolPassword, 10_000)}}", "senderDomains": "example.net" }
            ]
            """);
        return path;
    }
}
