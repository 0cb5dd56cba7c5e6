using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>One Azurite with two accounts (<c>devstoreaccount1</c> and <see cref="ShardAccount"/>) for the tests of accounts per shard.</summary>
public sealed class TwoAccountsFixture : IAsyncLifetime
{
    /// <summary>The second account: shard 1's.</summary>
    public const string ShardAccount = "shardaccount1";

    private AzuriteProcess? _azurite;

    /// <summary>The running instance.</summary>
    public AzuriteProcess Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync(inMemory: false, ShardAccount);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

/// <summary>The collection of the tests that need <see cref="TwoAccountsFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TwoAccountsCollection : ICollectionFixture<TwoAccountsFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "two accounts";
}
