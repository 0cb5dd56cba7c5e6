using Microsoft.Extensions.Configuration;
using SmtpFunctions.Ingress.Options;
using SmtpFunctions.Ingress.Tests.Accounts;

namespace SmtpFunctions.Ingress.Tests.Options;

public sealed class IngressOptionsValidatorTests
{
    [Fact]
    public void Validate_DevelopmentDefaults_Succeed()
    {
        Assert.True(Validate(new IngressOptions { DevCertificate = true }).Succeeded);
    }

    [Fact]
    public void Validate_NoCertificate_FailsSayingWhatToSet()
    {
        var result = Validate(new IngressOptions());

        Assert.Contains(result.Failures!, f => f.Contains("CertificatePath", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(nameof(IngressOptions.TrustedNetworks), "10.0.0.0/99")]
    [InlineData(nameof(IngressOptions.BindAddress), "localhost")]
    [InlineData(nameof(IngressOptions.CertificatePath), "/nonexistent/cert.pfx")]
    [InlineData(nameof(IngressOptions.UsersFile), "/nonexistent/users.json")]
    [InlineData(nameof(IngressOptions.TrustedNetworkSenderDomains), "exa mple.com")]
    public void Validate_BadField_FailsNamingIt(string field, string value)
    {
        var options = new IngressOptions { DevCertificate = true };
        typeof(IngressOptions).GetProperty(field)!.SetValue(options, value);

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains(field, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PlaintextPasswordInUsers_Fails()
    {
        var result = Validate(new IngressOptions { DevCertificate = true, Users = [new IngressUserOptions { Name = "a", PasswordHash = "secret", SenderDomains = "example.com" }] });

        Assert.Contains(result.Failures!, f => f.Contains("Users:0", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DuplicateUsers_Fail()
    {
        var result = Validate(new IngressOptions
        {
            DevCertificate = true,
            Users = [UserDirectoryTests.User("a", "x", "example.com"), UserDirectoryTests.User("A", "y", "example.com")],
        });

        Assert.Contains(result.Failures!, f => f.Contains("twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DevUserOutsideDevelopment_Fails()
    {
        var result = Validate(new IngressOptions { CertificatePath = typeof(IngressOptionsValidatorTests).Assembly.Location, DevUserName = "dev" });

        Assert.Contains(result.Failures!, f => f.Contains("DevUserName", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SamePortTwice_Fails()
    {
        Assert.True(Validate(new IngressOptions { DevCertificate = true, Port = 2525, ImplicitTlsPort = 2525 }).Failed);
        Assert.True(Validate(new IngressOptions { DevCertificate = true, Port = 0, ImplicitTlsPort = 0 }).Failed);
    }

    [Fact]
    public void Validate_LimitsOutOfOrder_Fail()
    {
        Assert.True(Validate(new IngressOptions { DevCertificate = true, AuthFailureDelayAfter = 5, AuthFailureLimit = 5 }).Failed);
        Assert.True(Validate(new IngressOptions { DevCertificate = true, CommandTimeout = TimeSpan.FromMinutes(10), SessionTimeout = TimeSpan.FromMinutes(5) }).Failed);
        Assert.True(Validate(new IngressOptions { DevCertificate = true, GreetingDelay = TimeSpan.FromMinutes(1) }).Failed);
    }

    [Fact]
    public void Validate_NewLimitsOutOfOrder_Fail()
    {
        Assert.True(Validate(new IngressOptions { DevCertificate = true, MaxUnauthenticatedConnections = 1001, MaxConnections = 1000 }).Failed);
        Assert.True(Validate(new IngressOptions { DevCertificate = true, StressCommandTimeout = TimeSpan.Zero }).Failed);
        Assert.True(Validate(new IngressOptions { DevCertificate = true, AccountLockout = TimeSpan.FromHours(2) }).Failed);
        Assert.True(Validate(new IngressOptions { DevCertificate = true, PreAuthTimeout = TimeSpan.Zero }).Failed);
    }

    [Theory]
    [InlineData(HostingPlatform.ContainerAppNameVariable, "ca-smtp-ingress")]
    [InlineData(HostingPlatform.ContainerAppDnsSuffixVariable, "happy-sea-1234.westeurope.azurecontainerapps.io")]
    public void Validate_TrustedNetworksInContainerApps_FailsSayingItWouldBeAnOpenRelay(string variable, string value)
    {
        var platform = Platform((variable, value));
        var options = new IngressOptions { DevCertificate = true, TrustedNetworks = "10.0.0.0/8" };

        var result = new IngressOptionsValidator(platform).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("TrustedNetworks", StringComparison.Ordinal) && f.Contains("open relay", StringComparison.Ordinal));
        // The same options are fine where addresses are the clients' own.
        Assert.True(Validate(options).Succeeded);
    }

    [Fact]
    public void Validate_TrustedNetworksWithProxiedAddresses_FailsOutsideContainerAppsToo()
    {
        var result = Validate(new IngressOptions { DevCertificate = true, TrustedNetworks = "10.0.0.0/8", ClientAddresses = ClientAddressMode.Proxied });

        Assert.Contains(result.Failures!, f => f.Contains("TrustedNetworks", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DirectAddressesInContainerApps_Fail()
    {
        var platform = Platform((HostingPlatform.ContainerAppNameVariable, "ca-smtp-ingress"));

        var result = new IngressOptionsValidator(platform).Validate(null, new IngressOptions { DevCertificate = true, ClientAddresses = ClientAddressMode.Direct });

        Assert.Contains(result.Failures!, f => f.Contains("ClientAddresses", StringComparison.Ordinal));
        Assert.True(new IngressOptionsValidator(platform).Validate(null, new IngressOptions { DevCertificate = true }).Succeeded);
    }

    [Fact]
    public void Platform_DetectsContainerApps_AndProxiesAddressesOnlyThere()
    {
        var outside = Platform();
        var inside = Platform((HostingPlatform.ContainerAppNameVariable, "ca-smtp-ingress"), (HostingPlatform.ContainerAppDnsSuffixVariable, "x.azurecontainerapps.io"));

        Assert.False(outside.IsContainerApps);
        Assert.False(outside.AddressesAreProxied(ClientAddressMode.Auto));
        Assert.True(outside.AddressesAreProxied(ClientAddressMode.Proxied));
        Assert.True(inside.IsContainerApps);
        Assert.Equal("ca-smtp-ingress", inside.ContainerAppName);
        Assert.True(inside.AddressesAreProxied(ClientAddressMode.Auto));
    }

    internal static HostingPlatform Platform(params (string Key, string Value)[] variables) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(variables.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(IngressOptions options) => new IngressOptionsValidator(Platform()).Validate(null, options);
}
