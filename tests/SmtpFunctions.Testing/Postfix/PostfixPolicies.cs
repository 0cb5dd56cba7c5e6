using System.Collections.Concurrent;

namespace SmtpFunctions.Testing.Postfix;

/// <summary>Ready-made decisions for <see cref="PostfixOptions.Policy"/>.</summary>
public static class PostfixPolicies
{
    /// <summary>Postfix's "no opinion": go on with the other restrictions.</summary>
    public const string Dunno = "DUNNO";

    /// <summary>Reply of <see cref="Greylist"/> unless told otherwise.</summary>
    public const string GreylistReply = "451 4.7.1 Greylisted, please try again later";

    /// <summary>Reply of <see cref="Throttle"/> unless told otherwise: Postfix sends it and disconnects.</summary>
    public const string ThrottleReply = "421 4.7.0 Too many connections, slow down";

    /// <summary>Accepts everything (as if no policy were configured).</summary>
    public static Func<PostfixPolicyRequest, string> AcceptAll() => _ => Dunno;

    /// <summary>
    /// Greylisting as postgrey does it: the first RCPT of each (client address, sender, recipient) triplet is deferred
    /// with <paramref name="reply"/>; the same triplet retried after <paramref name="delay"/> (default: immediately)
    /// is accepted. State lives in the returned function, so each call starts a fresh list.
    /// </summary>
    public static Func<PostfixPolicyRequest, string> Greylist(TimeSpan? delay = null, string reply = GreylistReply, TimeProvider? time = null)
    {
        var clock = time ?? TimeProvider.System;
        var firstSeen = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
        var wait = delay ?? TimeSpan.Zero;
        return request =>
        {
            if (request.ProtocolState != "RCPT")
            {
                return Dunno;
            }

            var now = clock.GetUtcNow();
            var key = $"{request.ClientAddress}/{request.Sender}/{request.Recipient}";
            if (firstSeen.TryAdd(key, now))
            {
                return reply;
            }

            return now - firstSeen[key] < wait ? reply : Dunno;
        };
    }

    /// <summary>
    /// Answers the first <paramref name="times"/> requests in <paramref name="protocolState"/> (RCPT by default) with
    /// <paramref name="reply"/> — a 421 makes Postfix disconnect — and lets everything after through.
    /// </summary>
    public static Func<PostfixPolicyRequest, string> FailFirst(int times, string reply = ThrottleReply, string protocolState = "RCPT")
    {
        var remaining = times;
        return request => request.ProtocolState == protocolState && Interlocked.Decrement(ref remaining) >= 0 ? reply : Dunno;
    }

    /// <summary>Answers every request in <paramref name="protocolState"/> with <paramref name="reply"/> (e.g. a 4xx after the final dot).</summary>
    public static Func<PostfixPolicyRequest, string> Always(string reply, string protocolState = "RCPT") =>
        request => request.ProtocolState == protocolState ? reply : Dunno;
}
