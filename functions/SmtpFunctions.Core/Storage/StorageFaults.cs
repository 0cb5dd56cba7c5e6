using System.Net.Sockets;
using Azure;

namespace SmtpFunctions.Core.Storage;

/// <summary>Tells storage outages (answer 503/451 and let the client retry) from genuine bugs.</summary>
public static class StorageFaults
{
    /// <summary>True when the exception means the storage service could not be reached or failed on its side.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RequestFailedException { Status: 0 or 408 or 429 or >= 500 }:
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
