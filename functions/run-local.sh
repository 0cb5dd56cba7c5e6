#!/usr/bin/env bash
# The whole system on this machine, in one command (README command 1):
#   Azurite (storage), the HTTP API and queue-triggered delivery (the function app's code on the local host),
#   the SMTP submission ingress, and a local mail catcher that delivery relays to (Postfix's smtp-sink).
# Installs what it needs on a fresh Debian machine (root, or sudo). Ctrl-C stops everything it started.
#
# Ports (override with the variables): API 7071, Azurite 10000-10002, ingress 2587 (STARTTLS) and 2465 (TLS),
# mail catcher 2525, webhook receiver 2590. State (Azurite data, function key, API keys, dev certificate, caught mail,
# logs) lives in .local/, or in STATE_DIR (the test of this script runs it on free ports in a folder of its own).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
STATE="${STATE_DIR:-$ROOT/.local}"
CONFIGURATION="${CONFIGURATION:-Release}"
API_PORT="${API_PORT:-7071}"
BLOB_PORT="${BLOB_PORT:-10000}"
QUEUE_PORT="${QUEUE_PORT:-10001}"
TABLE_PORT="${TABLE_PORT:-10002}"
SMTP_PORT="${SMTP_PORT:-2587}"
SMTPS_PORT="${SMTPS_PORT:-2465}"
INGRESS_HEALTH_PORT="${INGRESS_HEALTH_PORT:-2580}"
CATCHER_PORT="${CATCHER_PORT:-2525}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for_port() { # port, name, pid
  for _ in $(seq 1 600); do
    port_busy "$1" && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 exited; see $STATE/logs/$2.log" >&2; tail -n 30 "$STATE/logs/$2.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$2 did not listen on port $1 within 60 s; see $STATE/logs/$2.log" >&2
  return 1
}

log "Debian packages (Postfix for the mail catcher, and the tools the tests use)"
as_root tests/install-deps.sh

log "Node tools (Azurite, pinned in package-lock.json)"
if [ ! -x node_modules/.bin/azurite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

log "Build ($CONFIGURATION)"
dotnet build functions/SmtpFunctions.LocalHost -c "$CONFIGURATION" --nologo -v quiet
dotnet build functions/SmtpFunctions.Ingress -c "$CONFIGURATION" --nologo -v quiet

for port in "$API_PORT" "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT" "$SMTP_PORT" "$SMTPS_PORT" "$INGRESS_HEALTH_PORT" "$CATCHER_PORT"; do
  if port_busy "$port"; then
    echo "Port $port is already in use (another run?). Stop it, or choose other ports, e.g. API_PORT=7072." >&2
    exit 1
  fi
done

mkdir -p "$STATE/logs" "$STATE/azurite" "$STATE/ingress" "$STATE/mail"
if [ ! -s "$STATE/function-key" ]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$STATE/function-key"
  chmod 600 "$STATE/function-key"
fi
FUNCTION_KEY="$(cat "$STATE/function-key")"
STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$BLOB_PORT/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$QUEUE_PORT/devstoreaccount1;TableEndpoint=http://127.0.0.1:$TABLE_PORT/devstoreaccount1;"

# Each process started below runs in a session of its own (setsid), so that a Ctrl-C or a hang-up reaches only this
# script, and cleanup sends each process exactly one signal, the one it saves its data on: SIGINT for Azurite, whose
# standalone azurite-table has no SIGTERM handler (SIGTERM killed it before it wrote its tables, and the mail of the last
# seconds was gone or back to "queued" at the next start), and which a second signal kills mid-save; SIGTERM for the rest.
PIDS=()
declare -A STOP_SIGNAL=()
STOPPING=0
start() { # stop signal, command...; run in the background, its PID appended to PIDS
  local signal="$1"
  shift
  setsid "$@" &
  PIDS+=($!)
  STOP_SIGNAL[$!]="$signal"
}
cleanup() {
  trap - EXIT INT TERM HUP
  STOPPING=1
  echo
  log "Stopping"
  for pid in "${PIDS[@]}"; do kill -"${STOP_SIGNAL[$pid]}" "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM HUP

log "Azurite on 127.0.0.1:$BLOB_PORT-$TABLE_PORT, a Node process per service (data in $STATE/azurite)"
# A larger young generation than V8's default: Azurite's frequent 10-65 ms scavenges were the tail of every request's
# latency (AzuriteProcess.SemiSpaceMegabytes, where the tests and benchmarks get the same, by the same rule: a
# --max-semi-space-size already in NODE_OPTIONS wins).
AZURITE_NODE_OPTIONS="${NODE_OPTIONS:-}"
case "$AZURITE_NODE_OPTIONS" in
  *--max-semi-space-size*) ;;
  *) AZURITE_NODE_OPTIONS="${AZURITE_NODE_OPTIONS:+$AZURITE_NODE_OPTIONS }--max-semi-space-size=64" ;;
