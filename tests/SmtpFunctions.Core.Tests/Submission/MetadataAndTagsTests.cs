using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Submission;

/// <summary>The bounds on a JSON submission's metadata and tags: what every event about the message carries.</summary>
public sealed class MetadataAndTagsTests
{
    [Fact]
    public void Metadata_WithinTheBounds_HasNoError()
    {
        var errors = new List<FieldError>();
        MessageMetadata.Check(Enumerable.Range(0, MessageMetadata.MaxEntries).ToDictionary(i => $"k.{i}_x-y", _ => new string('v', MessageMetadata.MaxValueLength)), errors);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("", "v", "metadata")]
    [InlineData("has space", "v", "metadata")]
    [InlineData("ключ", "v", "metadata")]
    public void Metadata_BadKey_IsAnErrorOnMetadata(string key, string value, string field)
    {
        var errors = new List<FieldError>();
        MessageMetadata.Check(new Dictionary<string, string> { [key] = value }, errors);
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void Metadata_TooManyOrTooLong_IsAnError()
    {
        var errors = new List<FieldError>();
        MessageMetadata.Check(Enumerable.Range(0, MessageMetadata.MaxEntries + 1).ToDictionary(i => $"k{i}", _ => "v"), errors);
        MessageMetadata.Check(new Dictionary<string, string> { ["k"] = new string('v', MessageMetadata.MaxValueLength + 1) }, errors);
        MessageMetadata.Check(new Dictionary<string, string> { [new string('k', MessageMetadata.MaxKeyLength + 1)] = "v" }, errors);
        Assert.Equal(["metadata", "metadata.k", "metadata"], errors.Select(e => e.Field).ToArray());
    }

    [Fact]
    public void Tags_WithinTheBounds_HaveNoError()
    {
        var errors = new List<FieldError>();
        MessageTags.Check([.. Enumerable.Range(0, MessageTags.MaxTags - 1).Select(i => $"t:{i}.a_b-c"), new string('t', MessageTags.MaxTagLength)], errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void Tags_TooMany_IsOneErrorOnTags()
    {
        var errors = new List<FieldError>();
        MessageTags.Check([.. Enumerable.Range(0, MessageTags.MaxTags + 1).Select(i => $"t{i}")], errors);
        Assert.Equal("tags", Assert.Single(errors).Field);
    }

    [Fact]
    public void Tags_Bad_AreErrorsNamingTheirIndex()
    {
        var errors = new List<FieldError>();
        MessageTags.Check(["ok", "", "with space", new string('t', MessageTags.MaxTagLength + 1), "OK", "é"], errors);
        Assert.Equal(["tags[1]", "tags[2]", "tags[3]", "tags[4]", "tags[5]"], errors.Select(e => e.Field).ToArray());
        Assert.Contains("twice", errors[3].Detail, StringComparison.Ordinal);
    }
}
