using System.Text.Json;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>Runs dkimpy (Debian <c>python3-dkim</c>, with <c>python3-nacl</c> for Ed25519) over message octets.</summary>
/// <remarks>
/// Debian's <c>/usr/bin/python3</c> is called by path: a <c>python3</c> earlier on PATH (pyenv) may not have the module.
/// The public keys are handed over as TXT records, split into 255-character strings as published, instead of DNS.
/// </remarks>
internal static class DkimPy
{
    private const string Python = "/usr/bin/python3";
    private static readonly JsonSerializerOptions ReportJson = new() { PropertyNameCaseInsensitive = true };

    public static async Task<DkimPyReport> VerifyAsync(byte[] message, params DkimKeyPair[] published) =>
        await VerifyAsync(message, published.ToDictionary(p => p.RecordName, p => p.TxtStrings));

    public static async Task<DkimPyReport> VerifyAsync(byte[] message, IReadOnlyDictionary<string, IReadOnlyList<string>> records)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dkimpy-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        try
        {
            var messageFile = Path.Combine(folder, "message.eml");
            var recordsFile = Path.Combine(folder, "records.json");
            await File.WriteAllBytesAsync(messageFile, message);
            await File.WriteAllTextAsync(recordsFile, JsonSerializer.Serialize(records));
            var script = Path.Combine(AppContext.BaseDirectory, "Dkim", "verify_dkim.py");
            var (exit, output) = await ChildProcess.RunAsync(Python, [script, messageFile, recordsFile], TimeSpan.FromMinutes(1));
            Assert.True(exit == 0,
                $"dkimpy failed (exit {exit}); tests/install-deps.sh installs python3-dkim and python3-nacl for {Python}:\n{output}");
            return JsonSerializer.Deserialize<DkimPyReport>(output.Trim(), ReportJson)
                ?? throw new InvalidOperationException($"dkimpy printed nothing usable: {output}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