esac
# One process per service, as Azure's services are apart: Azurite's single Node thread bounds every local rate, and
# split in three its services use more than one core and a pause in one holds up only its own requests (the benchmarks'
# default, --azurite per-service: deliver 30-38 % of Postfix's rate against 23-33 % in one process, submit p99 at
# 100/s 39-65 ms against 71-138). The three share the data folder; each keeps its own files in it.
for service in blob queue table; do
  case "$service" in blob) port="$BLOB_PORT" ;; queue) port="$QUEUE_PORT" ;; table) port="$TABLE_PORT" ;; esac
  NODE_OPTIONS="$AZURITE_NODE_OPTIONS" start INT "node_modules/.bin/azurite-$service" --silent --disableTelemetry --skipApiVersionCheck \
    --loose --location "$STATE/azurite" --"${service}Host" 127.0.0.1 --"${service}Port" "$port" \
    > "$STATE/logs/azurite-$service.log" 2>&1
  wait_for_port "$port" "azurite-$service" "${PIDS[-1]}"
done

log "Mail catcher (Postfix smtp-sink) on 127.0.0.1:$CATCHER_PORT; delivered mail lands in $STATE/mail"
SMTP_SINK="$(command -v smtp-sink || echo "$(postconf -h command_directory)/smtp-sink")"
chown postfix "$STATE/mail" 2>/dev/null || as_root chown postfix "$STATE/mail"
start TERM "$SMTP_SINK" -u postfix -c -h catcher.localhost -d "$STATE/mail/%Y%m%d-%H%M%S." "127.0.0.1:$CATCHER_PORT" 256 \
  > "$STATE/logs/catcher.log" 2>&1
wait_for_port "$CATCHER_PORT" catcher "${PIDS[-1]}"

log "HTTP API and delivery (local host) on http://127.0.0.1:$API_PORT"
AzureWebJobsStorage="$STORAGE" \
LocalHost__FunctionKey="$FUNCTION_KEY" \
LocalHost__HostJsonPath="$ROOT/host.json" \
Delivery__LocalDomain="smtpfunctions.localhost" \
Delivery__SmartHost__Host="127.0.0.1" \
Delivery__SmartHost__Port="$CATCHER_PORT" \
Delivery__SmartHost__RequireTls="false" \
Routing__AllowedNetworks="127.0.0.0/8" \
Events__RequireHttps="false" \
Domains__TrustRegistrationsWithoutDns="true" \
Domains__SecretStorePath="$STATE/secrets" \
DOTNET_ENVIRONMENT=Development \
  start TERM dotnet "functions/SmtpFunctions.LocalHost/bin/$CONFIGURATION/net10.0/SmtpFunctions.LocalHost.dll" \
  --urls "http://127.0.0.1:$API_PORT" > "$STATE/logs/localhost.log" 2>&1
wait_for_port "$API_PORT" localhost "${PIDS[-1]}"

