namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>One log event as a test sees it: its id (docs/telemetry.md), the logger's short category, the rendered message.</summary>
internal sealed record LoggedEvent(int EventId, string Category, string Message);
