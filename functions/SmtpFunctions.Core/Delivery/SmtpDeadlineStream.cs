using System.Net.Sockets;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// The connection under MailKit (and under TLS): every read and write gets a deadline from the dialogue stage and the
/// attempt's budget, enforced by cancelling the socket call — MailKit's own timeout applies to synchronous calls only.
/// </summary>
/// <remarks>
/// A read waits for the reply <see cref="SmtpReplyTracker"/> says is due, until that reply's deadline: the moment the
/// wait for it began plus its stage's timeout (RFC 5321 §4.5.3.2), however the reply trickles in — a peer that drips one
/// byte at a time ends like a silent one (Postfix's <c>smtp_per_record_deadline</c>). Reads with no reply due (the TLS
/// handshake) get the greeting timeout from the last write. A write of message content gets the data-block timeout
/// (§4.5.3.2.5, progress per block), a command write its stage's timeout. Whichever is nearer, the step's deadline or the
/// attempt's budget, applies. What went wrong first is kept in <see cref="Trouble"/>: exceptions come back through
/// MailKit and TLS wrapped beyond recognition, the stream knows what it saw.
/// </remarks>
internal sealed class SmtpDeadlineStream(Stream inner, SmtpReplyTracker tracker, DeliveryOptions options, TimeProvider time) : Stream
{
    private DateTimeOffset _attemptDeadline = DateTimeOffset.MaxValue;
    private TimeSpan _attemptBudget = Timeout.InfiniteTimeSpan;
    private DateTimeOffset? _handshakeDeadline;
    private bool _lastWasWrite = true;

    /// <summary>The dialogue as MailKit's protocol logger sees it.</summary>
    public SmtpReplyTracker Tracker => tracker;

    /// <summary>The first timeout, budget exhaustion or lost connection seen in this attempt, or null.</summary>
    public SmtpTrouble? Trouble { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    /// <summary>True: MailKit sets the timeouts, but the stage decides them (see the remarks).</summary>
    public override bool CanTimeout => true;

    public override int ReadTimeout { get; set; } = Timeout.Infinite;

    public override int WriteTimeout { get; set; } = Timeout.Infinite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Starts an attempt on this connection: its budget ends at <paramref name="deadline"/>.</summary>
    public void BeginAttempt(DateTimeOffset deadline, TimeSpan budget)
    {
        _attemptDeadline = deadline;
        _attemptBudget = budget;
        Trouble = null;
    }

    /// <summary>The attempt is over (the session goes idle into the cache, or says QUIT): no budget applies.</summary>
    public void EndAttempt()
    {
        _attemptDeadline = DateTimeOffset.MaxValue;
        _attemptBudget = Timeout.InfiniteTimeSpan;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var step = BeginRead();
        using var timer = new CancellationTokenSource(Remaining(step), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        int read;
        try
        {
            read = await inner.ReadAsync(buffer, linked.Token);
        }
        catch (Exception) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Expire(step);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            Lost(step);
            throw;
        }

        if (read == 0 && buffer.Length > 0)
        {
            Lost(step);
        }

        return read;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var step = BeginWrite();
        using var timer = new CancellationTokenSource(Remaining(step), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await inner.WriteAsync(buffer, linked.Token);
        }
        catch (Exception) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Expire(step);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            Lost(step);
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous calls are not used by delivery (MailKit's async API all the way); they keep the same deadlines through
    // the socket's own timeouts, which do apply to synchronous calls.
    public override int Read(byte[] buffer, int offset, int count)
    {
        var step = BeginRead();
        if (inner.CanTimeout)
        {
            inner.ReadTimeout = Milliseconds(Remaining(step));
        }

        try
        {
            var read = inner.Read(buffer, offset, count);
            if (read == 0 && count > 0)
            {
                Lost(step);
            }

            return read;
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            throw Expire(step);
        }
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        var step = BeginWrite();
        if (inner.CanTimeout)
        {
            inner.WriteTimeout = Milliseconds(Remaining(step));
        }

        try
        {
            inner.Write(buffer, offset, count);
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            throw Expire(step);
        }
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    private Step BeginRead()
    {
        Step step;
        if (tracker.Awaited is { } awaited)
        {
            var limit = ReplyTimeout(awaited.Stage);
            step = new Step(awaited.Stage, Reading: true, awaited.Since + limit, limit);
        }
        else
        {
            // No reply due: the TLS handshake after STARTTLS. Its deadline starts at the read after each write.
            if (_lastWasWrite || _handshakeDeadline is null)
            {
                _handshakeDeadline = time.GetUtcNow() + options.GreetingTimeout;
            }

            step = new Step(SmtpStage.Handshake, Reading: true, _handshakeDeadline.Value, options.GreetingTimeout);
        }

        _lastWasWrite = false;
        return Bounded(step);
    }

    private Step BeginWrite()
    {
        _lastWasWrite = true;
        var stage = tracker.InContent ? SmtpStage.DataContent
            : tracker.LastSent == SmtpStage.Greeting ? SmtpStage.Handshake
            : tracker.LastSent;
        var limit = stage == SmtpStage.DataContent ? options.DataBlockTimeout : ReplyTimeout(stage);
        return Bounded(new Step(stage, Reading: false, time.GetUtcNow() + limit, limit));
    }

    private Step Bounded(Step step) =>
        _attemptDeadline <= step.Deadline ? step with { Deadline = _attemptDeadline, Limit = _attemptBudget, Budget = true } : step;

    private TimeSpan Remaining(Step step)
    {
        var remaining = step.Deadline - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : throw Expire(step);
    }

    private TimeSpan ReplyTimeout(SmtpStage stage) => stage switch
    {
        SmtpStage.Greeting or SmtpStage.Handshake => options.GreetingTimeout,
        SmtpStage.MailFrom => options.MailTimeout,
        SmtpStage.RcptTo => options.RcptTimeout,
        SmtpStage.DataCommand => options.DataInitTimeout,
        SmtpStage.DataContent => options.DataTerminationTimeout,
        _ => options.CommandTimeout,
    };

    private void Lost(Step step) => Trouble ??= new SmtpTrouble(step.Stage, SmtpTroubleKind.Lost, step.Reading, TimeSpan.Zero);

    private TimeoutException Expire(Step step)
    {
        Trouble ??= new SmtpTrouble(step.Stage, step.Budget ? SmtpTroubleKind.AttemptBudget : SmtpTroubleKind.TimedOut, step.Reading, step.Limit);
        return new TimeoutException(step.Budget
            ? $"The attempt's time budget ({step.Limit}) ran out in stage {step.Stage}."
            : $"No progress within {step.Limit} in stage {step.Stage} ({(step.Reading ? "reading" : "writing")}).");
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Clamp(Math.Ceiling(value.TotalMilliseconds), 1, int.MaxValue);

    private readonly record struct Step(SmtpStage Stage, bool Reading, DateTimeOffset Deadline, TimeSpan Limit, bool Budget = false);
}
