using SmtpFunctions.Core.Status;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>An accepted message as stored: id, the blob's octets, the status view's <c>dkim</c>, and the message row.</summary>
internal sealed record StoredMessage(string Id, byte[] Mime, string Dkim, MessageEntity Row);
