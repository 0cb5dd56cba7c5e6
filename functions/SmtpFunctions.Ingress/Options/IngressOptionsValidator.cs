using System.Net;
using Microsoft.Extensions.Options;
using SmtpFunctions.Ingress.Accounts;
using SmtpFunctions.Ingress.Network;

namespace SmtpFunctions.Ingress.Options;

/// <summary>The rules between <see cref="IngressOptions"/> fields that data annotations cannot say; checked at start.</summary>
public sealed class IngressOptionsValidator(HostingPlatform platform) : IValidateOptions<IngressOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, IngressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Port == 0 && options.ImplicitTlsPort == 0)
        {
            failures.Add("Ingress: Port and ImplicitTlsPort are both 0; at least one listener is needed.");
        }
        else if (options.Port != 0 && options.Port == options.ImplicitTlsPort)
        {
            failures.Add($"Ingress: Port and ImplicitTlsPort are both {options.Port}.");
        }

        if (!IPAddress.TryParse(options.BindAddress, out _))
        {
            failures.Add($"Ingress:BindAddress '{options.BindAddress}' is not an IP address.");
        }

        CheckCertificate(options, failures);
        CheckAccounts(options, failures);
        if (!TrustedNetworks.TryParse(options.TrustedNetworks, out var trusted, out var problem))
        {
            failures.Add($"Ingress:TrustedNetworks: {problem}.");
        }

        CheckClientAddresses(options, trusted, failures);

        CheckDomains("TrustedNetworkSenderDomains", options.TrustedNetworkSenderDomains, failures);
        Positive("CommandTimeout", options.CommandTimeout, failures);
        Positive("SessionTimeout", options.SessionTimeout, failures);
        Positive("AuthFailureWindow", options.AuthFailureWindow, failures);
        Positive("PreAuthTimeout", options.PreAuthTimeout, failures);
        Positive("StressCommandTimeout", options.StressCommandTimeout, failures);
        Positive("StressPreAuthTimeout", options.StressPreAuthTimeout, failures);
        Positive("AccountLockout", options.AccountLockout, failures);
        if (options.ShutdownGrace < TimeSpan.Zero)
        {
            failures.Add("Ingress:ShutdownGrace must not be negative.");
        }

        if (options.SessionTimeout < options.CommandTimeout)
        {
            failures.Add("Ingress:SessionTimeout must not be shorter than CommandTimeout.");
        }

        if (options.AccountLockoutMax < options.AccountLockout)
        {
            failures.Add("Ingress:AccountLockoutMax must not be shorter than AccountLockout.");
        }

        if (options.MaxUnauthenticatedConnections > options.MaxConnections)
        {
            failures.Add("Ingress:MaxUnauthenticatedConnections must not be larger than MaxConnections.");
        }

        if (options.GreetingDelay < TimeSpan.Zero || options.GreetingDelay > TimeSpan.FromSeconds(30))
        {
            failures.Add("Ingress:GreetingDelay must be between 0 and 30 seconds.");
        }

        if (options.AuthFailureDelay < TimeSpan.Zero || options.AuthFailureDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add("Ingress:AuthFailureDelay must be between 0 and 1 minute.");
        }

        if (options.AuthFailureDelayAfter >= options.AuthFailureLimit)
        {
            failures.Add("Ingress:AuthFailureDelayAfter must be smaller than AuthFailureLimit.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Behind a proxy that hides client addresses (Container Apps' TCP ingress), a trusted network would be every client's.
    private void CheckClientAddresses(IngressOptions options, TrustedNetworks trusted, List<string> failures)
    {
        if (platform.IsContainerApps && options.ClientAddresses == ClientAddressMode.Direct)
        {
            failures.Add($"Ingress:ClientAddresses is Direct, but the process runs in Azure Container Apps ({HostingPlatform.ContainerAppNameVariable} is set), " +
                "whose TCP ingress replaces every client's address with an internal one. Leave it Auto (or Proxied).");
        }

        if (trusted.Networks.Count > 0 && platform.AddressesAreProxied(options.ClientAddresses))
        {
            var where = platform.IsContainerApps
                ? $"the process runs in Azure Container Apps ({HostingPlatform.ContainerAppNameVariable} is set), whose TCP ingress"
                : "Ingress:ClientAddresses is Proxied: the proxy in front";
            failures.Add($"Ingress:TrustedNetworks must be empty here: {where} gives every connection an internal address, so a trusted " +
                "network would let anyone on the internet submit without AUTH (an open relay). Clients authenticate instead (Ingress:Users, Ingress:UsersFile).");
        }
    }

    private static void CheckCertificate(IngressOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            if (!options.DevCertificate)
            {
                failures.Add("Ingress: no TLS certificate. Set Ingress:CertificatePath (PFX, Base64 PFX or PEM), or Ingress:DevCertificate=true for a local run.");
            }

            if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath))
            {
                failures.Add("Ingress:CertificateKeyPath is set without CertificatePath.");
            }

            return;
        }

        if (!File.Exists(options.CertificatePath))
        {
            failures.Add($"Ingress:CertificatePath {options.CertificatePath} does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
        {
            failures.Add($"Ingress:CertificateKeyPath {options.CertificateKeyPath} does not exist.");
        }
    }

    private static void CheckAccounts(IngressOptions options, List<string> failures)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Users.Count; i++)
        {
            try
            {
                var account = UserDirectory.FromOptions(options.Users[i]);
                if (!names.Add(account.Name))
                {
                    failures.Add($"Ingress:Users lists '{account.Name}' twice.");
                }
            }
            catch (InvalidOperationException ex)
            {
                failures.Add($"Ingress:Users:{i}: {ex.Message}");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.UsersFile))
        {
            if (!File.Exists(options.UsersFile))
            {
                failures.Add($"Ingress:UsersFile {options.UsersFile} does not exist.");
            }
            else
            {
                try
                {
                    UserDirectory.ReadFile(options.UsersFile);
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException)
                {
                    failures.Add($"Ingress:UsersFile: {ex.Message}");
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(options.DevUserName))
        {
            if (!options.DevCertificate)
            {
                failures.Add("Ingress:DevUserName is for local runs only and needs Ingress:DevCertificate=true.");
            }

            CheckDomains("DevUserSenderDomains", options.DevUserSenderDomains, failures);
        }
    }

    private static void CheckDomains(string field, string value, List<string> failures)
    {
        try
        {
            SmtpAccount.ParseDomains(value);
        }
        catch (ArgumentException ex)
        {
            failures.Add($"Ingress:{field} '{value}' is not a list of domains: {ex.Message}");
        }
    }

    private static void Positive(string field, TimeSpan value, List<string> failures)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Ingress:{field} must be positive.");
        }
    }
}
