namespace SmtpFunctions.Core.Domains;

/// <summary>The states a sending domain is in.</summary>
public static class DomainStatus
{
    /// <summary>Registered; its records were not (yet) found as expected.</summary>
    public const string Pending = "pending";

    /// <summary>Its DKIM records were found as published and no other tenant holds it: the tenant may send from it.</summary>
    public const string Verified = "verified";
}
