namespace SmtpFunctions.Core.Domains;

/// <summary>What registering a domain did.</summary>
/// <param name="Domain">The domain row (new, or the one the tenant already had); null when refused.</param>
/// <param name="Created">True when this call registered it.</param>
/// <param name="Problem">Why the name was refused (not a domain, too many domains); null otherwise.</param>
public sealed record DomainRegistration(SendingDomainEntity? Domain, bool Created, string? Problem);
