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
# The console log is kept so that a failure is repeated last: CI shows only the tail of a long run, and a failed test
# named in the middle of 1,400 passing ones is otherwise lost.
log="$(mktemp -t smtpfunctions-tests.XXXXXX.log)"
status=0
dotnet test SmtpFunctions.sln -c Release --no-build --nologo \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m \
  "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
  echo "==> Failed tests (repeated from above, with their messages)"
  # A failure block runs from its "Failed <name>" line to the next test's result line.
  awk '/^[[:space:]]+Failed [A-Za-z]/ { on = 1; shown = 0 }
       on && /^[[:space:]]+Passed [A-Za-z]/ { on = 0 }
       on && shown < 40 { print; shown++ }' "$log"
  grep -E "^Test Run (Failed|Aborted)|^[[:space:]]+Failed: [0-9]|The active test run was aborted" "$log" || true
fi
rm -f "$log"
exit "$status"
