using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// What the delivery handler's own log lines say about each recipient (delivered 2010, deferred 2011, failed or expired
/// 2012) and about jobs it dropped or put back (2001 orphan, 2002 not committed yet), kept in memory: the benchmark reports failures and stalls from it without querying storage, whose table scans
/// grow with the run. Every other category and event is disabled, so it costs one dictionary write per outcome.
/// </summary>
internal sealed class DeliveryOutcomeLog : ILoggerProvider
{
    private static readonly string Category = typeof(DeliveryJobHandler).FullName!;
    private readonly ConcurrentDictionary<string, Outcome> _last = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _jobs = new(StringComparer.Ordinal);

    /// <summary>The last outcome logged for a recipient.</summary>
    public sealed record Outcome(string Status, string Reply);

    /// <summary>The last outcome of a recipient, if any was logged.</summary>
    public Outcome? For(string recipient) => _last.GetValueOrDefault(recipient);

    /// <summary>Recipients whose last outcome was a final failure (failed, expired), with the reply.</summary>
    public IReadOnlyList<(string Recipient, Outcome Outcome)> Failures() =>
        _last.Where(e => e.Value.Status is not ("delivered" or "deferred")).Select(e => (e.Key, e.Value)).ToList();

    /// <summary>What the handler last said about a message's job when it did not attempt it (dropped as an orphan, put back).</summary>
    public string? JobNote(string messageId) => _jobs.GetValueOrDefault(messageId);

    /// <summary>Forgets everything (between warm-up and the measured run).</summary>
    public void Clear()
    {
        _last.Clear();
        _jobs.Clear();
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Recorder(this) : Disabled.Instance;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Recorder(DeliveryOutcomeLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id is not (2001 or 2002 or 2010 or 2011 or 2012) || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                return;
            }

            string? recipient = null, reply = null, outcome = null, messageId = null;
            foreach (var (key, value) in values)
            {
                switch (key)
                {
                    case "Recipient": recipient = value as string; break;
                    case "Reply": reply = value as string; break;
                    case "Outcome": outcome = value as string; break;
                    case "MessageId": messageId = value as string; break;
                }
            }

            if (messageId is not null)
            {
                log._jobs[messageId] = eventId.Id == 2001 ? "job dropped as an orphan (no matching commit seen in time)" : "job put back: commit not seen yet";
                return;
            }

            if (recipient is not null)
            {
                var status = eventId.Id switch { 2010 => "delivered", 2011 => "deferred", _ => outcome ?? "failed" };
                log._last[recipient] = new Outcome(status, reply ?? "");
            }
        }
    }

    private sealed class Disabled : ILogger
    {
        public static readonly Disabled Instance = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
