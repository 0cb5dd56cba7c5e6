// Alert rules and the action group they notify. Log alerts query Application Insights (custom metrics, which are
// never sampled, and the Functions host's requests); the ingress is watched through Container Apps platform metrics, because Azure Monitor's
// availability tests speak HTTP only and the ingress speaks SMTP over TCP.

import { metricNames, failedOutcomes, poisonMovesQuery } from 'telemetry-names.bicep'

@description('Name prefix of the rules.')
param namePrefix string

@description('Region of the log alert rules.')
param location string

@description('Tags for the resources.')
param tags object

@description('Application Insights resource id (scope of the log alerts).')
param applicationInsightsId string

@description('Function app name (its cloud_RoleName in Application Insights).')
param functionAppName string

@description('Ingress container app resource id.')
param ingressAppId string

@description('Whether the ingress is meant to be running (its alerts are off until it is).')
param ingressEnabled bool

@description('Optional e-mail address that receives the alerts. Empty: the action group has no receivers.')
param alertEmail string

@description('Failure-rate alert: percent of delivery outcomes that are failures, above which it fires.')
@minValue(1)
@maxValue(100)
param failureRateThresholdPercent int

@description('Failure-rate alert: fewest delivery outcomes in the window before the rate counts (one failure out of two is noise).')
@minValue(1)
param failureRateMinimumAttempts int

@description('Function-errors alert: failed executions in 15 minutes above which it fires.')
@minValue(0)
param functionErrorThreshold int

@description('Ingress-restarts alert: replica restarts in 15 minutes above which it fires.')
@minValue(0)
param ingressRestartThreshold int

var outcomeList = join(map(failedOutcomes, o => '"${o}"'), ', ')

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-alerts'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'smtpalerts'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'operator'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

resource poisonQueue 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: '${namePrefix}-poison-queue-not-empty'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'SmtpFunctions: poison queue not empty'
    description: 'A delivery job failed maxDequeueCount times and was moved to the poison queue: its recipients will not be retried until an operator looks at it (docs/deploy.md, "Poison queue").'
    severity: 1
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      applicationInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: poisonMovesQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'Moved'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource failureRate 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: '${namePrefix}-delivery-failure-rate'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'SmtpFunctions: delivery failure rate above ${failureRateThresholdPercent}%'
    description: 'More than ${failureRateThresholdPercent}% of delivery outcomes in the last hour were ${outcomeList} (at least ${failureRateMinimumAttempts} outcomes). Look at the workbook\'s recipient-domain table.'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    scopes: [
      applicationInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "${metricNames.deliveryAttempts}" | extend outcome = tostring(customDimensions["outcome"]) | where outcome != "suppressed" | summarize Failed = sumif(valueSum, outcome in (${outcomeList})), Total = sum(valueSum) | where Total >= ${failureRateMinimumAttempts} | extend FailureRate = 100.0 * Failed / Total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'FailureRate'
          operator: 'GreaterThan'
          threshold: failureRateThresholdPercent
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource functionErrors 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: '${namePrefix}-function-errors'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'SmtpFunctions: function executions failing'
    description: 'Function executions failed (an unhandled exception: storage unreachable, a bug). Delivery retries them through the queue; repeated failures end in the poison queue.'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    scopes: [
      applicationInsightsId
    ]
    criteria: {
      allOf: [
        {
          query: 'requests | where cloud_RoleName =~ "${functionAppName}" and success == false'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: functionErrorThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

resource ingressDown 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: '${namePrefix}-ingress-down'
  location: 'global'
  tags: tags
  properties: {
    description: 'The SMTP ingress has no running replica: submission on 587/465 is down.'
    severity: 1
    enabled: ingressEnabled
    scopes: [
      ingressAppId
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    targetResourceType: 'Microsoft.App/containerApps'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'no-replicas'
          metricNamespace: 'Microsoft.App/containerApps'
          metricName: 'Replicas'
          operator: 'LessThan'
          threshold: 1
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource ingressRestarts 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: '${namePrefix}-ingress-restarts'
  location: 'global'
  tags: tags
  properties: {
    description: 'SMTP ingress replicas are restarting (the TCP liveness probe on 587 failed, or the process exited).'
    severity: 2
    enabled: ingressEnabled
    scopes: [
      ingressAppId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    targetResourceType: 'Microsoft.App/containerApps'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'restarts'
          metricNamespace: 'Microsoft.App/containerApps'
          metricName: 'RestartCount'
          operator: 'GreaterThan'
          threshold: ingressRestartThreshold
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

@description('Action group id.')
output actionGroupId string = actionGroup.id
