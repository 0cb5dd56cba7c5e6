using System.Net.Sockets;
using Azure;

namespace SmtpFunctions.Core.Storage;

/// <summary>Tells storage outages (answer 503/451 and let the client retry) from genuine bugs.</summary>
public static class StorageFaults
{
    // A container, table or queue that does not exist yet (fresh storage, before StorageProvisioner ran) is storage that
    // is not ready, not a bug in the request: the caller should hear 503/451 and retry, not a bare 500.
    private static readonly HashSet<string> MissingResourceCodes = new(StringComparer.Ordinal)
    {
        "ContainerNotFound", "TableNotFound", "QueueNotFound",
    };

    /// <summary>True when the exception means the storage service could not be reached, failed on its side, or lacks one of our resources.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RequestFailedException { Status: 0 or 408 or 429 or >= 500 }:
                case RequestFailedException { Status: 404, ErrorCode: { } code } when MissingResourceCodes.Contains(code):
                case HttpRequestException:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsUnavailable):
                    return true;
            }
        }

        return false;
    }
}
