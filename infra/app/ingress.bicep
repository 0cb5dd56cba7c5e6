// The SMTP submission ingress: a Container Apps environment on its own VNet (external TCP ingress requires one)
// and the container app listening on 587 (STARTTLS) and 465 (implicit TLS). It runs as its own identity, which may
// read only its own secrets and write only what submission writes (rbac.bicep); the TLS certificate and the SMTP users
// file are Key Vault secrets that Container Apps fetches with that identity and mounts as files, DKIM keys and other
// secrets arrive as Key Vault-backed environment variables.
//
// Container Apps' TCP ingress does not preserve client addresses: every connection reaches the container from an
// internal address of the environment. The ingress detects Container Apps (CONTAINER_APP_NAME) and then limits AUTH
// failures per account rather than per address, and refuses Ingress:TrustedNetworks (docs/deploy.md).

import { dkimKey } from 'options.bicep'

@description('Container Apps environment name.')
param environmentName string

@description('Container app name.')
param name string

@description('Region.')
param location string

@description('Tags for the resources (the app also gets azd-service-name).')
param tags object

@description('azd service name (azure.yaml) the app is tagged with.')
param serviceName string

@description('Subnet for the environment (delegated to Microsoft.App/environments).')
param infrastructureSubnetId string

@description('Log Analytics workspace that receives the environment\'s console and system logs.')
param workspaceId string

@description('Resource id of the ingress\'s own user-assigned identity.')
param identityId string

@description('Login server of the registry azd pushes the image to.')
param registryLoginServer string

@description('Image to run; empty until `azd deploy` has pushed one (a placeholder runs meanwhile).')
param image string

@description('False until the certificate and users secrets exist in Key Vault: the app is then created with no replicas and no Key Vault secrets, so provisioning cannot fail on them.')
param enabled bool

@description('Identity-based storage connection and Application Insights settings, with the ingress identity\'s client id.')
param platformSettings object

@description('Key Vault URI (https://name.vault.azure.net/).')
param keyVaultUri string

@description('Key Vault secret with the TLS certificate (a Key Vault certificate\'s secret: base64 PFX, or PEM).')
param certificateSecretName string

@description('Key Vault secret with the SMTP users file (JSON, PBKDF2 password hashes).')
param usersSecretName string

@description('Mail-system options for the ingress: configuration key (Section__Property) to string value.')
param options object

@description('DKIM signing keys (submission signs, so the ingress needs them as well).')
param dkimKeys dkimKey[]

@description('Settings whose value is a Key Vault secret: configuration key to secret name.')
param keyVaultReferences object

@description('Fewest replicas while enabled (1 or more keeps port 587 answering).')
@minValue(0)
param minReplicas int

@description('Most replicas.')
@minValue(1)
param maxReplicas int

@description('Concurrent SMTP connections per replica before another replica is added.')
@minValue(1)
param concurrentConnectionsPerReplica int

@description('CPU cores per replica.')
param cpu string

@description('Memory per replica, e.g. 1Gi.')
param memory string

var smtpPort = 587
var smtpsPort = 465
// The ingress's health endpoint (IngressHost.HealthPath on Ingress:HealthPort), inside the replica only: no ingress port.
var healthPath = '/healthz'
var healthPort = int(options.Ingress__HealthPort)
var secretsMountPath = '/mnt/secrets'
var certificateFile = 'tls-certificate'
var usersFile = 'smtp-users.json'
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'
// The placeholder is an HTTP sample that listens on 80: the ingress (and the platform's default probes, which follow
// its target port) must point there until azd deploys the real image, or the revision never becomes ready.
var placeholderPort = 80
var usesPlaceholder = empty(image)

var fileSecrets = enabled
  ? [
      {
        name: 'tls-certificate'
        keyVaultUrl: '${keyVaultUri}secrets/${certificateSecretName}'
        identity: identityId
      }
      {
        name: 'smtp-users'
        keyVaultUrl: '${keyVaultUri}secrets/${usersSecretName}'
        identity: identityId
      }
    ]
  : []

// While disabled, no Key Vault secret at all is attached: on a first deployment none of them exists yet, and
// Container Apps fails the revision on a secret it cannot fetch (the DKIM keys and setting secrets included).
var dkimSecrets = [
  for (key, i) in (enabled ? dkimKeys : []): {
    name: 'dkim-key-${i}'
    keyVaultUrl: '${keyVaultUri}secrets/${key.secretName}'
    identity: identityId
  }
]

