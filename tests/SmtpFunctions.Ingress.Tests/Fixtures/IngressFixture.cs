namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>
/// One Azurite and one ingress with the test defaults: shared by the end-to-end tests of the <c>ingress</c> collection
/// (they run one at a time), or a class's own where it stops Azurite.
/// </summary>
public sealed class IngressFixture : OwnIngress
{
    /// <inheritdoc />
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>();
}
