using Microsoft.Extensions.Logging;

namespace SmtpFunctions.Ingress.Telemetry;

/// <summary>
/// A logger that puts the session id and client address in scope of every line it writes. SmtpServer runs each session
/// on its own task, which the ingress cannot wrap in a scope, so the scope travels with the logger instead.
/// </summary>
public sealed class SessionLogger(ILogger inner, string sessionId, string client) : ILogger
{
    private readonly SessionScope _scope = new(sessionId, client, user: null);

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        using (inner.BeginScope(_scope))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
