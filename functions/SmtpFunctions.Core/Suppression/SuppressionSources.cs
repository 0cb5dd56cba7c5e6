namespace SmtpFunctions.Core.Suppression;

/// <summary>Who added a suppression by hand (<see cref="SuppressionEntity.AddedBy"/>); delivery's own entries leave it empty.</summary>
public static class SuppressionSources
{
    /// <summary>A tenant's key, through <c>POST /api/suppressions</c>.</summary>
    public const string Api = "api";

    /// <summary>The operator, with the host's <c>suppressions add</c> command.</summary>
    public const string Operator = "operator";
}
