using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Development;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>
/// The accounts that may authenticate: <c>Ingress:Users</c> from configuration, the accounts in <c>Ingress:UsersFile</c>
/// (re-read whenever the file changes, so a rotated Key Vault secret takes effect without a restart) and, in a local run,
/// the development account.
/// </summary>
public sealed partial class UserDirectory
{
    // Verified against when the name is unknown, so that a wrong name costs as much time as a wrong password.
    private static readonly PasswordHash Decoy = PasswordHash.FromPassword("decoy");

    private static readonly JsonSerializerOptions FileJson = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly Dictionary<string, SmtpAccount> _configured = new(StringComparer.OrdinalIgnoreCase);
    private readonly string? _file;
    private readonly ILogger<UserDirectory> _logger;
    private readonly Lock _gate = new();
    private FileSnapshot? _snapshot;

    /// <summary>Loads configured accounts and the accounts file; throws when either is invalid (the host fails at start).</summary>
    public UserDirectory(IOptions<IngressOptions> options, DevelopmentAccount development, ILogger<UserDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(development);
        _logger = logger;
        foreach (var user in options.Value.Users)
        {
            var account = FromOptions(user);
            _configured[account.Name] = account;
        }

        if (development.Account is { } dev)
        {
            _configured[dev.Name] = dev;
        }

        if (!string.IsNullOrWhiteSpace(options.Value.UsersFile))
        {
            _file = Path.GetFullPath(options.Value.UsersFile);
            _snapshot = Load(_file);
        }
    }

    /// <summary>How many accounts are known now.</summary>
    public int Count => _configured.Count + (CurrentFileAccounts()?.Count ?? 0);

    /// <summary>Checks a user name and password; the account when they match.</summary>
    public SmtpAccount? Authenticate(string? user, string? password)
    {
        if (string.IsNullOrEmpty(user) || password is null)
        {
            Decoy.Verify(password ?? "");
            return null;
        }

        var account = Find(user);
        if (account is null)
        {
            Decoy.Verify(password);
            return null;
        }

        return account.Password.Verify(password) ? account : null;
    }

    /// <summary>Builds an account from its configuration, or throws naming what is wrong.</summary>
    public static SmtpAccount FromOptions(IngressUserOptions user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrWhiteSpace(user.Name))
        {
            throw new InvalidOperationException("An SMTP account has no Name.");
        }

        if (!PasswordHash.TryParse(user.PasswordHash, out var hash, out var problem))
        {
            throw new InvalidOperationException($"SMTP account '{user.Name}': PasswordHash is not valid ({problem}). Create one with 'hash-password'.");
        }

        IReadOnlyCollection<string>? domains;
        try
        {
            domains = SmtpAccount.ParseDomains(user.SenderDomains);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"SMTP account '{user.Name}': SenderDomains '{user.SenderDomains}' is not a list of domains ({ex.Message}).", ex);
        }

        if (domains is { Count: 0 })
        {
            throw new InvalidOperationException($"SMTP account '{user.Name}' has no SenderDomains; list its domains, or '*' for any.");
        }

        var tenantId = string.IsNullOrWhiteSpace(user.TenantId) ? Core.Tenants.TenantIds.Default : user.TenantId.Trim();
        if (tenantId == Core.Tenants.TenantIds.System)
        {
            throw new InvalidOperationException($"SMTP account '{user.Name}': TenantId '{tenantId}' is reserved.");
        }

        return new SmtpAccount(user.Name.Trim(), hash, domains, tenantId);
    }

    /// <summary>Reads an accounts file (a JSON array of accounts), or throws naming what is wrong.</summary>
    public static IReadOnlyList<SmtpAccount> ReadFile(string path)
    {
        List<IngressUserOptions>? users;
        try
        {
            users = JsonSerializer.Deserialize<List<IngressUserOptions>>(File.ReadAllBytes(path), FileJson);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"The SMTP accounts file {path} is not a JSON array of accounts: {ex.Message}", ex);
        }

        var accounts = (users ?? []).Select(FromOptions).ToList();
        var duplicate = accounts.GroupBy(a => a.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null
            ? accounts
            : throw new InvalidOperationException($"The SMTP accounts file {path} lists '{duplicate.Key}' twice.");
    }

    private SmtpAccount? Find(string user)
    {
        if (CurrentFileAccounts() is { } fromFile && fromFile.TryGetValue(user, out var account))
        {
            return account;
        }

        return _configured.GetValueOrDefault(user);
    }

    private Dictionary<string, SmtpAccount>? CurrentFileAccounts()
    {
        if (_file is null)
        {
            return null;
        }

        lock (_gate)
        {
            var info = new FileInfo(_file);
            if (_snapshot is null || !info.Exists || info.LastWriteTimeUtc != _snapshot.LastWrite || info.Length != _snapshot.Length)
            {
                try
                {
                    _snapshot = Load(_file);
                    LogReloaded(_logger, _file, _snapshot.Accounts.Count);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    // Keep serving the accounts we had: a half-written or broken file must not lock everyone out.
                    LogReloadFailed(_logger, _file, ex);
                }
            }

            return _snapshot?.Accounts;
        }
    }

    private static FileSnapshot Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new InvalidOperationException($"The SMTP accounts file {path} does not exist.");
        }

        var accounts = ReadFile(path).ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        return new FileSnapshot(info.LastWriteTimeUtc, info.Length, accounts);
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Loaded {Count} SMTP accounts from {Path}")]
    private static partial void LogReloaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Error, Message = "Could not reload SMTP accounts from {Path}; keeping the previous ones")]
    private static partial void LogReloadFailed(ILogger logger, string path, Exception exception);

    private sealed record FileSnapshot(DateTime LastWrite, long Length, Dictionary<string, SmtpAccount> Accounts);
}
