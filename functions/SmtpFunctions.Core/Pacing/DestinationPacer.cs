using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Routing;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Pacing;

/// <summary>
/// Decides whether a delivery job may open (or reuse) an SMTP session to its destination now: at most
/// <see cref="PacingOptions.MaxConcurrentSessions"/> at once, messages evenly spaced under
/// <see cref="PacingOptions.MaxMessagesPerMinute"/>, none while the destination backs off after a throttling reply.
/// One per host process (singleton), shared by every concurrent execution of the queue trigger on it.
/// </summary>
/// <remarks>
/// A job that gets no slot within <see cref="PacingOptions.SlotWaitTimeout"/> is deferred (put back on the queue) rather
/// than holding a worker. The rate limit is GCRA (a virtual schedule: each message moves the destination's next send
/// time on by 60 s ÷ limit), which paces evenly instead of letting a minute's worth out in a burst. The backoff follows
/// RFC 5321 §4.5.4.1's advice to give a busy destination time rather than retry every queued message at it: 421 means
/// the server is closing the channel, and large providers use it (and 4.7.x) to say "slow down".
/// </remarks>
public sealed partial class DestinationPacer
{
    private const int PruneThreshold = 1024;
    private const int MaxRememberedDomains = 10_000;
    private static readonly TimeSpan PruneAfter = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, DestinationGate> _gates = new(StringComparer.Ordinal);
    private readonly Lock _gatesLock = new();

    // Recipient domain → its destination and limits as last seen: only for the cheap "could it go now?" hint.
    private readonly ConcurrentDictionary<string, (string Key, DestinationLimits Limits)> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly IMxResolver _resolver;
    private readonly InstanceShares _shares;
    private readonly SmtpConnectionCache _sessions;
    private readonly PacingOptions _options;
    private readonly DeliveryOptions _delivery;
    private readonly MailMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DestinationPacer> _logger;
    private readonly Func<double> _random;
    private readonly IReadOnlyList<(string Name, DestinationLimitOptions Limits)> _overrides;

    /// <summary>Creates the pacer.</summary>
    public DestinationPacer(
        IMxResolver resolver, InstanceShares shares, SmtpConnectionCache sessions, IOptions<PacingOptions> options, IOptions<DeliveryOptions> delivery,
        MailMetrics metrics, TimeProvider time, ILogger<DestinationPacer> logger)
        : this(resolver, shares, sessions, options, delivery, metrics, time, logger, Random.Shared.NextDouble)
    {
    }

    /// <summary>With an explicit source of randomness in [0, 1) for the deferral spread (tests).</summary>
    public DestinationPacer(
        IMxResolver resolver, InstanceShares shares, SmtpConnectionCache sessions, IOptions<PacingOptions> options, IOptions<DeliveryOptions> delivery,
        MailMetrics metrics, TimeProvider time, ILogger<DestinationPacer> logger, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(delivery);
        _resolver = resolver;
        _shares = shares;
        _sessions = sessions;
        _options = options.Value;
        _delivery = delivery.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _random = random;
        _overrides = _options.Domains.Select(d => (Normalise(d.Key), d.Value)).ToList();
    }

    /// <summary>Sessions in use towards <paramref name="destination"/> on this instance (for tests and diagnostics).</summary>
    public int ActiveSessions(string destination)
    {
        var gate = Find(destination);
        if (gate is null)
        {
            return 0;
        }

        lock (gate)
        {
            return gate.Active;
        }
    }

    /// <summary>When the backoff of <paramref name="destination"/> ends, or null when it is not backing off.</summary>
    public DateTimeOffset? BackoffUntil(string destination)
    {
        var gate = Find(destination);
        if (gate is null)
        {
            return null;
        }

        lock (gate)
        {
            return gate.BackoffUntil > _time.GetUtcNow() ? gate.BackoffUntil : null;
        }
    }

