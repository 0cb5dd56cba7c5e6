namespace SmtpFunctions.Ingress.Accounts;

/// <summary>What to do after an AUTH failure.</summary>
public enum AuthFailureVerdict
{
    /// <summary>Answer 535 at once.</summary>
    Answer,

    /// <summary>Answer 535 after <c>AuthFailureDelay</c>.</summary>
    Delay,

    /// <summary>Answer <c>421 4.7.0</c> and close the connection.</summary>
    Disconnect,
}
