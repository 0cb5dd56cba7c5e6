using SmtpFunctions.Ingress.Options;

namespace SmtpFunctions.Ingress.Development;

/// <summary>Where a local run keeps what it generates once and reuses: the self-signed certificate and the dev password.</summary>
public static class DevelopmentFolder
{
    /// <summary>The configured folder, or the user's local application data; created with owner-only access.</summary>
    public static string Resolve(IngressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var folder = string.IsNullOrWhiteSpace(options.DevCertificateFolder)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "SmtpFunctions", "ingress")
            : Path.GetFullPath(options.DevCertificateFolder);
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return folder;
    }

    /// <summary>Writes a file readable by its owner only (it holds a private key or a password).</summary>
    public static void WritePrivateFile(string path, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(content);
    }
}
