#!/usr/bin/env bash
# Installs the Debian packages behind the integration tests' real peers (tests/SmtpFunctions.Testing):
# Postfix with smtp-sink/smtp-source, BIND as the test DNS server, Dovecot IMAP + LMTP, swaks, Python with dkim.
# Idempotent: when every package is already installed it changes nothing and does not touch the network.
# Run as root (or with sudo) on Debian 12. Other engineers: ask the lead to add packages here.
#
# The packages' own daemons (the system Postfix on port 25, named on 53, Dovecot on 143) are NOT started: tests start
# private instances on 127.a.b.c addresses and free ports. While installing, a temporary policy-rc.d forbids service
# starts unless the machine already has one (containers usually do).
set -euo pipefail

packages=(
  postfix         # smtpd, master, postconf, postqueue, smtp-sink, smtp-source
  swaks           # independent SMTP client
  libnet-ssleay-perl  # swaks --tls (Net::SSLeay is only a Recommends of swaks; without it swaks exits "TLS not available")
  bind9           # named: authoritative test zones (A, AAAA, MX, null MX, TXT, NXDOMAIN, SERVFAIL)
  bind9-dnsutils  # dig, for looking at a test zone by hand
  dovecot-imapd   # IMAP for the MUA end of the chain
  dovecot-lmtpd   # LMTP from Postfix into Dovecot
  python3         # smtplib as an independent client
  python3-dkim    # independent DKIM verification
  procps          # kill, ps (fixtures signal daemons by PID)
  bsdutils        # script: shows the postfix command's own errors on a pseudo-terminal
  openssl
  ca-certificates
)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -- "$0" "$@"
  fi
  echo "install-deps.sh: run as root (apt-get install needs it)" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# Postfix asks what kind of system this is: "Local only" writes a main.cf that listens on loopback only (the
# fixtures' postconf calls need a main.cf), and nothing is started anyway (below).
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections

policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# Temporary, from tests/install-deps.sh: no service starts while installing.\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps.sh: done"
