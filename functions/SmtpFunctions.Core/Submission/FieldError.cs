namespace SmtpFunctions.Core.Submission;

/// <summary>One rule a submission broke, naming the field (<c>to[2]</c>, <c>headers.X-Foo</c>, <c>attachments[0].content</c>).</summary>
public sealed record FieldError(string Field, string Detail);
