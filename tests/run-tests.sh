#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine (root, or sudo) and runs every test.
# This is the README's test command; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

echo "==> Debian packages (Postfix, Dovecot, DNS server, swaks, python3-dkim, ...)"
as_root tests/install-deps.sh

echo "==> Node tools (Azurite, pinned in package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error

echo "==> Build (Release, warnings are errors)"
dotnet build SmtpFunctions.sln -c Release --nologo -v minimal

echo "==> Tests"
if [ "$(id -u)" -ne 0 ]; then
  # The real peers (private Postfix instances, smtp-sink, Dovecot) chown their directories to the postfix account and
  # drop privileges to it: only root can. Everything above works with sudo; the tests themselves need root.
  echo "run-tests.sh: the integration tests start private Postfix/Dovecot instances and must run as root: sudo $0" >&2
  exit 1
fi
# Test projects run in parallel; each starts its own Azurite, Postfix, DNS server and Dovecot on loopback.
dotnet test SmtpFunctions.sln -c Release --no-build --nologo \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m \
  "$@"
