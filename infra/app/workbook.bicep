// The portal workbook: mail flow (submitted, rejected, delivery outcomes, failure rate), speed (submission time,
// delivery latency, queue age), the poison queue, function failures and the ingress. serializedData is built from
// a Bicep object with string(), so the layout stays reviewable here.

import { metricNames, failedOutcomes, poisonMovesQuery } from 'telemetry-names.bicep'

@description('Region.')
param location string

@description('Tags for the resource.')
param tags object

@description('Display name in the portal.')
param displayName string

@description('Application Insights name: the workbook\'s home and the scope of its queries.')
param applicationInsightsName string

@description('Storage account resource id (queue service metrics).')
param storageAccountId string

@description('Ingress container app resource id (replica and restart metrics).')
param ingressAppId string

@description('Function app name (its cloud_RoleName in Application Insights).')
param functionAppName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var applicationInsightsId = applicationInsights.id
var outcomeList = join(map(failedOutcomes, o => '"${o}"'), ', ')

// One KQL chart over customMetrics or other Application Insights tables.
func kql(name string, title string, query string, visualization string, width string) object => {
  type: 3
  name: name
  customWidth: width
  content: {
    version: 'KqlItem/1.0'
    title: title
    query: query
    size: 0
    queryType: 0
    resourceType: 'microsoft.insights/components'
    timeContextFromParameter: 'TimeRange'
    visualization: visualization
  }
}

// One Azure Monitor (platform) metrics chart.
func platformMetric(name string, title string, resourceType string, resourceId string, metric string, aggregation int) object => {
  type: 10
  name: name
  customWidth: '50'
  content: {
    chartId: name
    version: 'MetricsItem/2.0'
    title: title
    size: 0
    chartType: 2
    resourceType: resourceType
    metricScope: 0
    resourceIds: [
      resourceId
    ]
    timeContextFromParameter: 'TimeRange'
    timeContext: {
      durationMs: 86400000
    }
    metrics: [
      {
        namespace: resourceType
        metric: metric
        aggregation: aggregation
      }
    ]
  }
}

// Workbook metric aggregations: 1 = sum, 3 = max, 4 = average.
var sum = 1
var maximum = 3
var average = 4

// A counter summed per grain, split by one dimension.
func counterBy(metric string, dimension string) string =>
  'customMetrics | where name == "${metric}" | summarize Count = sum(valueSum) by bin(timestamp, {TimeRange:grain}), ${dimension} = tostring(customDimensions["${dimension}"])'

// A histogram's average and maximum per grain.
func histogram(metric string) string =>
  'customMetrics | where name == "${metric}" | summarize Average = sum(valueSum) / sum(valueCount), Max = max(valueMax) by bin(timestamp, {TimeRange:grain})'

