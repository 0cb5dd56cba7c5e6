#!/usr/bin/python3
"""Verifies every DKIM-Signature of a message with dkimpy (Debian python3-dkim), an implementation independent of ours.

usage: verify_dkim.py MESSAGE_FILE RECORDS_JSON_FILE
RECORDS_JSON_FILE maps "selector._domainkey.domain" to the TXT record's character-strings, which are joined as a resolver
would (RFC 6376 3.6.2.2); nothing is looked up in DNS. Prints one JSON object: the signatures found and, for each, its
d=, s=, a=, h= and whether dkimpy verified it, with dkimpy's log lines when it did not.
"""
import importlib.metadata
import json
import logging
import sys

import dkim

try:
    import nacl.signing  # noqa: F401  dkimpy verifies ed25519-sha256 only with PyNaCl (Debian python3-nacl)
except ImportError:
    sys.exit("PyNaCl is missing: install python3-nacl")


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def main():
    message = open(sys.argv[1], "rb").read()
    with open(sys.argv[2], encoding="utf-8") as f:
        records = {name.lower().rstrip("."): strings for name, strings in json.load(f).items()}

    def dnsfunc(name, timeout=5):
        key = (name.decode("ascii") if isinstance(name, bytes) else name).lower().rstrip(".")
        strings = records.get(key)
        return None if strings is None else "".join(strings).encode("ascii")

    collect = Collect()
    logger = logging.getLogger("dkimpy")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(collect)

    # The header block alone tells how many signatures there are (a field name at the start of a line).
    head = message.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n")
    count = sum(1 for line in head.split(b"\n") if line.lower().startswith(b"dkim-signature:"))

    results = []
    for index in range(count):
        collect.lines.clear()
        verifier = dkim.DKIM(message, logger=logger, minkey=1024)
        try:
            ok = bool(verifier.verify(idx=index, dnsfunc=dnsfunc))
        except dkim.DKIMException as e:  # body hash mismatch and malformed signatures are raised, not returned
            ok = False
            collect.lines.append("%s: %s" % (type(e).__name__, e))
        tags = {k.decode(): v.decode(errors="replace") for k, v in (verifier.signature_fields or {}).items()}
        results.append({
            "ok": ok,
            "d": tags.get("d"), "s": tags.get("s"), "a": tags.get("a"), "c": tags.get("c"), "h": tags.get("h"),
            "l": tags.get("l"),
            "log": [] if ok else list(collect.lines),
        })

    json.dump({"dkimpy": importlib.metadata.version("dkimpy"), "count": count, "signatures": results}, sys.stdout)


main()
