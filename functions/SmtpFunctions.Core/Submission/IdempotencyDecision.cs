namespace SmtpFunctions.Core.Submission;

/// <summary>What to do with a request that carries an Idempotency-Key, given what is stored under that key.</summary>
public enum IdempotencyVerdict
{
    /// <summary>Nothing stored: submit.</summary>
    Proceed,

    /// <summary>Same key, same body: answer with the first answer, enqueue nothing.</summary>
    Replay,

    /// <summary>Same key, different body: 409.</summary>
    Conflict,
}

/// <summary>The idempotency rule, on its own so it can be tested without storage.</summary>
public static class IdempotencyDecision
{
    /// <summary>Decides from the stored body hash (null when no message exists under the key) and this request's hash.</summary>
    public static IdempotencyVerdict Decide(string? storedBodyHash, string bodyHash) =>
        storedBodyHash is null ? IdempotencyVerdict.Proceed
        : string.Equals(storedBodyHash, bodyHash, StringComparison.Ordinal) ? IdempotencyVerdict.Replay
        : IdempotencyVerdict.Conflict;
}
