using DnsClient;

namespace SmtpFunctions.Core.Routing;

/// <summary>The part of a DNS response routing needs: the response code and the records of the asked type.</summary>
/// <param name="ResponseCode">NoError, NotExistentDomain, ServerFailure, ConnectionTimeout, …</param>
/// <param name="Records">Records of the asked type (CNAMEs followed by the resolver).</param>
public sealed record DnsAnswer(DnsResponseCode ResponseCode, IReadOnlyList<DnsAnswerRecord> Records);