# --- API keys (issue 13, helper "keys"): a local tenant with an admin key and a send/read key --------------------
# Made once with the local host's `keys create` command (the bootstrap path), kept in .local/api-keys (Azurite's data
# in .local/azurite keeps their hashes). Only the SHA-256 of each key is in storage; this file is the only copy.
TENANT="${TENANT:-local}"
KEYS_FILE="$STATE/api-keys"
if [ ! -s "$KEYS_FILE" ]; then
  log "API keys for tenant '$TENANT' (keys create)"
  make_key() { # scopes, name
    AzureWebJobsStorage="$STORAGE" dotnet "functions/SmtpFunctions.LocalHost/bin/$CONFIGURATION/net10.0/SmtpFunctions.LocalHost.dll" \
      keys create --tenant "$TENANT" --scopes "$1" --name "$2" | grep '^sf_'
  }
  ADMIN_KEY="$(make_key admin,send,read,suppressions "run-local admin")"
  SEND_KEY="$(make_key send,read "run-local sender")"
  umask 077
  printf 'ADMIN_KEY=%s\nSEND_KEY=%s\n' "$ADMIN_KEY" "$SEND_KEY" > "$KEYS_FILE"
fi
# shellcheck disable=SC1090
. "$KEYS_FILE"
# --- end of API keys ---------------------------------------------------------------------------------------------

# --- Sending domain: the local tenant may send only from its verified domains. Locally a registration is trusted
# without a DNS lookup (Domains:TrustRegistrationsWithoutDns, never set in Azure); its DKIM keys are made all the same
# (0600 files in .local/secrets) and sign the mail.
SENDING_DOMAIN="${SENDING_DOMAIN:-example.com}"
if ! curl -sf "http://127.0.0.1:$API_PORT/api/domains/$SENDING_DOMAIN" -H "x-functions-key: $FUNCTION_KEY" -H "Authorization: Bearer $ADMIN_KEY" \
    | grep -qF '"status":"verified"'; then
  log "Sending domain $SENDING_DOMAIN for tenant '$TENANT'"
  # Registered already (a run stopped half-way): the POST answers it as it is, and verify trusts it.
  curl -sf -X POST "http://127.0.0.1:$API_PORT/api/domains" -H "x-functions-key: $FUNCTION_KEY" -H "Authorization: Bearer $ADMIN_KEY" \
    -H "Content-Type: application/json" -d "{\"domain\":\"$SENDING_DOMAIN\"}" | grep -qF '"status":"verified"' \
  || curl -sf -X POST "http://127.0.0.1:$API_PORT/api/domains/$SENDING_DOMAIN/verify" -H "x-functions-key: $FUNCTION_KEY" \
       -H "Authorization: Bearer $ADMIN_KEY" | grep -qF '"status":"verified"' \
  || { echo "Could not register $SENDING_DOMAIN as a verified sending domain of tenant '$TENANT' (see $STATE/logs/localhost.log)." >&2; exit 1; }
fi
# --- end of sending domain

log "SMTP ingress on 127.0.0.1:$SMTP_PORT (STARTTLS) and :$SMTPS_PORT (TLS)"
AzureWebJobsStorage="$STORAGE" \
DOTNET_ENVIRONMENT=Development \
Ingress__Port="$SMTP_PORT" \
Ingress__ImplicitTlsPort="$SMTPS_PORT" \
Ingress__HealthPort="$INGRESS_HEALTH_PORT" \
Ingress__DevCertificateFolder="$STATE/ingress" \
Ingress__DevUserName="dev@localhost" \
Domains__TrustRegistrationsWithoutDns="true" \
Domains__SecretStorePath="$STATE/secrets" \
  start TERM dotnet "functions/SmtpFunctions.Ingress/bin/$CONFIGURATION/net10.0/SmtpFunctions.Ingress.dll" \
  > "$STATE/logs/ingress.log" 2>&1
wait_for_port "$SMTP_PORT" ingress "${PIDS[-1]}"
for _ in $(seq 1 100); do [ -s "$STATE/ingress/dev-user-password.txt" ] && break; sleep 0.1; done
SMTP_PASSWORD="$(cat "$STATE/ingress/dev-user-password.txt" 2>/dev/null || echo "(see $STATE/logs/ingress.log)")"

# ---- Events (issue 14): a local webhook receiver that checks signatures and prints the events it gets, subscribed once.
WEBHOOK_PORT="${WEBHOOK_PORT:-2590}"
WEBHOOK_URL="http://127.0.0.1:$WEBHOOK_PORT/events"
if port_busy "$WEBHOOK_PORT"; then
  echo "Port $WEBHOOK_PORT (webhook receiver) is already in use; choose another, e.g. WEBHOOK_PORT=2591." >&2
  exit 1
