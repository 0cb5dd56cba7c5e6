using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Recovery;

/// <summary>
/// What a fault scenario measured, from the sink's received mail and the status API: submitted, delivered, lost, sent
/// twice (each listed), non-final at the end, and how long recipients stayed non-final after the fault ended.
/// </summary>
internal sealed class RecoveryReport
{
    private RecoveryReport(string scenario, IReadOnlyList<DeliveryWorld.Submitted> messages, int[] copies, DeliveryWorld.RecipientState[] states, DateTimeOffset faultEnded)
    {
        Scenario = scenario;
        Messages = messages;
        Copies = copies;
        States = states;
        FaultEnded = faultEnded;
    }

    public string Scenario { get; }

    public IReadOnlyList<DeliveryWorld.Submitted> Messages { get; }

    /// <summary>Accepted copies at the sink, by message index.</summary>
    public int[] Copies { get; }

    /// <summary>Last status seen, by message index.</summary>
    public DeliveryWorld.RecipientState[] States { get; }

    public DateTimeOffset FaultEnded { get; }

    public int Submitted => Messages.Count;

    /// <summary>Messages whose recipient the sink received at least once.</summary>
    public int Delivered => Copies.Count(c => c > 0);

    /// <summary>Accepted, never received by the sink.</summary>
    public int Lost => Copies.Count(c => c == 0);

    /// <summary>Received more than once.</summary>
    public IReadOnlyList<int> SentTwice => Enumerable.Range(0, Submitted).Where(i => Copies[i] > 1).ToList();

    /// <summary>Not final when the wait ended (stuck).</summary>
    public IReadOnlyList<int> NotFinal => Enumerable.Range(0, Submitted).Where(i => !States[i].IsFinal).ToList();

    /// <summary>The longest time after the fault ended until a recipient became final (its status's updatedAt).</summary>
    public TimeSpan LongestNonFinalAfterFault =>
        States.Where(s => s.IsFinal).Select(s => s.UpdatedAt - FaultEnded).DefaultIfEmpty(TimeSpan.Zero).Max() is var longest && longest > TimeSpan.Zero
            ? longest
            : TimeSpan.Zero;

    public static RecoveryReport Measure(string scenario, DeliveryWorld world, IReadOnlyList<DeliveryWorld.Submitted> messages, DeliveryWorld.RecipientState[] states, DateTimeOffset faultEnded) =>
        new(scenario, messages, world.CountDeliveries(messages), states, faultEnded);

    public void WriteTo(ITestOutputHelper output, params (string Label, string Value)[] extra)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"== {Scenario}");
        text.AppendLine(CultureInfo.InvariantCulture, $"submitted {Submitted}, delivered {Delivered}, lost {Lost}, sent twice {SentTwice.Count}, not final at the end {NotFinal.Count}");
        text.AppendLine(CultureInfo.InvariantCulture, $"longest time a recipient stayed non-final after the fault ended: {LongestNonFinalAfterFault.TotalSeconds:F1} s");
        foreach (var (label, value) in extra)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{label}: {value}");
        }

        foreach (var i in SentTwice)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  sent {Copies[i]}x: {Messages[i].Recipient} (message {Messages[i].Id}) status {States[i].Status}, attempts {States[i].Attempts}, last reply '{States[i].LastResponse}'");
        }

        foreach (var i in NotFinal.Concat(Enumerable.Range(0, Submitted).Where(i => Copies[i] == 0)).Distinct())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  not delivered or not final: {Messages[i].Recipient} (message {Messages[i].Id}) copies {Copies[i]}, status {States[i].Status}, attempts {States[i].Attempts}, last reply '{States[i].LastResponse}'");
        }

        output.WriteLine(text.ToString());
    }
}
