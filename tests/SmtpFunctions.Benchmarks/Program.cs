using SmtpFunctions.Benchmarks;

// Each scenario is a class implementing IBenchmark; they are found by reflection so that adding one is adding a file.
var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || benchmarks.All(b => b.Name != args[0]))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/SmtpFunctions.Benchmarks -- <benchmark> [options]");
    foreach (var benchmark in benchmarks)
    {
        Console.Error.WriteLine($"  {benchmark.Name,-10} {benchmark.Description}");
    }

    return 2;
}

// Every benchmark ends: a peer that stops answering (a run once waited almost two hours on one) must cost a red result,
// not the machine. At the deadline the token is cancelled; a benchmark that still has not ended a grace period later
// is stopped with everything it started, by PID.
var (deadline, rest) = Deadline.Parse(args[1..]);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
cts.CancelAfter(deadline);
using var watchdog = Deadline.Watch(deadline + Deadline.Grace, args[0]);
// A SIGTERM to the benchmark's PID (timeout, CI, an operator) cancels it like the deadline does, so that it stops what it
// started instead of leaving Azurite, the host and Postfix orphaned; the watchdog is brought forward to the grace.
using var terminated = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cts.Cancel();
    watchdog.Change(Deadline.Grace, Timeout.InfiniteTimeSpan);
});
try
{
    return await benchmarks.Single(b => b.Name == args[0]).RunAsync(rest, cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine($"{args[0]}: cancelled (Ctrl-C, or --deadline of {deadline.TotalMinutes:0.##} min reached) before it ended; what it measured so far is above");
    return 3;
}
