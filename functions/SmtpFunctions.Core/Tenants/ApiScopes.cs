namespace SmtpFunctions.Core.Tenants;

/// <summary>What an API key may do.</summary>
[Flags]
public enum ApiScopes
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary><c>send</c>: submit messages.</summary>
    Send = 1,

    /// <summary><c>read</c>: read message status (and events, webhooks).</summary>
    Read = 2,

    /// <summary><c>suppressions</c>: list, read and lift the tenant's suppressions.</summary>
    Suppressions = 4,

    /// <summary><c>admin</c>: manage the tenant's keys, sending domains and webhook subscriptions.</summary>
    Admin = 8,
}
