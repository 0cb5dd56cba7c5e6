using Microsoft.Extensions.Logging.Abstractions;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Development;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Tests.Accounts;

public sealed class UserDirectoryTests : IDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions Web = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly string _folder = Directory.CreateTempSubdirectory("ingress-users-").FullName;

    [Fact]
    public void Authenticate_ConfiguredUser_ReturnsAccountWithItsDomains()
    {
        var directory = Create(new IngressOptions { Users = [User("alice@example.com", "pw-alice", "example.com, Example.ORG")] });

        var account = directory.Authenticate("ALICE@example.com", "pw-alice");

        Assert.NotNull(account);
        Assert.Equal(["example.com", "example.org"], account.SenderDomains!);
    }

    [Fact]
    public void Authenticate_WrongPasswordOrUnknownUser_ReturnsNull()
    {
        var directory = Create(new IngressOptions { Users = [User("alice", "pw-alice", "example.com")] });

        Assert.Null(directory.Authenticate("alice", "pw-bob"));
        Assert.Null(directory.Authenticate("bob", "pw-alice"));
        Assert.Null(directory.Authenticate("", "pw-alice"));
    }

    [Fact]
    public void Authenticate_StarDomain_AllowsAnySender()
    {
        var directory = Create(new IngressOptions { Users = [User("relay", "pw", "*")] });

        Assert.Null(directory.Authenticate("relay", "pw")!.SenderDomains);
    }

    [Fact]
    public void UsersFile_IsReadAndReloadedWhenItChanges()
    {
        var file = Path.Combine(_folder, "users.json");
        WriteUsers(file, User("carol", "pw1", "example.net"));
        var directory = Create(new IngressOptions { UsersFile = file });
        Assert.NotNull(directory.Authenticate("carol", "pw1"));

        WriteUsers(file, User("carol", "pw2", "example.net"), User("dave", "pw3", "example.net"));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));

        Assert.Null(directory.Authenticate("carol", "pw1"));
        Assert.NotNull(directory.Authenticate("carol", "pw2"));
        Assert.NotNull(directory.Authenticate("dave", "pw3"));
    }

    [Fact]
    public void UsersFile_BrokenAfterStart_KeepsThePreviousAccounts()
    {
        var file = Path.Combine(_folder, "users.json");
        WriteUsers(file, User("carol", "pw1", "example.net"));
        var directory = Create(new IngressOptions { UsersFile = file });

        File.WriteAllText(file, "[{ \"name\": \"carol\", ");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));

        Assert.NotNull(directory.Authenticate("carol", "pw1"));
    }

    [Fact]
    public void Constructor_BrokenUsersFile_FailsNamingTheFile()
    {
        var file = Path.Combine(_folder, "users.json");
        File.WriteAllText(file, "{ \"users\": 1 }");

        var error = Assert.Throws<InvalidOperationException>(() => Create(new IngressOptions { UsersFile = file }));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromOptions_PlaintextPassword_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => UserDirectory.FromOptions(new IngressUserOptions { Name = "a", PasswordHash = "hunter2", SenderDomains = "example.com" }));
        Assert.Contains("hash-password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromOptions_NoSenderDomains_IsRefused()
    {
        Assert.Throws<InvalidOperationException>(() => UserDirectory.FromOptions(User("a", "pw", "")));
    }

    [Fact]
    public void DevelopmentAccount_GeneratedPassword_IsKeptAcrossStarts()
    {
        var options = new IngressOptions { DevCertificate = true, DevUserName = "dev", DevCertificateFolder = _folder };

        var first = new DevelopmentAccount(Microsoft.Extensions.Options.Options.Create(options));
        var second = new DevelopmentAccount(Microsoft.Extensions.Options.Options.Create(options));
        var directory = new UserDirectory(Microsoft.Extensions.Options.Options.Create(options), second, NullLogger<UserDirectory>.Instance);

        Assert.Equal(first.Password, second.Password);
        Assert.True(first.Password!.Length >= 12);
        Assert.NotNull(directory.Authenticate("dev", first.Password));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static IngressUserOptions User(string name, string password, string domains) =>
        new() { Name = name, PasswordHash = PasswordHash.Create(password, 10_000), SenderDomains = domains };

    private static void WriteUsers(string file, params IngressUserOptions[] users) =>
        File.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(users, Web));

    private static UserDirectory Create(IngressOptions options)
    {
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        return new UserDirectory(wrapped, new DevelopmentAccount(wrapped), NullLogger<UserDirectory>.Instance);
    }
}
