"""Standard Webhooks signatures: the secrets partners sign with, and checking a request.

A partner signs each webhook (https://www.standardwebhooks.com/) with one of its
secrets, ``whsec_`` + base64 of 32 random bytes::

    webhook-id:        msg_2KWPBgLlAfxdpx2AI54pPJ85f4W      (unique per message)
    webhook-timestamp: 1767225600                          (Unix seconds)
    webhook-signature: v1,<base64 HMAC-SHA256> [v1,<…> …]  (space-separated)

    signed content = "{webhook-id}.{webhook-timestamp}.{raw body}"

The hub accepts the request when one ``v1`` signature matches one of the partner's
active secrets (two may be active while the partner rotates), compared in constant
time by the ``standardwebhooks`` library, and the timestamp is within five minutes of
the hub's clock (a captured request cannot be replayed later). Each failure has its
own code, all 401:

    webhook_signature_missing        a header is absent
    webhook_headers_invalid          a header is malformed (id, timestamp, signature list)
    webhook_timestamp_out_of_range   the timestamp is more than 5 minutes off
    webhook_signature_invalid        no signature matches an active secret (or no secret)

The signature covers the body's bytes exactly as received, whatever they are: the
signature is checked first, and a correctly signed body that is not UTF-8 is then
refused by the envelope (``400 invalid_delivery``, error type ``not_utf8``), never
with a 401 — the sender is who it says, its body is what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import JsonValue
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError

from issuer_api.errors import ApiError

logger = logging.getLogger(__name__)

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the format's visible prefix, not a secret
SECRET_BYTES: Final = 32
HINT_CHARS: Final = len(SECRET_PREFIX) + 4
TOLERANCE: Final = timedelta(minutes=5)

ID_HEADER: Final = "webhook-id"
TIMESTAMP_HEADER: Final = "webhook-timestamp"
SIGNATURE_HEADER: Final = "webhook-signature"
HEADERS: Final = (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)

MAX_ID_CHARS: Final = 255  # Delivery.webhook_id
MAX_SIGNATURES: Final = 16
_ID = re.compile(r"^[\x21-\x7e]{1,255}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_VERSION = re.compile(r"^v[0-9a-z]{1,8}$")
_CHALLENGE: Final = {"WWW-Authenticate": 'Webhook-Signature realm="obhub"'}


# --------------------------------------------------------------------------- errors


class _WebhookAuthError(ApiError):
    status_code = 401

    def __init__(self, *, details: JsonValue = None) -> None:
        super().__init__(details=details, headers=_CHALLENGE)


class WebhookSignatureMissingError(_WebhookAuthError):
    code = "webhook_signature_missing"


class WebhookHeadersInvalidError(_WebhookAuthError):
    code = "webhook_headers_invalid"


class WebhookTimestampOutOfRangeError(_WebhookAuthError):
    code = "webhook_timestamp_out_of_range"


class WebhookSignatureInvalidError(_WebhookAuthError):
    code = "webhook_signature_invalid"


# --------------------------------------------------------------------------- secrets


def new_secret() -> str:
    """A new signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode("ascii")


def hint(secret: str) -> str:
    """The first characters of a secret, to tell secrets apart in listings."""
    return secret[:HINT_CHARS]


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class SignedRequest:
    """What the headers of a well-formed, timely webhook say."""

    webhook_id: str
    timestamp: int
    signatures: str  # the well-formed entries of webhook-signature


def parse_headers(headers: Mapping[str, str], *, now: datetime | None = None) -> SignedRequest:
    """Check presence, syntax and freshness of the three headers (not the signature)."""
    values = {name: headers.get(name) for name in HEADERS}
    missing: list[JsonValue] = [name for name, value in values.items() if not value]
    if missing:
        raise WebhookSignatureMissingError(details={"missing": missing})
    webhook_id = str(values[ID_HEADER])
    timestamp = str(values[TIMESTAMP_HEADER]).strip()
    if not _ID.fullmatch(webhook_id):
        raise WebhookHeadersInvalidError(
            details={"header": ID_HEADER, "expected": f"1-{MAX_ID_CHARS} printable characters"}
        )
    if not _TIMESTAMP.fullmatch(timestamp):
        raise WebhookHeadersInvalidError(
            details={"header": TIMESTAMP_HEADER, "expected": "Unix time in seconds"}
        )
    signatures = _signature_entries(str(values[SIGNATURE_HEADER]))
    current = int((now or datetime.now(UTC)).timestamp())
    if abs(current - int(timestamp)) > TOLERANCE.total_seconds():
        raise WebhookTimestampOutOfRangeError(
            details={"tolerance_seconds": int(TOLERANCE.total_seconds())}
        )
    return SignedRequest(webhook_id, int(timestamp), signatures)


def _signature_entries(header: str) -> str:
    entries = header.split()
    if not entries or len(entries) > MAX_SIGNATURES:
        raise WebhookHeadersInvalidError(
            details={"header": SIGNATURE_HEADER, "expected": "1 to 16 'v1,<base64>' entries"}
        )
    kept: list[str] = []
    for entry in entries:
        version, comma, value = entry.partition(",")
        if not comma or not _VERSION.fullmatch(version) or not value or "," in value:
            raise WebhookHeadersInvalidError(
                details={"header": SIGNATURE_HEADER, "expected": "'v1,<base64>' entries"}
            )
        if version != "v1":
            continue  # another scheme (v1a: asymmetric): not one this hub checks
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise WebhookHeadersInvalidError(
                details={"header": SIGNATURE_HEADER, "expected": "base64 signatures"}
            ) from None
        if len(decoded) != 32:
            raise WebhookHeadersInvalidError(
                details={"header": SIGNATURE_HEADER, "expected": "HMAC-SHA256 (32 bytes)"}
            )
        kept.append(entry)
    return " ".join(kept)


def verify(
    secrets: Sequence[str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> SignedRequest:
    """The checked request, or the 401 error saying what is wrong (module docstring).

    Every secret is tried (rotation: two may be active); a secret that cannot be used
    is logged and skipped.
    """
    signed = parse_headers(headers, now=now)
    if not signed.signatures:
        raise WebhookSignatureInvalidError()
    checked = {
        ID_HEADER: signed.webhook_id,
        TIMESTAMP_HEADER: str(signed.timestamp),
        SIGNATURE_HEADER: signed.signatures,
    }
    for secret in secrets:
        try:
            Webhook(secret).verify(body, checked, json_parse=False)
        except WebhookVerificationError:
            continue
        except (ValueError, binascii.Error, RuntimeError, EmptyWebhookSecretError) as exc:
            # The headers were checked above: only an unusable stored secret lands here.
            logger.error(  # noqa: TRY400 - never log a traceback near a secret
                "unusable webhook secret", extra={"error": type(exc).__name__}
            )
            continue
        return signed
    raise WebhookSignatureInvalidError()


def sign(secret: str, body: bytes, webhook_id: str, timestamp: int) -> str:
    """The ``webhook-signature`` value for a request (what a partner computes)."""
    signed_at = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(webhook_id, signed_at, body)