var content = {
  version: 'Notebook/1.0'
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
  fallbackResourceIds: [
    applicationInsightsId
  ]
  items: [
    {
      type: 1
      name: 'header'
      content: {
        json: '# SmtpFunctions\nMail flow and delivery health. Metrics come from the `${metricNames.meter}` meter; each one is described in docs/telemetry.md. Counters are summed per time grain; histograms show the average and the largest value per grain.'
      }
    }
    {
      type: 9
      name: 'parameters'
      content: {
        version: 'KqlParameterItem/1.0'
        parameters: [
          {
            id: 'time-range'
            version: 'KqlParameterItem/1.0'
            name: 'TimeRange'
            label: 'Time range'
            type: 4
            isRequired: true
            value: {
              durationMs: 86400000
            }
            typeSettings: {
              selectableValues: [
                { durationMs: 3600000 }
                { durationMs: 14400000 }
                { durationMs: 86400000 }
                { durationMs: 259200000 }
                { durationMs: 604800000 }
              ]
            }
          }
        ]
      }
    }
    kql(
      'submitted',
      'Messages submitted, by source (${metricNames.messagesSubmitted})',
      counterBy(metricNames.messagesSubmitted, 'source'),
      'timechart',
      '50'
    )
    kql(
      'rejected',
      'Submissions rejected, by reason (${metricNames.submissionsRejected})',
      counterBy(metricNames.submissionsRejected, 'reason'),
      'timechart',
      '50'
    )
    kql(
      'attempts',
      'Delivery outcomes per recipient (${metricNames.deliveryAttempts})',
      counterBy(metricNames.deliveryAttempts, 'outcome'),
      'timechart',
      '50'
    )
    kql(
      'failure-rate',
      'Failure rate, % of delivery outcomes that are ${outcomeList} (${metricNames.deliveryAttempts})',
      'customMetrics | where name == "${metricNames.deliveryAttempts}" | extend outcome = tostring(customDimensions["outcome"]) | where outcome != "suppressed" | summarize Failed = sumif(valueSum, outcome in (${outcomeList})), Total = sum(valueSum) by bin(timestamp, {TimeRange:grain}) | project timestamp, FailureRate = round(100.0 * Failed / Total, 2)',
      'timechart',
      '50'
    )
    kql(
      'domains',
      'Recipient domains: outcomes (${metricNames.deliveryAttempts}) and latency (${metricNames.deliveryLatency}, s)',
      'let outcomes = customMetrics | where name == "${metricNames.deliveryAttempts}" | extend domain = tostring(customDimensions["domain"]), outcome = tostring(customDimensions["outcome"]) | summarize Count = sum(valueSum) by domain, outcome | evaluate pivot(outcome, sum(Count)); let latency = customMetrics | where name == "${metricNames.deliveryLatency}" | extend domain = tostring(customDimensions["domain"]) | summarize AverageLatency = round(sum(valueSum) / sum(valueCount), 1), MaxLatency = round(max(valueMax), 1) by domain; outcomes | join kind=leftouter latency on domain | project-away domain1 | top 50 by domain asc',
      'table',
      '100'
    )
    kql(
      'latency',
      'Delivery latency, submit to delivered (${metricNames.deliveryLatency}, s)',
      histogram(metricNames.deliveryLatency),
      'timechart',
      '50'
    )
    kql(
      'queue-age',
      'Time jobs waited in the queue (${metricNames.queueAge}, s)',
      histogram(metricNames.queueAge),
      'timechart',
      '50'
    )
    kql(
      'submission-duration',
      'Time to accept a message durably (${metricNames.submissionDuration}, s)',
      histogram(metricNames.submissionDuration),
      'timechart',
      '50'
    )
    kql(
      'bounces',
      'Bounces (DSNs) sent (${metricNames.bouncesSent})',
      'customMetrics | where name == "${metricNames.bouncesSent}" | summarize Count = sum(valueSum) by bin(timestamp, {TimeRange:grain})',
      'timechart',
      '50'
    )
    kql(
      'smtp-sessions',
      'SMTP sessions to peers, by connection reuse (${metricNames.smtpSessions})',
      counterBy(metricNames.smtpSessions, 'reused'),
      'timechart',
      '50'
    )
    kql(
      'suppressions-added',
      'Addresses suppressed, by enhanced status code (${metricNames.suppressionsAdded})',
      counterBy(metricNames.suppressionsAdded, 'code'),
      'timechart',
      '50'
    )
    kql(
      'recipients-suppressed',
      'Recipients not sent to because suppressed, at submission or delivery (${metricNames.recipientsSuppressed})',
      counterBy(metricNames.recipientsSuppressed, 'stage'),
      'timechart',
      '50'
    )
    kql(
      'pacing-deferrals',
      'Jobs held back by pacing, by reason (${metricNames.pacingDeferrals})',
      counterBy(metricNames.pacingDeferrals, 'reason'),
      'timechart',
      '50'
    )
    kql(
      'pacing-backoffs',
      'Destination backoffs after throttling replies, by recipient domain (${metricNames.pacingBackoffs})',
      counterBy(metricNames.pacingBackoffs, 'domain'),
      'timechart',
      '50'
    )
    kql(
      'pacing-wait',
      'Time jobs waited for a session slot or rate turn (${metricNames.pacingWait}, s)',
      histogram(metricNames.pacingWait),
      'timechart',
      '50'
    )
    kql(
      'poisoned',
      'Jobs taken from the poison queue, by kind (${metricNames.deliveryPoisoned})',
      counterBy(metricNames.deliveryPoisoned, 'kind'),
      'timechart',
      '50'
    )
    kql(
      'redriven',
      'Recipients re-driven by the sweeper or the poison watcher, by reason (${metricNames.recipientsRedriven})',
      counterBy(metricNames.recipientsRedriven, 'reason'),
      'timechart',
      '50'
    )
    kql(
      'left-to-sweeper',
      'Jobs of accepted messages left to the sweeper: their enqueue after the commit failed (${metricNames.jobsLeftToSweeper})',
      'customMetrics | where name == "${metricNames.jobsLeftToSweeper}" | summarize Jobs = sum(valueSum) by bin(timestamp, {TimeRange:grain})',
      'timechart',
      '50'
    )
    kql(
      'unconfirmed',
      'Recipients sent the whole message without a reply to it (the duplicate window), by domain (${metricNames.deliveryUnconfirmed})',
      counterBy(metricNames.deliveryUnconfirmed, 'domain'),
      'timechart',
      '50'
    )
    kql(
      'events-dispatched',
      'Recipient events dispatched to webhooks and Event Grid, by event (${metricNames.eventsDispatched})',
      counterBy(metricNames.eventsDispatched, 'event'),
      'timechart',
      '50'
    )
    kql(
      'webhook-deliveries',
      'Webhook and Event Grid tries, by outcome (${metricNames.webhookDeliveries})',
      counterBy(metricNames.webhookDeliveries, 'outcome'),
      'timechart',
      '50'
    )
    kql(
      'event-intents-late',
      'Event intents sent again by the sweeper or left for it, by stage (${metricNames.eventIntentsLate})',
      counterBy(metricNames.eventIntentsLate, 'stage'),
      'timechart',
      '50'
    )
    kql(
      'events-poisoned',
      'Event messages taken from events-poison, by outcome (${metricNames.eventsPoisoned})',
      counterBy(metricNames.eventsPoisoned, 'outcome'),
      'timechart',
      '50'
    )
    kql(
      'ingress-sessions',
      'Ingress SMTP sessions, by result (${metricNames.ingressSessions})',
      counterBy(metricNames.ingressSessions, 'result'),
      'timechart',
      '50'
    )
    {
      type: 1
      name: 'poison-header'
      content: {
        json: '## Poison queue\nAzure Monitor counts queue messages per account, not per queue, so the depth of the poison queue is not a platform metric. The chart below counts the jobs moved to the poison queue (the metric ${metricNames.deliveryPoisoned}, counted by RedrivePoisonedJob as it takes each job off the poison queue), which is what the "poison queue not empty" alert fires on; the account-wide message count beside it shows the backlog of all queues.'
      }
    }
    kql(
      'poison',
      'Jobs moved to the poison queue',
      '${poisonMovesQuery} | summarize Moved = sum(Moved) by bin(timestamp, {TimeRange:grain})',
      'timechart',
      '50'
    )
    platformMetric(
      'queue-messages',
      'Messages in all queues (outbound + poison)',
      'microsoft.storage/storageaccounts/queueservices',
      '${storageAccountId}/queueServices/default',
      'microsoft.storage/storageaccounts/queueservices-Capacity-QueueMessageCount',
      average
    )
    kql(
      'function-failures',
      'Failed function executions, by function',
      'requests | where cloud_RoleName =~ "${functionAppName}" and success == false | summarize Failed = count() by bin(timestamp, {TimeRange:grain}), name',
      'timechart',
      '50'
    )
    platformMetric(
      'ingress-replicas',
      'Ingress replicas',
      'microsoft.app/containerapps',
      ingressAppId,
      'microsoft.app/containerapps--Replicas',
      maximum
    )
    platformMetric(
      'ingress-restarts',
      'Ingress replica restarts',
      'microsoft.app/containerapps',
      ingressAppId,
      'microsoft.app/containerapps--RestartCount',
      sum
    )
  ]
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(applicationInsights.id, 'smtpfunctions-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string(content)
  }
}

@description('Workbook resource id.')
output id string = workbook.id
