using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>One Azurite for the DKIM integration tests.</summary>
[CollectionDefinition(Name)]
public sealed class DkimCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "dkim";
}
