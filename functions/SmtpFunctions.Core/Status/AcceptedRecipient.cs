using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Status;

/// <summary>A recipient as the 202 answer lists it.</summary>
public sealed record AcceptedRecipient(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("status")] string Status);
