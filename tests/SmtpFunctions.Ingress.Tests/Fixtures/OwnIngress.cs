using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>
/// An Azurite and an ingress with limits of a test class's own (the shared fixture's would not show them): a class
/// fixture derives from it and says which settings differ.
/// </summary>
public abstract class OwnIngress : IAsyncLifetime
{
    private AzuriteProcess? _azurite;
    private IngressServer? _server;

    /// <summary>The storage emulator the server writes to.</summary>
    public AzuriteProcess Azurite => _azurite ?? throw new InvalidOperationException("Not started.");

    /// <summary>The running server.</summary>
    public IngressServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>Settings that win over <see cref="IngressServer"/>'s test defaults.</summary>
    protected abstract IDictionary<string, string?> Settings { get; }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _azurite = await AzuriteProcess.StartAsync();
        _server = await IngressServer.StartAsync(_azurite.ConnectionString, Settings);
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
