using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Writes log lines (with their scopes: MessageId, RecipientDomain) to the test's output, and keeps each event in order
/// so that a test can assert what happened in between (which MX was tried before which).
/// </summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Every event logged at Information or above, in the order logged.</summary>
    public ConcurrentQueue<LoggedEvent> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            provider.Events.Enqueue(new LoggedEvent(eventId.Id, category, formatter(state, exception)));
            var scope = "";
            provider._scopes.ForEachScope((s, _) =>
            {
                if (s is IEnumerable<KeyValuePair<string, object>> pairs)
                {
                    scope += string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) + " ";
                }
            }, (object?)null);
            try
            {
                provider.Write($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {scope}{formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; a background line arriving late has nowhere to go.
            }
        }
    }

    private void Write(string line) => output.WriteLine(line);
}
