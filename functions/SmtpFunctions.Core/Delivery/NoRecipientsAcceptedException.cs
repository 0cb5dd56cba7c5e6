namespace SmtpFunctions.Core.Delivery;

/// <summary>Every RCPT of a transaction was refused; each refusal is already recorded, so there is nothing to send.</summary>
internal sealed class NoRecipientsAcceptedException : Exception
{
    public NoRecipientsAcceptedException()
        : base("No recipient was accepted.")
    {
    }
}
