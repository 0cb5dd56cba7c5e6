// Names the workbook and the alert rules query. Metric names are SmtpFunctions.Core.Telemetry.MailMetrics' (the
// infra tests check that every one of them is charted); the Azure Monitor exporter sends them to Application
// Insights as customMetrics rows with the name unchanged and the dimensions in customDimensions.

@export()
@description('Custom metric names, as in MailMetrics.')
var metricNames = {
  meter: 'SmtpFunctions'
  messagesSubmitted: 'smtpfunctions.messages.submitted'
  submissionsRejected: 'smtpfunctions.submissions.rejected'
  submissionDuration: 'smtpfunctions.submission.duration'
  deliveryAttempts: 'smtpfunctions.delivery.attempts'
  deliveryLatency: 'smtpfunctions.delivery.latency'
  queueAge: 'smtpfunctions.queue.age'
  bouncesSent: 'smtpfunctions.bounces.sent'
  smtpSessions: 'smtpfunctions.smtp.sessions'
  ingressSessions: 'smtpfunctions.ingress.sessions'
  suppressionsAdded: 'smtpfunctions.suppressions.added'
  recipientsSuppressed: 'smtpfunctions.recipients.suppressed'
  pacingDeferrals: 'smtpfunctions.pacing.deferrals'
  pacingBackoffs: 'smtpfunctions.pacing.backoffs'
  pacingWait: 'smtpfunctions.pacing.wait'
  deliveryPoisoned: 'smtpfunctions.delivery.poisoned'
  jobsLeftToSweeper: 'smtpfunctions.submission.jobs_left_to_sweeper'
  recipientsRedriven: 'smtpfunctions.recipients.redriven'
  deliveryUnconfirmed: 'smtpfunctions.delivery.unconfirmed'
  eventsDispatched: 'smtpfunctions.events.dispatched'
  webhookDeliveries: 'smtpfunctions.webhooks.deliveries'
  eventIntentsLate: 'smtpfunctions.events.intents.late'
  eventsPoisoned: 'smtpfunctions.events.poisoned'
}

@export()
@description('Delivery outcomes (the outcome dimension of delivery.attempts) that count as failures.')
var failedOutcomes = [
  'failed'
  'expired'
]

@export()
@description('The poison queue (StorageNames.OutboundPoisonQueue).')
var poisonQueueName = 'outbound-poison'

// DeliverMessage counts the failure after which the host moves the job to the poison queue. A metric, not the host's
// "Moving message to queue 'outbound-poison'" warning: traces may be sampled, metrics are not, and the alert must
// not miss a single job.
@export()
@description('KQL over customMetrics: the jobs moved to the poison queue (sum the Moved column).')
var poisonMovesQuery = 'customMetrics | where name == "${metricNames.deliveryPoisoned}" | extend Moved = valueSum'
