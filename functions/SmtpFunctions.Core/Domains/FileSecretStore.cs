using System.Text;
using Microsoft.Extensions.Options;

namespace SmtpFunctions.Core.Domains;

/// <summary>The local secret store: one file a secret in <see cref="DomainOptions.SecretStorePath"/>, readable by the owner only.</summary>
/// <remarks>
/// The directory is created 0700 and each file 0600 before any octet is written to it (on Unix), so a key is never
/// readable by others, not even for a moment. Names are the store's own (<see cref="SecretNames"/>): letters, digits and
/// hyphens, so they are safe file names.
/// </remarks>
public sealed class FileSecretStore(IOptions<DomainOptions> options) : ISecretStore
{
    private readonly string _directory = Path.GetFullPath(options.Value.SecretStorePath);

    /// <inheritdoc />
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        try
        {
            return await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task SetAsync(string name, string value, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Written beside it and renamed over it: a reader sees the old key or the new one, never half of one.
        var temporary = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temporary, fileOptions))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(value), cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }

    private string PathOf(string name)
    {
        if (!SecretNames.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a secret name.", nameof(name));
        }

        return Path.Combine(_directory, name);
    }
}
