using System.Globalization;
using System.Text.Json;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Tests.Delivery;

/// <summary>The attempt budget's default sits between the longest single wait and the Functions host's timeout.</summary>
public sealed class AttemptBudgetDefaultsTests
{
    [Fact]
    public void AttemptTimeout_Default_LeavesTheHandlerTimeBeforeHostJsonsFunctionTimeout()
    {
        var options = new DeliveryOptions();
        var functionTimeout = FunctionTimeout();

        // The handler still reads and writes status rows, sends a DSN and re-enqueues after the relay returns.
        Assert.True(options.AttemptTimeout + TimeSpan.FromMinutes(5) <= functionTimeout,
            $"Delivery:AttemptTimeout {options.AttemptTimeout} leaves less than 5 min of host.json's functionTimeout {functionTimeout}.");
    }

    [Fact]
    public void AttemptTimeout_Default_ExceedsTheLongestSingleWait()
    {
        var options = new DeliveryOptions();
        var longest = new[] { options.GreetingTimeout, options.MailTimeout, options.RcptTimeout, options.DataInitTimeout, options.DataBlockTimeout, options.DataTerminationTimeout }.Max();

        Assert.True(options.AttemptTimeout > longest + options.ConnectTimeout);
    }

    private static TimeSpan FunctionTimeout()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var hostJson = Path.Combine(directory.FullName, "host.json");
            if (File.Exists(hostJson) && File.Exists(Path.Combine(directory.FullName, "SmtpFunctions.sln")))
            {
                using var document = JsonDocument.Parse(File.ReadAllText(hostJson));
                return TimeSpan.Parse(document.RootElement.GetProperty("functionTimeout").GetString()!, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("host.json not found above " + AppContext.BaseDirectory);
    }
}
