namespace SmtpFunctions.Infra.Tests.Options;

/// <summary>An options class found in a production assembly, with the section it binds from.</summary>
/// <param name="Name">The <c>SectionName</c> constant.</param>
/// <param name="Type">The options class.</param>
/// <param name="Assembly">Simple name of the assembly that declares it.</param>
internal sealed record OptionsSection(string Name, Type Type, string Assembly);
