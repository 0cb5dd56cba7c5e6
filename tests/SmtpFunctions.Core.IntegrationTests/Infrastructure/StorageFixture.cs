using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>One Azurite for every test of the collection (each test clears the queues it uses).</summary>
[CollectionDefinition(Name)]
public sealed class DeliveryCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "delivery";
}
