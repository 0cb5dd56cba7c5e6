using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Accounts;

/// <summary>
/// Locks an account name after <c>AccountFailureLimit</c> AUTH failures within <c>AuthFailureWindow</c>, whatever address
/// they come from: first for <c>AccountLockout</c>, each further time twice as long (up to <c>AccountLockoutMax</c>),
/// until a successful AUTH or a quiet window resets it. Unknown names are counted like known ones, so that a lockout
/// tells nothing about which accounts exist.
/// </summary>
/// <remarks>
/// This is the limit that still works behind a proxy that hides client addresses (Container Apps' TCP ingress), where a
/// per-address limit would lock every client out at once; and it stops a guesser who spreads over many addresses. Per
/// replica, like the per-address limit.
/// </remarks>
public sealed class AccountLockout
{
    // Longest account name kept as a key: longer ones are cut, so a flood of huge names costs bounded memory.
    private const int MaxKeyLength = 256;

    // Entries kept before a sweep is forced, however recent the last one.
    private const int SweepAtEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _accounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly IngressOptions _options;
    private long _lastSweepTicks;

    /// <summary>Creates the lockout table.</summary>
    public AccountLockout(TimeProvider time, IOptions<IngressOptions> options)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options.Value;
        _lastSweepTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>Accounts tracked now (failed recently or locked).</summary>
    public int Tracked => _accounts.Count;

    /// <summary>True while <paramref name="user"/> is locked; <paramref name="remaining"/> says for how long.</summary>
    public bool IsLocked(string? user, out TimeSpan remaining)
    {
        remaining = TimeSpan.Zero;
        if (!_accounts.TryGetValue(Key(user), out var entry))
        {
            return false;
        }

        lock (entry)
        {
            remaining = entry.LockedUntil - _time.GetUtcNow();
            return remaining > TimeSpan.Zero;
        }
    }

    /// <summary>Records a failure; returns the lockout it started, or null when the account is not (newly) locked.</summary>
    public TimeSpan? RecordFailure(string? user)
    {
        var now = _time.GetUtcNow();
        var entry = _accounts.GetOrAdd(Key(user), _ => new Entry());
        TimeSpan? lockout = null;
        lock (entry)
        {
            Expire(entry, now);
            entry.Failures.Enqueue(now);
            if (entry.Failures.Count >= _options.AccountFailureLimit)
            {
                // Doubling: 1, 2, 4 … times AccountLockout, capped; counting starts again once the lockout is set.
                var factor = Math.Pow(2, Math.Min(entry.Lockouts, 30));
                var length = TimeSpan.FromTicks((long)Math.Min(_options.AccountLockout.Ticks * factor, _options.AccountLockoutMax.Ticks));
                entry.Lockouts++;
                entry.LockedUntil = now + length;
                entry.Failures.Clear();
                lockout = length;
            }
        }

        SweepIfDue(now);
        return lockout;
    }

    /// <summary>Forgets the account's failures and lockouts: it just proved its password.</summary>
    public void RecordSuccess(string? user) => _accounts.TryRemove(Key(user), out _);

    private static string Key(string? user)
    {
        var key = (user ?? "").Trim();
        return key.Length > MaxKeyLength ? key[..MaxKeyLength] : key;
    }

    private void Expire(Entry entry, DateTimeOffset now)
    {
        while (entry.Failures.Count > 0 && now - entry.Failures.Peek() >= _options.AuthFailureWindow)
        {
            entry.Failures.Dequeue();
        }
    }

    // Forgets accounts with no recent failure whose last lockout ended a window ago (that also resets the doubling), at
    // most once per window unless the table grew large.
    private void SweepIfDue(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastSweepTicks);
        var due = now.UtcTicks - last >= _options.AuthFailureWindow.Ticks || _accounts.Count >= SweepAtEntries;
        if (!due || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (key, entry) in _accounts)
        {
            lock (entry)
            {
                Expire(entry, now);
                if (entry.Failures.Count == 0 && now - entry.LockedUntil >= _options.AuthFailureWindow)
                {
                    _accounts.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                }
            }
        }
    }

    private sealed class Entry
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public int Lockouts { get; set; }

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
