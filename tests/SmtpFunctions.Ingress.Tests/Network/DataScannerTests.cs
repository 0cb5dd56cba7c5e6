using System.Text;
using SmtpFunctions.Ingress.Memory;
using SmtpFunctions.Ingress.Network;

namespace SmtpFunctions.Ingress.Tests.Network;

public sealed class DataScannerTests
{
    public static TheoryData<string, bool, bool> Cases => new()
    {
        // input, complete, bare line ending
        { "Subject: x\r\n\r\nbody\r\n.\r\n", true, false },
        { ".\r\n", true, false },
        { "body\r\n..\r\nmore\r\n.\r\n", true, false },
        { "body\n.\nMAIL FROM:<evil@example.com>\r\n", false, true },
        { "body\n.\r\nMAIL FROM:<evil@example.com>\r\n", false, true },
        { "body\r.\rMAIL FROM:<evil@example.com>\r\n", false, true },
        { "body\r\n.\nMAIL FROM:<evil@example.com>\r\n", false, true },
        { "body\r\n.\rMAIL FROM:<evil@example.com>\r\n", false, true },
        { "a\rb\r\n.\r\n", true, true },
        { "a\nb\r\n.\r\n", true, true },
        { "a\r\r\n.\r\n", true, true },
        { "body\r\n .\r\n", false, false },
        { "body\r\n.x\r\n", false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scan_FindsOnlyCrlfDotCrlfAndFlagsBareLineEndings(string input, bool complete, bool bare)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        var scanner = new DataScanner();

        var consumed = scanner.Scan(bytes);

        Assert.Equal(complete, scanner.IsComplete);
        Assert.Equal(bare, scanner.HasBareLineEnding);
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(complete ? bytes.Length - 3 : bytes.Length, scanner.Octets);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scan_GivesTheSameAnswerWhateverTheSplit(string input, bool complete, bool bare)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var scanner = new DataScanner();
            var consumed = scanner.Scan(bytes.AsSpan(0, split));
            consumed += scanner.Scan(bytes.AsSpan(split));

            Assert.Equal(complete, scanner.IsComplete);
            Assert.Equal(bare, scanner.HasBareLineEnding);
            Assert.Equal(bytes.Length, consumed);
        }

        var byteByByte = new DataScanner();
        foreach (var b in bytes)
        {
            byteByByte.Scan([b]);
        }

        Assert.Equal(complete, byteByByte.IsComplete);
        Assert.Equal(bare, byteByByte.HasBareLineEnding);
    }

    [Fact]
    public void Scan_StopsRightAfterTheTerminator()
    {
        var bytes = "Subject: a\r\n\r\nb\r\n.\r\nMAIL FROM:<next@example.com>\r\n"u8.ToArray();
        var scanner = new DataScanner();

        var consumed = scanner.Scan(bytes);

        Assert.Equal("Subject: a\r\n\r\nb\r\n.\r\n".Length, consumed);
        Assert.Equal(0, scanner.Scan(bytes.AsSpan(consumed)));
    }

    [Fact]
    public void Scan_DataCommandLineEndCountsAsTheFirstLineStart()
    {
        var scanner = new DataScanner();

        scanner.Scan(".\r\n"u8);

        Assert.True(scanner.IsComplete);
        Assert.Equal(0, scanner.Octets);
    }

    public static TheoryData<string, string> Contents => new()
    {
        // DATA as sent, the message as stored: transparency dots removed, the terminator's "." CRLF dropped.
        { "Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n" },
        { ".\r\n", "" },
        { "..\r\n.\r\n", ".\r\n" },
        { "..first\r\n...\r\n.x\r\n.\r\n", ".first\r\n..\r\nx\r\n" },
        { "a.b\r\n a\r\n. \r\n.\r\n", "a.b\r\n a\r\n \r\n" },
        { "no end yet\r\n.", "no end yet\r\n" },
        { "x\r\n.\r", "x\r\n" },
    };

    [Theory]
    [MemberData(nameof(Contents))]
    public void Scan_WritesTheUnstuffedMessage_WhateverTheSplit(string input, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var budget = new MemoryBudget(1 << 20);
            using var content = new MessageBuffer(budget, 0, 0);
            var scanner = new DataScanner();

            scanner.Scan(bytes.AsSpan(0, split), content);
            scanner.Scan(bytes.AsSpan(split), content);

            Assert.Equal(expected, Encoding.ASCII.GetString(content.AsMemory().Span));
        }
    }

    [Fact]
    public void Scan_OfAMegabyteInOddChunks_KeepsEveryOctetButTheDots()
    {
        var line = "." + new string('a', 997) + "\r\n";
        var input = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 1024)) + ".\r\n");
        using var content = new MessageBuffer(new MemoryBudget(4 << 20), 0, 0);
        var scanner = new DataScanner();

        for (var offset = 0; offset < input.Length; offset += 4093)
        {
            scanner.Scan(input.AsSpan(offset, Math.Min(4093, input.Length - offset)), content);
        }

        Assert.True(scanner.IsComplete);
        Assert.False(scanner.HasBareLineEnding);
        Assert.Equal(1024 * 999, content.Length);
        Assert.Equal(input.Length - 3, scanner.Octets);
    }
}
