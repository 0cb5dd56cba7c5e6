namespace SmtpFunctions.Ingress.Hosting;

/// <summary>
/// Where socket completions run. By default .NET on Linux queues every completion from its epoll thread to the thread
/// pool; a one-connection-per-message SMTP session has a dozen of them (each command line, each storage response), and
/// each hand-over wakes a worker. With inline completions the epoll threads run the continuations themselves: measured
/// about 20 % less CPU per message in the ingress benchmark (tests/SmtpFunctions.Benchmarks, <c>ingress</c>).
/// </summary>
/// <remarks>
/// The runtime reads only the environment variable, once, when the first socket is used — so it is set here, first
/// thing in <c>Main</c>, unless the environment already sets it (<c>0</c> turns it off). The price is that whatever a
/// completion runs next holds that epoll thread and every connection behind it: CPU-heavy steps therefore move to the
/// thread pool first (<see cref="Network.IoThread"/>: the submission's parse, serialisation and signing, the AUTH
/// password hash).
/// </remarks>
public static class SocketCompletions
{
    /// <summary>The runtime's switch (System.Net.Sockets, Unix only).</summary>
    public const string InlineVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on for this process unless the environment already decided; call before any socket exists.</summary>
    public static void InlineUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(InlineVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineVariable, "1");
        }
    }
}
