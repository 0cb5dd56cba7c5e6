namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>One configuration key an options class binds, in app-setting form (<c>Section__Property</c>).</summary>
/// <param name="Key">The key, e.g. <c>Submission__MaxRecipients</c> or <c>Delivery__SmartHost__Port</c>.</param>
/// <param name="Type">The property's type.</param>
/// <param name="IsCollection">A dictionary or list: set per item (<c>Key__0__Domain</c>), exempt from one setting per key.</param>
/// <param name="IsSecret">Marked <c>[DataType(DataType.Password)]</c>: set through <c>keyVaultReferences</c>, not <c>optionDefaults</c>.</param>
internal sealed record OptionKey(string Key, Type Type, bool IsCollection, bool IsSecret = false);
