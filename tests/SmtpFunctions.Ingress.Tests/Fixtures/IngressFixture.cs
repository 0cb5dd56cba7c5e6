using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>
/// One Azurite and one ingress: shared by the end-to-end tests of the <c>ingress</c> collection (they run one at a
/// time), or a class's own where it stops Azurite.
/// </summary>
public sealed class IngressFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private IngressServer? _server;

    /// <summary>The storage emulator the server writes to.</summary>
    public AzuriteProcess Azurite => _azurite ?? throw new InvalidOperationException("Not started.");

    /// <summary>The running server.</summary>
    public IngressServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        _server = await IngressServer.StartAsync(_azurite.ConnectionString);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
