using System.Net;
using SmtpFunctions.Ingress.Network;

namespace SmtpFunctions.Ingress.Tests.Network;

public sealed class TrustedNetworksTests
{
    [Fact]
    public void Contains_MatchesCidrBlocksAndSingleAddresses()
    {
        Assert.True(TrustedNetworks.TryParse("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32", out var networks, out _));

        Assert.True(networks.Contains(IPAddress.Parse("10.1.2.3")));
        Assert.True(networks.Contains(IPAddress.Parse("192.0.2.7")));
        Assert.False(networks.Contains(IPAddress.Parse("192.0.2.8")));
        Assert.True(networks.Contains(IPAddress.Parse("2001:db8:ffff::1")));
        Assert.False(networks.Contains(IPAddress.Parse("11.0.0.1")));
    }

    [Fact]
    public void Contains_SeesIPv4ClientsOfADualStackSocket()
    {
        Assert.True(TrustedNetworks.TryParse("10.0.0.0/8", out var networks, out _));

        Assert.True(networks.Contains(IPAddress.Parse("::ffff:10.0.0.5")));
    }

    [Fact]
    public void TryParse_EmptyTrustsNobody()
    {
        Assert.True(TrustedNetworks.TryParse("", out var networks, out _));

        Assert.False(networks.Contains(IPAddress.Loopback));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("example.com")]
    public void TryParse_RejectsWhatIsNotANetwork(string list)
    {
        Assert.False(TrustedNetworks.TryParse(list, out _, out var problem));
        Assert.Contains("CIDR", problem, StringComparison.Ordinal);
    }
}
