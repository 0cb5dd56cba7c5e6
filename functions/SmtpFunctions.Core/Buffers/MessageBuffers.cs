using Microsoft.IO;

namespace SmtpFunctions.Core.Buffers;

/// <summary>
/// Pooled memory for message octets: request bodies, decoded attachments, the MIME as stored, a blob being delivered.
/// Each buffer is a chain of fixed-size blocks from one process-wide pool, so a 20 MB message is never one 20 MB array
/// (no large-object-heap churn, no doubling copies while it grows) and its blocks serve the next message once disposed.
/// </summary>
public static class MessageBuffers
{
    // 128 KiB blocks: a small message takes one; a large one wastes at most one partly filled block.
    private const int BlockSize = 128 * 1024;

    // What the pool keeps for reuse once buffers are returned. Enough for a steady stream of typical messages; a burst of
    // large ones is given back to the GC beyond this, so the process does not keep its peak for ever.
    private const long RetainedFreeBytes = 64L * 1024 * 1024;

    private static readonly RecyclableMemoryStreamManager Manager = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = BlockSize,
        // Contiguous "large" buffers are only made by GetBuffer(), which nothing here calls; keep none of them.
        LargeBufferMultiple = BlockSize,
        MaximumBufferSize = BlockSize,
        MaximumSmallPoolFreeBytes = RetainedFreeBytes,
        MaximumLargePoolFreeBytes = 0,
        AggressiveBufferReturn = true,
    });

    /// <summary>An empty buffer; <paramref name="tag"/> names its use in the pool's diagnostics.</summary>
    public static RecyclableMemoryStream Rent(string tag) => Manager.GetStream(tag);
}
