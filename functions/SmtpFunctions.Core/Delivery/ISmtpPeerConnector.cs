using System.Net;

namespace SmtpFunctions.Core.Delivery;

/// <summary>Opens the byte stream to a peer; the seam that lets unit tests replay recorded SMTP transcripts.</summary>
public interface ISmtpPeerConnector
{
    /// <summary>Connects to <paramref name="address"/> (or resolves <paramref name="host"/> when null) on <paramref name="port"/>.</summary>
    Task<Stream> ConnectAsync(string host, IPAddress? address, int port, CancellationToken cancellationToken);
}
