#!/usr/bin/env python3
"""Known-answer vectors for crm-webhooks' signature schemes, from an independent implementation.

The TypeScript schemes are tested against these: Python's hmac/hashlib/base64 share no code with
node:crypto or Web Crypto, so agreement means both sides implement the wire format, not one bug twice.
Bodies are given as hex so that bytes which are not valid UTF-8 survive the JSON file unchanged.

Usage:
    python3 scripts/generate-vectors.py          # rewrite the committed vectors
    python3 scripts/generate-vectors.py --check  # exit 1 if the committed file differs (for CI)
"""
import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "packages/core/src/schemes/__vectors__/python-vectors.json"

# Each body is chosen so that JSON.stringify(JSON.parse(body)) would differ from it, or so that decoding it
# as UTF-8 would change its bytes: a receiver that hashes anything but the raw bytes fails these.
BODIES = [
    ("empty body", b""),
    ("plain JSON envelope", b'{"event":"contact.created","timestamp":"2026-04-21T15:42:18Z","data":{"id":"c_1"}}'),
    ("escaped slashes", b'{"url":"https:\\/\\/example.com\\/a\\/b"}'),
    ("\\u escapes", b'{"name":"Ren\\u00e9e \\ud83d\\ude80"}'),
    ("number spellings", b'{"amount":1.0,"big":1e3,"small":1E-2,"neg":-0}'),
    # JavaScript moves integer-like keys first, so JSON.parse reorders this object.
    ("key order", b'{"b":1,"a":2,"10":"ten","2":"two","c":{"z":true,"y":null}}'),
    ("whitespace and newlines", b'{\n  "event" : "deal.won" ,\r\n\t"data" : { }\n}\n'),
    # Spaced like Python's json.dumps, which is how many senders write it.
    ("non-ASCII UTF-8", '{"name": "Renée 🚀 北京", "source_name": "Yelp – Downtown"}'.encode("utf-8")),
    ("form-urlencoded", b"event=contact.created&data=%7B%22id%22%3A%22c_1%22%7D&note=a+b"),
    ("invalid UTF-8: 0xff 0xfe inside a string", b'{"note":"\xff\xfe"}'),
    ("invalid UTF-8: lone continuation byte", b'{"note":"\x80"}'),
    ("invalid UTF-8: overlong slash", b'{"note":"\xc0\xaf"}'),
    ("invalid UTF-8: truncated euro sign", b'{"note":"\xe2\x82"}'),
    ("invalid UTF-8: encoded surrogate", b'{"note":"\xed\xa0\x80"}'),
]

HMAC_SECRETS = [
    "whk_live_8f3a2c91d04e",
    "clé-secrète-ünïcode",
]

STANDARD_SECRETS = [
    "whsec_" + base64.b64encode(bytes(range(32))).decode("ascii"),
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
]

STANDARD_MESSAGES = [
    ("msg_2Lh4kFqX9pRz", 1776786138),
    ("evt-0001", 1614265330),
]

STATIC_SECRETS = ["ar_sk_4c1d9e7b2a", "Key+/With=Symbols_-.~"]


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def hmac_vectors():
    vectors = []
    for secret in HMAC_SECRETS:
        for name, body in BODIES:
            digest = hmac_sha256(secret.encode("utf-8"), body)
            vectors.append({
                "name": name,
                "secret": secret,
                "bodyHex": body.hex(),
                "hex": digest.hex(),
                "base64": base64.b64encode(digest).decode("ascii"),
            })
    return vectors


def standard_webhooks_vectors():
    vectors = []
    for secret in STANDARD_SECRETS:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
        for message_id, timestamp in STANDARD_MESSAGES:
            for name, body in BODIES:
                signed = f"{message_id}.{timestamp}.".encode("utf-8") + body
                signature = "v1," + base64.b64encode(hmac_sha256(key, signed)).decode("ascii")
                vectors.append({
                    "name": name,
                    "secret": secret,
                    "id": message_id,
                    "timestamp": timestamp,
                    "bodyHex": body.hex(),
                    "signature": signature,
                })
    return vectors


def static_secret_vectors():
    # Nothing is signed: the header carries the secret's own bytes, whatever the body.
    return [{"secret": secret, "headerHex": secret.encode("ascii").hex()} for secret in STATIC_SECRETS]


def render() -> str:
    document = {
        "generatedBy": "scripts/generate-vectors.py (python3 hmac, hashlib, base64). Do not edit; rerun the script.",
        "hmacSha256": hmac_vectors(),
        "standardWebhooks": standard_webhooks_vectors(),
        "staticSecret": static_secret_vectors(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python3 scripts/generate-vectors.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
