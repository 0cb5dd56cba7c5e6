namespace SmtpFunctions.Infra.Tests.Bicep;

/// <summary>Shares one <see cref="InfraFixture"/> (one compile, three snapshots) between every infra test class.</summary>
[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "infra";
}
