using System.Collections;
using System.Net;

namespace SmtpFunctions.Ingress.Telemetry;

/// <summary>
/// The log scope of an SMTP session: session id, client address and, once authenticated, the account. Structured for
/// OpenTelemetry (key/value pairs) and readable on the console (<see cref="ToString"/>), where an array of pairs would
/// print as its type name.
/// </summary>
public sealed class SessionScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly string _sessionId;
    private readonly string _client;
    private readonly string? _user;

    /// <summary>The scope of session <paramref name="sessionId"/> from <paramref name="client"/>, as <paramref name="user"/> if any.</summary>
    public SessionScope(Guid sessionId, IPAddress client, string? user)
        : this(sessionId.ToString("N"), client?.ToString() ?? "", user)
    {
    }

    /// <summary>The same from their text forms.</summary>
    public SessionScope(string sessionId, string client, string? user)
    {
        _sessionId = sessionId;
        _client = client;
        _user = user;
    }

    /// <inheritdoc />
    public int Count => _user is null ? 2 : 3;

    /// <inheritdoc />
    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("SessionId", _sessionId),
        1 => new("Client", _client),
        2 when _user is not null => new("User", _user),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() =>
        _user is null ? $"SessionId:{_sessionId} Client:{_client}" : $"SessionId:{_sessionId} Client:{_client} User:{_user}";
}
