using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace SmtpFunctions.Core.Storage;

/// <summary>The <c>messages</c> container: one blob of MIME per submission attempt.</summary>
public sealed class MessageBlobs
{
    private readonly BlobContainerClient _container;

    /// <summary>Binds to the <c>messages</c> container.</summary>
    public MessageBlobs(StorageAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        _container = account.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer);
    }

    /// <summary>Name of the blob for one submission attempt (the token keeps concurrent attempts apart).</summary>
    public static string NameFor(string messageId, string submissionToken) => $"{messageId}/{submissionToken}.eml";

    /// <summary>Stores the MIME.</summary>
    public async Task UploadAsync(string blobName, ReadOnlyMemory<byte> mime, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" } };
        await _container.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(mime), options, cancellationToken);
    }

    /// <summary>Reads the MIME back.</summary>
    public async Task<BinaryData> DownloadAsync(string blobName, CancellationToken cancellationToken)
    {
        var result = await _container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
        return result.Value.Content;
    }

    /// <summary>Opens the MIME as a stream (large messages are not buffered twice).</summary>
    public async Task<Stream> OpenReadAsync(string blobName, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(blobName).OpenReadAsync(cancellationToken: cancellationToken);

    /// <summary>Deletes a blob if it exists (orphans of failed attempts).</summary>
    public async Task DeleteIfExistsAsync(string blobName, CancellationToken cancellationToken) =>
        await _container.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken);
}
