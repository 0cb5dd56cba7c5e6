// The mail system's options as app settings: one line per option the code binds, `Section__Property: 'default'`.
//
// Imported by main.bicep (compile-time `import`, not a module). The infra tests discover every options class in the
// code (a type with `public const string SectionName`) and fail when a key is missing here, when a key here is not
// something the code reads, or when a default here differs from the default in the options class. Values are the
// code's defaults on purpose: Azure then runs with exactly what the code documents, and every knob is visible (and
// editable) in the portal. Deployment-specific values are set in main.bicep (parameters, `mailOptions`).
//
// Per-key collections (DKIM keys, per-domain overrides, SMTP users) are not listed: they come from parameters
// (`dkimKeys`, `secretAppSettings`, `mailOptions`) and are documented in docs/deploy.md.

@export()
@description('Every scalar option the code binds, with the code\'s default, as app-setting strings.')
var optionDefaults = {
  // SmtpFunctions.Core.Options.SubmissionOptions
  Submission__MaxRecipients: '50'
  Submission__MaxMessageBytes: '26214400'
  Submission__InlineContentMaxBytes: '16384'
  Submission__MessageIdDomain: ''
  Submission__MaxHeaderFields: '1000'
  Submission__MaxHeaderBytes: '131072'
  Submission__MaxBytesInFlight: '536870912'
  Submission__KeepSubmittedAuthenticationHeaders: 'false'
  Submission__ReceivedHeaderShowsClient: 'true'
  // SmtpFunctions.Core.Options.StorageOptions
  Storage__MaxRetries: '2'
  Storage__RetryDelay: '00:00:00.2'
  Storage__NetworkTimeout: '00:00:30'
  Storage__Shards: '1'
  Storage__Retention: '30.00:00:00'
  // SmtpFunctions.Ingress.Options.IngressOptions (ingress only; CertificatePath and UsersFile are overridden by the
  // Key Vault secret files in app/ingress.bicep, the Dev* options are for local runs and stay off in Azure)
  Ingress__Port: '587'
  Ingress__ImplicitTlsPort: '465'
  Ingress__BindAddress: '0.0.0.0'
  Ingress__ServerName: ''
  Ingress__CertificatePath: ''
  Ingress__CertificateKeyPath: ''
  Ingress__CertificatePassword: ''
  Ingress__DevCertificate: 'false'
  Ingress__DevCertificateFolder: ''
  Ingress__UsersFile: ''
  Ingress__DevUserName: ''
  Ingress__DevUserPassword: ''
  Ingress__DevUserSenderDomains: '*'
  // Empty: in Container Apps the ingress refuses a trusted network (every client would be in it). ClientAddresses Auto
  // is Proxied there: AUTH failures are limited per account, and there is no per-address connection cap.
  Ingress__TrustedNetworks: ''
  Ingress__ClientAddresses: 'Auto'
  Ingress__TrustedNetworkSenderDomains: ''
  Ingress__MaxMessageBytes: '0'
  Ingress__MaxBytesInFlight: '0'
  Ingress__MaxBytesSubmitting: '0'
  Ingress__MaxRecipients: '0'
  Ingress__MaxCommandLineLength: '512'
  Ingress__AuthFailureDelayAfter: '3'
  Ingress__AuthFailureDelay: '00:00:02'
  Ingress__AuthFailureLimit: '10'
  Ingress__AuthFailureWindow: '00:15:00'
  Ingress__AccountFailureLimit: '5'
  Ingress__AccountLockout: '00:01:00'
  Ingress__AccountLockoutMax: '01:00:00'
  Ingress__MaxConnectionsPerClient: '20'
  Ingress__MaxConnections: '1000'
  Ingress__MaxUnauthenticatedConnections: '800'
  Ingress__StressThresholdPercent: '75'
  Ingress__CommandTimeout: '00:05:00'
  Ingress__MinDataRate: '500'
  Ingress__PreAuthTimeout: '00:02:00'
  Ingress__StressCommandTimeout: '00:00:10'
  Ingress__StressPreAuthTimeout: '00:00:30'
  Ingress__SessionTimeout: '01:00:00'
  Ingress__ShutdownGrace: '00:00:20'
  Ingress__GreetingDelay: '00:00:01'
  Ingress__MaxProtocolErrors: '10'
  Ingress__CreateStorage: 'false'
  Ingress__HealthPort: '8080'
  // SmtpFunctions.Core.Options.DeliveryOptions (+ SmartHostOptions; the password comes from keyVaultReferences)
  Delivery__LocalDomain: ''
  Delivery__Port: '25'
  Delivery__RequireTls: 'false'
  Delivery__RequireTlsDomains: ''
  Delivery__MaxMxAddresses: '5'
  Delivery__MaxMxSessions: '2'
  Delivery__ConnectTimeout: '00:00:30'
  Delivery__GreetingTimeout: '00:05:00'
  Delivery__MailTimeout: '00:05:00'
  Delivery__RcptTimeout: '00:05:00'
  Delivery__DataInitTimeout: '00:02:00'
  Delivery__DataBlockTimeout: '00:03:00'
  Delivery__DataTerminationTimeout: '00:10:00'
  Delivery__CommandTimeout: '00:05:00'
  Delivery__AttemptTimeout: '00:20:00'
  Delivery__CommitWaitTimeout: '00:00:02'
  Delivery__LeaseDuration: '00:00:30'
  Delivery__OutcomeWriteTimeout: '00:05:00'
  Delivery__BounceCollectDelay: '00:00:30'
  Delivery__OrphanGracePeriod: '00:02:00'
  Delivery__OrphanRecheckDelay: '00:00:15'
  Delivery__MaxIdleSessionsPerDestination: '16'
  Delivery__SessionIdleTimeout: '00:00:10'
  Delivery__MaxMessagesPerSession: '100'
  Delivery__MaxSessionAge: '00:05:00'
  Delivery__SmartHost__Host: ''
  Delivery__SmartHost__Port: '587'
  Delivery__SmartHost__ImplicitTls: 'false'
  Delivery__SmartHost__RequireTls: 'true'
  Delivery__SmartHost__AcceptInvalidCertificate: 'false'
  Delivery__SmartHost__UserName: ''
  // SmtpFunctions.Core.Options.RoutingOptions
  Routing__NameServers: ''
  Routing__QueryTimeout: '00:00:05'
  Routing__QueryRetries: '2'
  Routing__MaxCacheTtl: '01:00:00'
  Routing__RefuseInternalAddresses: 'true'
  Routing__AllowedNetworks: ''
  // SmtpFunctions.Core.Options.RetryOptions
  Retry__Schedule: '00:01:00,00:05:00,00:15:00,00:30:00,01:00:00,02:00:00,04:00:00'
  Retry__QueueLifetime: '5.00:00:00'
  Retry__Jitter: '0.1'
  // SmtpFunctions.Core.Options.SuppressionOptions (both hosts: submission checks the list)
  Suppression__Enabled: 'true'
  Suppression__CacheTtl: '00:00:30'
  Suppression__CacheSize: '100000'
  Suppression__GlobalSnapshotSize: '10000'
  Suppression__DomainSnapshotSize: '100'
  // SmtpFunctions.Core.Options.ApiKeyOptions (function app: API keys and tenants; DefaultTenantWithoutKey keeps a
  // deployment from before keys working with the function key alone: set it false once callers send API keys)
  ApiKeys__DefaultTenantWithoutKey: 'true'
  ApiKeys__CacheTtl: '00:00:05'
  ApiKeys__LastUsedInterval: '00:01:00'
  ApiKeys__RateLimitChunk: '10'
  // SmtpFunctions.Core.Domains.DomainOptions (both hosts: submission holds senders to their tenant's verified domains;
  // KeyVaultUri and ManagedIdentityClientId are platform settings, see main.bicep). DefaultTenantSenderDomains '*' keeps
  // an upgraded deployment sending from any domain as the default tenant: set a list to hold it to its domains too.
  Domains__SecretStorePath: '.local/secrets'
  Domains__DefaultTenantSenderDomains: '*'
  Domains__TrustRegistrationsWithoutDns: 'false'
  Domains__CacheTtl: '00:00:30'
  Domains__SpfInclude: ''
  Domains__DmarcReportAddress: ''
  Domains__MaxDomainsPerTenant: '100'
  // SmtpFunctions.Core.Options.PacingOptions (per-destination overrides: Pacing__Domains__<name>__MaxConcurrentSessions
  // and __MaxMessagesPerMinute through mailOptions; limits are per instance unless ShareAcrossInstances, see
  // docs/architecture.md)
  Pacing__MaxConcurrentSessions: '20'
  Pacing__MaxMessagesPerMinute: '0'
  Pacing__SlotWaitTimeout: '00:00:02'
  Pacing__DeferDelay: '00:00:10'
  Pacing__ThrottleBackoff: '00:01:00'
  Pacing__MaxThrottleBackoff: '00:30:00'
  Pacing__ShareAcrossInstances: 'false'
  Pacing__InstanceHeartbeat: '00:00:30'
  // SmtpFunctions.Core.Options.SweeperOptions (both hosts: submission files each message in the sweeper's index; the
  // function app's timer schedule is fixed at every minute, Interval is the local host's)
  Sweeper__Enabled: 'true'
  Sweeper__Interval: '00:01:00'
  Sweeper__FirstCheckDelay: '00:10:00'
  Sweeper__OverdueGrace: '00:10:00'
  Sweeper__UnleasedAttemptTimeout: '00:30:00'
  Sweeper__IndexShards: '4'
  Sweeper__MaxMessagesPerSweep: '5000'
  Sweeper__Concurrency: '8'
  Sweeper__MaxPoisonRedrives: '3'
  Sweeper__PoisonRedriveDelay: '00:05:00'
  // SmtpFunctions.Core.Options.EventsOptions (both hosts: submission queues the accepted events; the topic endpoint and
  // client id are set by main.bicep when eventGridEnabled)
  Events__Enabled: 'true'
  Events__RequireHttps: 'true'
  Events__SkipWithoutSubscribers: 'true'
  Events__RetrySchedule: '00:00:05,00:05:00,00:30:00,02:00:00,05:00:00,10:00:00,10:00:00'
  Events__PoisonRedriveSchedule: '00:01:00,00:10:00,01:00:00,06:00:00'
  Events__DisableAfter: '5.00:00:00'
  Events__RequestTimeout: '00:00:15'
  Events__IntentGrace: '00:02:00'
  Events__SubscriptionCacheTtl: '00:00:30'
  Events__MaxSubscriptionsPerTenant: '20'
  Events__EventGridTopicEndpoint: ''
  Events__EventGridClientId: ''
}

@export()
@description('Sections the SMTP ingress container binds: it submits (so it signs with DKIM, checks the suppression list and files each message in the sweeper index) but never delivers.')
var ingressSections = [
  'Submission'
  'Storage'
  'Dkim'
  'Suppression'
  'Sweeper'
  'Events'
  'Domains'
  'Ingress'
]

@export()
@description('Sections only the ingress reads; every other section goes to the function app.')
var ingressOnlySections = [
  'Ingress'
]

@export()
@description('A DKIM signing key: the private key (PEM) is a Key Vault secret, never a parameter value.')
type dkimKey = {
  @description('Signing domain (d=), e.g. example.com.')
  domain: string

  @description('Selector (s=); the public key is published at <selector>._domainkey.<domain>.')
  selector: string

  @description('Name of the Key Vault secret holding the PEM private key.')
  secretName: string
}
