using Microsoft.AspNetCore.Http;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api.Authentication;

/// <summary>An authentication's result: a caller, or the answer that refuses the request (401 or 403 problem).</summary>
public readonly record struct ApiAuthentication(Caller? Caller, IResult? Refusal)
{
    /// <summary>An accepted caller.</summary>
    public static ApiAuthentication Accepted(Caller caller) => new(caller, null);

    /// <summary>A refused request.</summary>
    public static ApiAuthentication Refused(IResult refusal) => new(null, refusal);
}
