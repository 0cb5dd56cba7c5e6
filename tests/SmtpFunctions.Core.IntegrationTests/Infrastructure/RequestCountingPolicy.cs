using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>Counts the storage requests that go out (every try), by method and the resource they name (table, queue, container).</summary>
public sealed class RequestCountingPolicy : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<(string Method, string Resource, int Port)> _requests = new();

    /// <summary>The requests seen so far (the port tells the service: Azurite's blob, queue and table ports differ).</summary>
    public IReadOnlyList<(string Method, string Resource, int Port)> Requests => [.. _requests];

    /// <summary>Forgets what was counted.</summary>
    public void Reset() => _requests.Clear();

    /// <summary>How many requests named <paramref name="resource"/> (e.g. <c>schedule</c>, <c>messages</c>, <c>outbound</c>).</summary>
    public int To(string resource) => Requests.Count(r => r.Resource == resource);

    /// <inheritdoc />
    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        return ProcessNextAsync(message, pipeline);
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        ProcessNext(message, pipeline);
    }

    // Azurite's paths are /<account>/<resource>[...]; a table's entity paths are "<table>(PartitionKey='…',RowKey='…')"
    // or "<table>()", a transaction is "$batch". A blob's index tags (set or found) are "<container>?comp=tags" and
    // "<container>?comp=blobs", apart from its content.
    private void Record(HttpMessage message)
    {
        var segments = message.Request.Uri.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1].Split('(')[0] : "";
        var query = message.Request.Uri.Query;
        if (query.Contains("comp=tags", StringComparison.Ordinal) || query.Contains("comp=blobs", StringComparison.Ordinal))
        {
            resource += query.Contains("comp=tags", StringComparison.Ordinal) ? "?comp=tags" : "?comp=blobs";
        }

        _requests.Enqueue((message.Request.Method.ToString(), resource, message.Request.Uri.Port));
    }
}
