namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>The end-to-end tests that share one server.</summary>
[CollectionDefinition(Name)]
public sealed class IngressCollection : ICollectionFixture<IngressFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "ingress";
}
