using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.IO;
using SmtpFunctions.Core.Buffers;

namespace SmtpFunctions.Core.Storage;

/// <summary>The <c>messages</c> container: one blob of MIME per submission attempt, in its message's shard's account.</summary>
public sealed class MessageBlobs
{
    private readonly ShardClients<BlobContainerClient> _containers;

    /// <summary>Binds to the <c>messages</c> container of every shard's account (<see cref="ShardAccounts"/>).</summary>
    public MessageBlobs(ShardAccounts accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        _containers = accounts.PerShard(a => a.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer));
    }

    /// <summary>Name of the blob for one submission attempt (the token keeps concurrent attempts apart).</summary>
    public static string NameFor(string messageId, string submissionToken) => $"{messageId}/{submissionToken}.eml";

    /// <summary>The message id a blob's name starts with (<see cref="NameFor"/>): what picks its account.</summary>
    public static string MessageIdOf(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        var slash = blobName.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? blobName : blobName[..slash];
    }

    /// <summary>The <c>messages</c> container of message <paramref name="messageId"/>'s shard.</summary>
    public BlobContainerClient ContainerFor(string messageId) => _containers.ForMessage(messageId);

    /// <summary>The blob of that name in its message's shard's container.</summary>
    public BlobClient BlobFor(string blobName) => ContainerFor(MessageIdOf(blobName)).GetBlobClient(blobName);

    /// <summary>Stores the MIME.</summary>
    public async Task UploadAsync(string blobName, ReadOnlyMemory<byte> mime, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" } };
        await BlobFor(blobName).UploadAsync(BinaryData.FromBytes(mime), options, cancellationToken);
    }

    /// <summary>
    /// Stores the MIME from a seekable stream, sent as it is read (one request up to the SDK's single-upload size): the
    /// octets are not copied into another buffer on the way. The stream is disposed. <paramref name="tags"/> are blob index
    /// tags set by the same request (the sweeper's first filing, see <see cref="Sweeping.SweepIndex"/>).
    /// </summary>
    public async Task UploadAsync(string blobName, Stream mime, CancellationToken cancellationToken, IDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(mime);
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" }, Tags = tags };
        await using (mime)
        {
            await BlobFor(blobName).UploadAsync(mime, options, cancellationToken);
        }
    }

    /// <summary>
    /// Reads the MIME into pooled memory (the caller disposes it): written as it arrives, so it is held once, without the
    /// growing copies of a download into one array. Null when the blob does not exist.
    /// </summary>
    public async Task<RecyclableMemoryStream?> DownloadToBufferAsync(string blobName, CancellationToken cancellationToken)
    {
        var buffer = MessageBuffers.Rent("delivery");
        try
        {
            await BlobFor(blobName).DownloadToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            return buffer;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            buffer.Dispose();
            return null;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Reads the MIME back.</summary>
    public async Task<BinaryData> DownloadAsync(string blobName, CancellationToken cancellationToken)
    {
        var result = await BlobFor(blobName).DownloadContentAsync(cancellationToken);
        return result.Value.Content;
    }

    /// <summary>Opens the MIME as a stream (large messages are not buffered twice).</summary>
    public async Task<Stream> OpenReadAsync(string blobName, CancellationToken cancellationToken) =>
        await BlobFor(blobName).OpenReadAsync(cancellationToken: cancellationToken);

    /// <summary>Deletes a blob if it exists (orphans of failed attempts).</summary>
    public async Task DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken) =>
        await BlobFor(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken);
}