    /// <summary>The limits for a recipient domain whose destination has <paramref name="hostNames"/> (MX hosts or the smart host).</summary>
    public DestinationLimits LimitsFor(string domain, IReadOnlyList<string> hostNames)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(hostNames);
        var match = BestMatch([Normalise(domain)]) ?? BestMatch(hostNames.Select(Normalise).ToList());
        return new DestinationLimits(
            match?.Limits.MaxConcurrentSessions ?? _options.MaxConcurrentSessions,
            match?.Limits.MaxMessagesPerMinute ?? _options.MaxMessagesPerMinute,
            match?.Name);
    }

    /// <summary>
    /// A hint, without waiting or any lookup: false when <paramref name="domain"/>'s destination (as last seen) is backing
    /// off, has no free slot, or has no rate turn within the slot wait. The job handler fetches a message's content ahead
    /// of its lease only when this is true, so jobs that will most likely be put back do not download it for nothing.
    /// </summary>
    public bool CouldGoNow(string domain)
    {
        if (!_domains.TryGetValue(domain, out var seen) || Find(seen.Key) is not { } gate)
        {
            return true;
        }

        lock (gate)
        {
            var now = _time.GetUtcNow();
            return gate.BackoffUntil <= now && gate.Active < seen.Limits.MaxConcurrentSessions && RateWait(gate, seen.Limits, now) <= _options.SlotWaitTimeout;
        }
    }

    /// <summary>
    /// Waits (at most the slot wait) for a session slot and rate turn towards <paramref name="domain"/>'s destination, or
    /// says until when the job should be put back on the queue. A domain without a route (lookup failure) is not paced:
    /// the relay reports its failure without connecting.
    /// </summary>
    public async Task<PacingDecision> AcquireAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var destination = await DestinationOfAsync(domain, cancellationToken);
        if (destination is null)
        {
            return PacingDecision.Go(new PacingLease(null, null, "", domain));
        }

        var limits = LimitsFor(domain, destination.HostNames);
        if (_options.ShareAcrossInstances)
        {
            limits = await _shares.ShareOfAsync(limits, destination.Key, cancellationToken);
        }

        var gate = GateFor(destination.Key);
        Remember(domain, destination.Key, limits);
        var started = Stopwatch.GetTimestamp();
        var waiter = new SlotWaiter(limits.MaxConcurrentSessions);
        lock (gate)
        {
            var now = _time.GetUtcNow();
            gate.LastUsed = now;
            gate.Limit = limits.MaxConcurrentSessions;
            if (gate.BackoffUntil > now)
            {
                return Defer(gate.BackoffUntil, DeferralReason.Throttled, destination.Key, domain);
            }

            if (limits.MaxConcurrentSessions == 0)
            {
                // This instance's share of the destination is no session (more instances than slots): another takes it.
                return Defer(now, DeferralReason.Concurrency, destination.Key, domain);
            }

            if (RateWait(gate, limits, now) > _options.SlotWaitTimeout)
            {
                return Defer(gate.NextSendAt, DeferralReason.Rate, destination.Key, domain);
            }

            // In line behind earlier waiters; granted at once when a slot under this job's limit is free.
            gate.Waiters.AddLast(waiter);
            gate.GrantWaiters();
        }

        if (!await WaitForSlotAsync(gate, waiter, cancellationToken))
        {
            return Defer(_time.GetUtcNow(), DeferralReason.Concurrency, destination.Key, domain);
        }

        // Holding a slot: look again at the backoff (a throttling reply may have come in while we waited) and take the
        // rate turn, which may mean a short sleep.
        TimeSpan sleep;
        lock (gate)
        {
            var now = _time.GetUtcNow();
            if (gate.BackoffUntil > now)
            {
                ReleaseLocked(gate);
                return Defer(gate.BackoffUntil, DeferralReason.Throttled, destination.Key, domain);
            }

            sleep = RateWait(gate, limits, now);
            if (sleep > _options.SlotWaitTimeout)
            {
                ReleaseLocked(gate);
                return Defer(gate.NextSendAt, DeferralReason.Rate, destination.Key, domain);
            }

            if (limits.MaxMessagesPerMinute > 0)
            {
                gate.NextSendAt = (gate.NextSendAt > now ? gate.NextSendAt : now) + limits.Interval;
            }
        }

        var lease = new PacingLease(this, gate, destination.Key, domain);
        if (sleep > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(sleep, _time, cancellationToken);
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        }

        _metrics.PacingWaited.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("domain", domain));
        return PacingDecision.Go(lease);
    }

    /// <summary>
    /// Frees a slot and hands it to the oldest waiter it fits. With shared limits, also closes idle sessions beyond this
    /// instance's current share (it may have shrunk since they were opened): the sessions the destination sees from here
    /// are those in use plus those idle, and together they must fit the share.
    /// </summary>
    internal void Release(DestinationGate gate, string destination)
    {
        int keepIdle;
        lock (gate)
        {
            ReleaseLocked(gate);
            keepIdle = Math.Max(0, gate.Limit - gate.Active);
        }

        if (_options.ShareAcrossInstances)
        {
            _shares.Touch();
            _sessions.TrimIdle(destination, keepIdle);
        }
    }

    /// <summary>Records what the destination answered on a leased session (see <see cref="PacingLease.Report"/>).</summary>
    internal DateTimeOffset? Report(DestinationGate gate, string destination, string domain, RelayResult result)
    {
        var throttle = result.Replies.Values.FirstOrDefault(FailureClassifier.IsThrottling);
        var accepted = result.Replies.Values.Any(r => r.Kind == ReplyKind.Success);
        DateTimeOffset until;
        TimeSpan backoff;
        lock (gate)
        {
            var now = _time.GetUtcNow();
            if (throttle is null)
            {
                if (accepted)
                {
                    gate.BackoffLevel = 0;
                }

                return null;
            }

            if (gate.BackoffUntil > now)
            {
                // Another session of the same episode (it started before the backoff did): one backoff, not two.
                return gate.BackoffUntil;
            }

            gate.BackoffLevel++;
            backoff = BackoffFor(gate.BackoffLevel);
            until = now + backoff;
            gate.BackoffUntil = until;
        }

        _metrics.Backoffs.Add(1, new KeyValuePair<string, object?>("domain", domain));
        LogBackoff(_logger, destination, throttle.ToString(), backoff, until);
        return until;
    }

    /// <summary>The backoff after <paramref name="level"/> throttled attempts in a row: doubling from the first, capped.</summary>
    public TimeSpan BackoffFor(int level)
    {
        var doubling = Math.Min(Math.Max(level, 1) - 1, 30);
        var ticks = Math.Min(_options.ThrottleBackoff.Ticks * (double)(1L << doubling), _options.MaxThrottleBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    private static void ReleaseLocked(DestinationGate gate)
    {
        gate.Active--;
        gate.GrantWaiters();
    }

    private static TimeSpan RateWait(DestinationGate gate, DestinationLimits limits, DateTimeOffset now) =>
        limits.MaxMessagesPerMinute > 0 && gate.NextSendAt > now ? gate.NextSendAt - now : TimeSpan.Zero;

    private async Task<bool> WaitForSlotAsync(DestinationGate gate, SlotWaiter waiter, CancellationToken cancellationToken)
    {
        if (waiter.Granted.Task.IsCompleted)
        {
            return true;
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(_options.SlotWaitTimeout, _time, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            lock (gate)
            {
                if (gate.Waiters.Remove(waiter))
                {
                    if (ex is OperationCanceledException)
                    {
                        throw;
                    }

                    return false;
                }
            }

            // Granted just as the wait ended: the slot is ours.
            if (ex is OperationCanceledException)
            {
                lock (gate)
                {
                    ReleaseLocked(gate);
                }

                throw;
            }

            return true;
        }
    }

    private PacingDecision Defer(DateTimeOffset notBefore, DeferralReason reason, string destination, string domain)
    {
        // The spread keeps the jobs deferred together from coming back together.
        var spread = TimeSpan.FromTicks((long)(_options.DeferDelay.Ticks * _random()));
        var now = _time.GetUtcNow();
        var until = (notBefore > now ? notBefore : now) + (reason == DeferralReason.Concurrency ? _options.DeferDelay : TimeSpan.Zero) + spread;
        _metrics.Deferrals.Add(1, new KeyValuePair<string, object?>("reason", ReasonName(reason)), new KeyValuePair<string, object?>("domain", domain));
        LogDeferred(_logger, destination, ReasonName(reason), until);
        return PacingDecision.Defer(until, reason, destination);
    }

    private async Task<Destination?> DestinationOfAsync(string domain, CancellationToken cancellationToken)
    {
        if (_delivery.SmartHost.Enabled)
        {
            return Destination.ForSmartHost(_delivery.SmartHost);
        }

        var route = await _resolver.ResolveAsync(domain, cancellationToken);
        return route.Failure is null && route.Hosts.Count > 0 ? Destination.ForRoute(route, _delivery.Port) : null;
    }

    private DestinationGate GateFor(string key)
    {
        lock (_gatesLock)
        {
            if (_gates.Count > PruneThreshold)
            {
                Prune();
            }

            if (!_gates.TryGetValue(key, out var gate))
            {
                _gates[key] = gate = new DestinationGate { LastUsed = _time.GetUtcNow() };
            }

            return gate;
        }
    }

    private void Remember(string domain, string key, DestinationLimits limits)
    {
        if (_domains.Count > MaxRememberedDomains)
        {
            _domains.Clear();
        }

        _domains[domain] = (key, limits);
    }

    private DestinationGate? Find(string key)
    {
        lock (_gatesLock)
        {
            return _gates.GetValueOrDefault(key);
        }
    }

    // Called under _gatesLock: forgets destinations not used for a while that hold nothing.
    private void Prune()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, gate) in _gates.ToList())
        {
            lock (gate)
            {
                if (gate.IsIdle(now) && now - gate.LastUsed > PruneAfter)
                {
                    _gates.Remove(key);
                }
            }
        }
    }

    // The entry for the longest name that is one of the candidates or a parent domain of one.
    private (string Name, DestinationLimitOptions Limits)? BestMatch(IReadOnlyList<string> candidates)
    {
        (string Name, DestinationLimitOptions Limits)? best = null;
        foreach (var entry in _overrides)
        {
            var matches = candidates.Any(c => c == entry.Name || c.EndsWith("." + entry.Name, StringComparison.Ordinal));
            if (matches && (best is null || entry.Name.Length > best.Value.Name.Length))
            {
                best = entry;
            }
        }

        return best;
    }

    private static string Normalise(string name)
    {
        var trimmed = name.Trim().TrimEnd('.');
        try
        {
            return new IdnMapping().GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return trimmed.ToLowerInvariant();
        }
    }

    private static string ReasonName(DeferralReason reason) => reason switch
    {
        DeferralReason.Throttled => "throttled",
        DeferralReason.Concurrency => "concurrency",
        _ => "rate",
    };

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Pacing {Destination}: job put back until {DeferUntil:o} ({Reason})")]
    private static partial void LogDeferred(ILogger logger, string destination, string reason, DateTimeOffset deferUntil);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Destination {Destination} is throttling us ({Reply}); no new session for {Backoff}, until {BackoffUntil:o}")]
    private static partial void LogBackoff(ILogger logger, string destination, string reply, TimeSpan backoff, DateTimeOffset backoffUntil);
}
