using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Dkim;

/// <summary>Signs a message at submission with every configured key of its From domain, or leaves it unsigned.</summary>
/// <remarks>
/// RFC 6376 with MimeKit's <see cref="DkimSigner"/>: relaxed/relaxed, the <c>h=</c> list of <see cref="DkimSignedHeaders"/>, no
/// <c>l=</c>. An 8-bit body is first re-encoded to 7 bits (RFC 6376 §5.3), since a relay downgrading it for a peer without
/// 8BITMIME would break the signature. With an RSA and an Ed25519 key the message carries both signatures (RFC 8463 §4), the
/// RSA one on top for verifiers that only look at the first.
/// </remarks>
public sealed partial class DkimMessageSigner : IDisposable
{
    /// <summary>What the status row says about a message no key signed.</summary>
    public const string NotSigned = "unsigned";

    private readonly Dictionary<string, List<TimedDkimSigner>> _byDomain = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger<DkimMessageSigner> _logger;

    /// <summary>Loads every configured key (already validated at start by <see cref="DkimOptionsValidator"/>).</summary>
    public DkimMessageSigner(IOptions<DkimOptions> options, TimeProvider time, ILogger<DkimMessageSigner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        var settings = options.Value;
        for (var i = 0; i < settings.Keys.Count; i++)
        {
            if (!DkimKeyLoader.TryLoad(settings.Keys[i], $"{DkimOptions.SectionName}:Keys:{i}", out var key, out var problems))
            {
                throw new InvalidOperationException(string.Join("; ", problems));
            }

            if (!_byDomain.TryGetValue(key!.Domain, out var signers))
            {
                _byDomain[key.Domain] = signers = [];
            }

            signers.Add(new TimedDkimSigner(key, time));
            LogKeyLoaded(logger, key.Selector, key.Domain, DkimAlgorithms.Tag(key.Algorithm), key.PrivateKey.Bits);
            if (key.Algorithm == DkimSignatureAlgorithm.RsaSha256 && key.PrivateKey.Bits < 2048)
            {
                LogWeakKey(logger, key.Selector, key.Domain, key.PrivateKey.Bits);
            }
        }

        // Ed25519 first: each signature goes on top of the previous ones, so the RSA signature ends up first.
        foreach (var signers in _byDomain.Values)
        {
            signers.Sort((a, b) => Rank(a.Key.Algorithm).CompareTo(Rank(b.Key.Algorithm)));
        }
    }

    /// <summary>Releases the platform RSA keys.</summary>
    public void Dispose()
    {
        foreach (var signer in _byDomain.Values.SelectMany(s => s))
        {
            signer.Dispose();
        }
    }

    /// <summary>The keys that sign mail from <paramref name="fromDomain"/>, in signing order.</summary>
    public IReadOnlyList<DkimKey> KeysFor(string fromDomain) => SignersFor(fromDomain).Select(s => s.Key).ToList();

    /// <summary>
    /// Signs <paramref name="message"/> in place, computing the signatures over the message as <paramref name="format"/> will
    /// write it, and returns what signed it (<c>d=example.com s=sel1 a=rsa-sha256; …</c>) or <see cref="NotSigned"/>.
    /// </summary>
    /// <remarks>Call last, after every header is final and with the options the message will be serialised with.</remarks>
    public string Sign(MimeMessage message, FormatOptions format) => Sign(message, format, null);

    /// <summary>
    /// As <see cref="Sign(MimeMessage, FormatOptions)"/>, with the keys of <paramref name="tenant"/>'s verified domains first:
    /// a From domain the tenant registered is signed with its own rsa and ed25519 keys; other domains (the migration's
    /// configured keys) with the configured ones.
    /// </summary>
    public string Sign(MimeMessage message, FormatOptions format, Domains.TenantDomains? tenant)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(format);
        var signers = message.From.Mailboxes
            .Select(m => DkimNames.NormalizeDomain(m.Domain))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .SelectMany(domain => tenant?.SignersFor(domain) is { Count: > 0 } own ? own : (IReadOnlyList<TimedDkimSigner>)SignersFor(domain))
            .Distinct()
            .ToList();
        if (signers.Count == 0)
        {
            return NotSigned;
        }

        message.Prepare(EncodingConstraint.SevenBit, 998);

        // MimeKit would add MIME-Version while writing; added now, it is part of what the signature covers.
        if (message.Body is not null && !message.Headers.Contains(HeaderId.MimeVersion))
        {
            message.MimeVersion = new Version(1, 0);
        }

        var headers = DkimSignedHeaders.Select(message);
        foreach (var signer in signers)
        {
            signer.Sign(format, message, headers.ToList());
        }

        var description = string.Join("; ", signers.AsEnumerable().Reverse().Select(s => s.Key.Description));
        LogSigned(_logger, message.MessageId, description);
        return description;
    }

    private List<TimedDkimSigner> SignersFor(string fromDomain)
    {
        if (_byDomain.TryGetValue(fromDomain, out var exact))
        {
            return exact;
        }

        // A parent domain's key signs for its subdomains when it says so; the nearest parent wins.
        for (var dot = fromDomain.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = fromDomain.IndexOf('.', dot + 1))
        {
            if (_byDomain.TryGetValue(fromDomain[(dot + 1)..], out var parent))
            {
                var inherited = parent.Where(s => s.Key.IncludeSubdomains).ToList();
                if (inherited.Count > 0)
                {
                    return inherited;
                }
            }
        }

        return [];
    }

    private static int Rank(DkimSignatureAlgorithm algorithm) => algorithm == DkimSignatureAlgorithm.Ed25519Sha256 ? 0 : 1;

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "DKIM key {Selector}._domainkey.{Domain} loaded ({Algorithm}, {Bits} bits)")]
    private static partial void LogKeyLoaded(ILogger logger, string selector, string domain, string algorithm, int bits);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning,
        Message = "DKIM key {Selector}._domainkey.{Domain} is a {Bits}-bit RSA key; RFC 8301 recommends 2048 bits, and some receivers refuse less")]
    private static partial void LogWeakKey(ILogger logger, string selector, string domain, int bits);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Signed <{HeaderMessageId}>: {Dkim}")]
    private static partial void LogSigned(ILogger logger, string? headerMessageId, string dkim);
}