fi
if [ ! -s "$STATE/webhook-secret" ]; then
  printf 'whsec_%s' "$(head -c 32 /dev/urandom | base64 -w0)" > "$STATE/webhook-secret"
  chmod 600 "$STATE/webhook-secret"
fi
WEBHOOK_SECRET="$(cat "$STATE/webhook-secret")"
log "Webhook receiver on $WEBHOOK_URL (events printed to $STATE/logs/webhooks.log)"
start TERM dotnet "functions/SmtpFunctions.LocalHost/bin/$CONFIGURATION/net10.0/SmtpFunctions.LocalHost.dll" webhook-receiver \
  --address 127.0.0.1 --port "$WEBHOOK_PORT" --secret "$WEBHOOK_SECRET" > "$STATE/logs/webhooks.log" 2>&1
wait_for_port "$WEBHOOK_PORT" webhooks "${PIDS[-1]}"
# Subscribed as the local tenant (its admin key): a tenant's subscriptions get that tenant's events only.
if ! curl -sf "http://127.0.0.1:$API_PORT/api/webhooks" -H "x-functions-key: $FUNCTION_KEY" -H "Authorization: Bearer $ADMIN_KEY" | grep -qF "\"$WEBHOOK_URL\""; then
  ANSWER="$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:$API_PORT/api/webhooks" -H "x-functions-key: $FUNCTION_KEY" \
    -H "Authorization: Bearer $ADMIN_KEY" -H "Content-Type: application/json" -d "{\"url\":\"$WEBHOOK_URL\",\"secret\":\"$WEBHOOK_SECRET\"}")"
  if [ "${ANSWER##*$'\n'}" != 201 ]; then
    echo "Could not subscribe the local webhook receiver: ${ANSWER%$'\n'*}" >&2
    exit 1
  fi
fi
# ---- end of events

cat <<EOF

SmtpFunctions is running. Ctrl-C stops it.

  HTTP API     http://127.0.0.1:$API_PORT/api   (OpenAPI: http://127.0.0.1:$API_PORT/api/openapi.json)
  Function key $FUNCTION_KEY
  API keys     tenant $TENANT (sends from $SENDING_DOMAIN): admin $ADMIN_KEY
               send/read $SEND_KEY   (in $KEYS_FILE)
  SMTP         127.0.0.1:$SMTP_PORT (STARTTLS), 127.0.0.1:$SMTPS_PORT (TLS); user dev@localhost, password $SMTP_PASSWORD
  Delivered    mail is relayed to the local catcher and written to $STATE/mail/
  Logs         $STATE/logs/

Send a mail:

  curl -s -X POST http://127.0.0.1:$API_PORT/api/messages \\
    -H "x-functions-key: $FUNCTION_KEY" -H "Authorization: Bearer $SEND_KEY" -H "Content-Type: application/json" \\
    -d '{"from":"alice@$SENDING_DOMAIN","to":"bob@example.net","subject":"Hello","text":"It works."}'

Then ask what became of it (the id is in the answer):

  curl -s http://127.0.0.1:$API_PORT/api/messages/<id> -H "x-functions-key: $FUNCTION_KEY" -H "Authorization: Bearer $SEND_KEY"

Manage keys (the admin key): POST/GET /api/keys, DELETE /api/keys/<id>, e.g.

  curl -s http://127.0.0.1:$API_PORT/api/keys -H "x-functions-key: $FUNCTION_KEY" -H "Authorization: Bearer $ADMIN_KEY"

Watch its events (accepted, delivered, …; signed CloudEvents, checked by the receiver):

  tail -f $STATE/logs/webhooks.log

Or over SMTP:

  swaks --server 127.0.0.1:$SMTP_PORT --tls --auth-user dev@localhost --auth-password '$SMTP_PASSWORD' \\
    --from alice@example.com --to bob@example.net

EOF

# Stop everything as soon as one of them exits.
set +e
wait -n "${PIDS[@]}"
[ "$STOPPING" -eq 1 ] && exit 0
echo "A process exited; see $STATE/logs/." >&2
exit 1
