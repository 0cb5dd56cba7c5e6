using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Storage;

/// <summary>Fails the host at start when a shard's storage connection is unusable or names an account past <c>Storage:Shards</c> (<see cref="ShardAccounts.Validate"/>).</summary>
internal sealed class ShardConnectionsValidation(IConfiguration configuration) : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var errors = ShardAccounts.Validate(configuration, options.Shards);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
