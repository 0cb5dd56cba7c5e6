using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// Decodes base64 fed in pieces (the segments of a JSON string token, possibly still JSON-escaped) into a stream, through
/// one small staging buffer. Accepts exactly what <see cref="Base64.IsValid(ReadOnlySpan{char})"/> followed by
/// <see cref="Convert.TryFromBase64String"/> accepted before: whitespace anywhere, padding only at the end, a length that
/// is a multiple of four.
/// </summary>
internal sealed class Base64StreamDecoder(Stream output, bool escaped)
{
    // Encoded characters decoded per step: a multiple of 4, small enough to stay in cache.
    private const int StagingSize = 8 * 1024;

    private static readonly SearchValues<byte> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    private readonly byte[] _staging = new byte[StagingSize];
    private readonly byte[] _decoded = new byte[StagingSize / 4 * 3];
    private int _staged;
    private bool _padded;

    // A JSON escape cut by a segment boundary: what has been seen of it so far ("\\", "\\u00", ...).
    private readonly byte[] _escape = new byte[6];
    private int _escapeLength;

    /// <summary>Feeds the next piece; false once the input is known to be invalid.</summary>
    public bool Write(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            if (_escapeLength > 0)
            {
                _escape[_escapeLength++] = input[0];
                input = input[1..];
                if (!TryFinishEscape())
                {
                    return false;
                }

                continue;
            }

            var run = input.IndexOfAnyExcept(Alphabet);
            var characters = run < 0 ? input : input[..run];
            if (!characters.IsEmpty && !Stage(characters))
            {
                return false;
            }

            if (run < 0)
            {
                break;
            }

            var next = input[run];
            input = input[(run + 1)..];
            if (escaped && next == (byte)'\\')
            {
                _escape[0] = next;
                _escapeLength = 1;
                continue;
            }

            if (!Other(next))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes what is left; false when the whole was not valid base64.</summary>
    public bool Complete()
    {
        if (_escapeLength > 0 || _staged % 4 != 0)
        {
            return false;
        }

        return Flush(final: true);
    }

    // A character outside the alphabet: padding, whitespace, or a mistake.
    private bool Other(byte c)
    {
        switch (c)
        {
            case (byte)'=':
                _padded = true;
                return Append((byte)'=');
            case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                return true;
            default:
                return false;
        }
    }

    private bool Stage(ReadOnlySpan<byte> characters)
    {
        if (_padded)
        {
            return false; // data after padding
        }

        while (!characters.IsEmpty)
        {
            if (_staged == StagingSize && !Flush(final: false))
            {
                return false;
            }

            var take = Math.Min(characters.Length, StagingSize - _staged);
            characters[..take].CopyTo(_staging.AsSpan(_staged));
            _staged += take;
            characters = characters[take..];
        }

        return true;
    }

    private bool Append(byte c)
    {
        // Padding is only ever the last one or two characters, so it never needs a flush of its own before Complete.
        if (_staged == StagingSize && !Flush(final: false))
        {
            return false;
        }

        _staging[_staged++] = c;
        return true;
    }

    private bool Flush(bool final)
    {
        if (_staged == 0)
        {
            return true;
        }

        var status = Base64.DecodeFromUtf8(_staging.AsSpan(0, _staged), _decoded, out var consumed, out var written, isFinalBlock: final);
        if (status != OperationStatus.Done || consumed != _staged)
        {
            return false;
        }

        output.Write(_decoded, 0, written);
        _staged = 0;
        return true;
    }

    // JSON escapes that can occur in a base64 string: "\/" (PHP and others escape the slash), "\n" "\r" "\t" (line-wrapped
    // base64), and "\uXXXX" spelling any of those. Anything else cannot be base64.
    private bool TryFinishEscape()
    {
        if (_escapeLength < 2)
        {
            return true;
        }

        byte? c;
        switch (_escape[1])
        {
            case (byte)'/':
                c = (byte)'/';
                break;
            case (byte)'n' or (byte)'r' or (byte)'t':
                c = null;
                break;
            case (byte)'u':
                if (_escapeLength < 6)
                {
                    return true;
                }

                if (!int.TryParse(_escape.AsSpan(2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code) || code > 0x7f)
                {
                    return false;
                }

                c = (byte)code;
                break;
            default:
                return false;
        }

        _escapeLength = 0;
        if (c is not { } character)
        {
            return true;
        }

        return Alphabet.Contains(character) ? Stage([character]) : Other(character);
    }
}