// Container Apps secret names allow lower-case letters, digits, '-' and '.'.
var settingSecrets = [
  for setting in items(enabled ? keyVaultReferences : {}): {
    name: 'setting-${toLower(replace(setting.key, '_', '-'))}'
    keyVaultUrl: '${keyVaultUri}secrets/${setting.value}'
    identity: identityId
  }
]

// Where the secret volume puts the files; the ingress reads these paths.
var fileSettings = {
  Ingress__CertificatePath: '${secretsMountPath}/${certificateFile}'
  Ingress__UsersFile: '${secretsMountPath}/${usersFile}'
}

var dkimEnvironment = flatten(map(range(0, enabled ? length(dkimKeys) : 0), i => [
  {
    name: 'Dkim__Keys__${i}__Domain'
    value: dkimKeys[i].domain
  }
  {
    name: 'Dkim__Keys__${i}__Selector'
    value: dkimKeys[i].selector
  }
  {
    name: 'Dkim__Keys__${i}__PrivateKey'
    secretRef: 'dkim-key-${i}'
  }
]))

var secretEnvironment = [
  for setting in items(enabled ? keyVaultReferences : {}): {
    name: setting.key
    secretRef: 'setting-${toLower(replace(setting.key, '_', '-'))}'
  }
]

var plainEnvironment = map(items(union(options, fileSettings, platformSettings)), setting => {
  name: setting.key
  value: setting.value
})

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // Logs go to Azure Monitor and on to the workspace through the diagnostic setting below: no workspace key.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    vnetConfiguration: {
      infrastructureSubnetId: infrastructureSubnetId
      internal: false
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: false
  }
}

// 2021-05-01-preview is the newest version of this type; the linter offers only 2016-09-01, a different shape (no
// categoryGroup, name fixed to 'service').
#disable-next-line use-recent-api-versions
resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        transport: 'tcp'
        targetPort: usesPlaceholder ? placeholderPort : smtpPort
        exposedPort: smtpPort
        additionalPortMappings: usesPlaceholder
          ? []
          : [
              {
                external: true
                targetPort: smtpsPort
                exposedPort: smtpsPort
              }
            ]
      }
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
      secrets: concat(fileSecrets, dkimSecrets, settingSecrets)
    }
    template: {
      containers: [
        {
          name: 'ingress'
          image: usesPlaceholder ? placeholderImage : image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          env: concat(plainEnvironment, dkimEnvironment, secretEnvironment)
          volumeMounts: enabled
            ? [
                {
                  volumeName: 'ingress-secrets'
                  mountPath: secretsMountPath
                }
              ]
            : []
          // A listener that stops accepting is restarted (and counted: the ingress-restarts alert watches it). The
          // probes ask /healthz, which is healthy while both SMTP listeners are bound: a TCP probe on 587 would open an
          // SMTP session (greeting, logs, a connection slot) every few seconds per replica.
          probes: usesPlaceholder
            ? []
            : [
                {
                  type: 'Liveness'
                  httpGet: {
                    path: healthPath
                    port: healthPort
                  }
                  initialDelaySeconds: 5
                  periodSeconds: 15
                  failureThreshold: 3
                }
                {
                  type: 'Readiness'
                  httpGet: {
                    path: healthPath
                    port: healthPort
                  }
                  periodSeconds: 5
                  failureThreshold: 3
                }
              ]
        }
      ]
      volumes: enabled
        ? [
            {
              name: 'ingress-secrets'
              storageType: 'Secret'
              secrets: [
                {
                  secretRef: 'tls-certificate'
                  path: certificateFile
                }
                {
                  secretRef: 'smtp-users'
                  path: usersFile
                }
              ]
            }
          ]
        : []
      scale: {
        minReplicas: enabled ? minReplicas : 0
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'smtp-connections'
            tcp: {
              metadata: {
                concurrentConnections: string(concurrentConnectionsPerReplica)
              }
            }
          }
        ]
      }
    }
  }
}

@description('Container app name.')
output name string = app.name

@description('Container app resource id.')
output id string = app.id

@description('Container Apps environment id.')
output environmentId string = environment.id

@description('Public IP of the environment: point the submission host name (A record) at it.')
output staticIp string = environment.properties.staticIp

@description('Fully qualified name of the app\'s ingress.')
output fqdn string = app.properties.configuration.ingress.fqdn
