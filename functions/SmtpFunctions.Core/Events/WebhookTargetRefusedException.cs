namespace SmtpFunctions.Core.Events;

/// <summary>A webhook URL's host resolved only to addresses the outbound address policy refuses.</summary>
public sealed class WebhookTargetRefusedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public WebhookTargetRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public WebhookTargetRefusedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public WebhookTargetRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
