"""Standard Webhooks signatures, checked without the database: secrets, headers, clock."""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime

import pytest

from issuer_api.partners import signatures
from issuer_api.partners.signatures import (
    WebhookHeadersInvalidError,
    WebhookSignatureInvalidError,
    WebhookSignatureMissingError,
    WebhookTimestampOutOfRangeError,
)
from partners.helpers import sign_webhook

BODY = b'{"badges": []}'


def test_a_new_secret_is_whsec_and_base64_of_32_random_bytes() -> None:
    secret = signatures.new_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert secret != signatures.new_secret()
    assert signatures.hint(secret) == secret[:10]


def test_a_request_signed_with_the_secret_is_accepted() -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY, "msg_1")

    signed = signatures.verify([secret], BODY, headers)

    assert signed.webhook_id == "msg_1"


def test_the_signature_follows_the_standard_webhooks_recipe() -> None:
    """``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` under the decoded secret."""
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415

    secret = signatures.new_secret()
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, b"msg_1.1767225600." + BODY, hashlib.sha256).digest()

    assert signatures.sign(secret, BODY, "msg_1", 1767225600) == "v1," + base64.b64encode(
        mac
    ).decode("ascii")


def test_every_active_secret_is_tried_so_a_partner_can_rotate() -> None:
    old, new = signatures.new_secret(), signatures.new_secret()

    assert signatures.verify([new, old], BODY, sign_webhook(old, BODY)).webhook_id
    assert signatures.verify([new, old], BODY, sign_webhook(new, BODY)).webhook_id


def test_one_matching_signature_among_several_is_enough() -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY, "msg_1")
    other = sign_webhook(signatures.new_secret(), BODY, "msg_1")["webhook-signature"]
    headers["webhook-signature"] = f"v1a,c2lnbmF0dXJl {other} {headers['webhook-signature']}"

    assert signatures.verify([secret], BODY, headers).webhook_id == "msg_1"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_reported_as_such(missing: str) -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY)
    del headers[missing]

    with pytest.raises(WebhookSignatureMissingError) as raised:
        signatures.verify([secret], BODY, headers)

    assert raised.value.status_code == 401
    assert raised.value.details == {"missing": [missing]}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("webhook-signature", "v1"),
        ("webhook-signature", "v1,"),
        ("webhook-signature", "v1,not base64!"),
        ("webhook-signature", "v1,c2hvcnQ="),  # base64, but not 32 bytes
        ("webhook-signature", "v1,a,b"),
        ("webhook-signature", ",abc"),
        ("webhook-signature", "V1,abc"),
        ("webhook-signature", " ".join(["v1a,abc"] * 17)),
        ("webhook-timestamp", "1767225600.5"),
        ("webhook-timestamp", "-1767225600"),
        ("webhook-timestamp", "1e9"),
        ("webhook-timestamp", "nan"),
        ("webhook-timestamp", "demain"),
        ("webhook-id", "msg 1"),
        ("webhook-id", "x" * 256),
        ("webhook-id", "msg_é"),
    ],
)
def test_a_malformed_header_is_refused_cleanly(header: str, value: str) -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY)
    headers[header] = value

    with pytest.raises(WebhookHeadersInvalidError) as raised:
        signatures.verify([secret], BODY, headers)

    assert raised.value.status_code == 401
    assert raised.value.headers["WWW-Authenticate"].startswith("Webhook-Signature")


@pytest.mark.parametrize("offset", [-6 * 60, 6 * 60, -(10**9)])
def test_a_timestamp_more_than_five_minutes_away_is_refused(offset: int) -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY, timestamp=int(time.time()) + offset)

    with pytest.raises(WebhookTimestampOutOfRangeError):
        signatures.verify([secret], BODY, headers)


@pytest.mark.parametrize("offset", [-4 * 60, 4 * 60])
def test_a_timestamp_within_five_minutes_is_accepted(offset: int) -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY, timestamp=int(time.time()) + offset)

    assert signatures.verify([secret], BODY, headers)


def test_the_window_is_measured_on_the_servers_clock() -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY, timestamp=1767225600)
    then = datetime.fromtimestamp(1767225600 + 299, tz=UTC)

    assert signatures.parse_headers(headers, now=then).timestamp == 1767225600
    with pytest.raises(WebhookTimestampOutOfRangeError):
        signatures.parse_headers(headers, now=datetime.fromtimestamp(1767225901, tz=UTC))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b + b" "),  # another body
        lambda h, b: ({**h, "webhook-id": "msg_other"}, b),  # another id
        lambda h, b: ({**h, "webhook-timestamp": str(int(h["webhook-timestamp"]) - 1)}, b),
    ],
    ids=["body", "id", "timestamp"],
)
def test_changing_anything_signed_breaks_the_signature(tamper: object) -> None:
    secret = signatures.new_secret()
    headers, body = tamper(sign_webhook(secret, BODY), BODY)  # type: ignore[operator]

    with pytest.raises(WebhookSignatureInvalidError):
        signatures.verify([secret], body, headers)


def test_another_secret_or_no_secret_at_all_is_an_invalid_signature() -> None:
    headers = sign_webhook(signatures.new_secret(), BODY)

    with pytest.raises(WebhookSignatureInvalidError):
        signatures.verify([signatures.new_secret()], BODY, headers)
    with pytest.raises(WebhookSignatureInvalidError):
        signatures.verify([], BODY, headers)


def test_only_unknown_signature_versions_is_an_invalid_signature() -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY)
    headers["webhook-signature"] = "v1a,c2lnbmF0dXJl"

    with pytest.raises(WebhookSignatureInvalidError):
        signatures.verify([secret], BODY, headers)


def test_a_body_that_is_not_utf8_matches_no_signature() -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY)

    with pytest.raises(WebhookSignatureInvalidError):
        signatures.verify([secret], b"\xff\xfe", headers)


def test_an_unusable_stored_secret_is_skipped_not_a_crash() -> None:
    good = signatures.new_secret()
    headers = sign_webhook(good, BODY)

    assert signatures.verify(["whsec_", "whsec_!!!", good], BODY, headers)


def test_error_messages_never_echo_the_signature() -> None:
    secret = signatures.new_secret()
    headers = sign_webhook(secret, BODY)
    headers["webhook-signature"] = "v1,not base64!"

    with pytest.raises(WebhookHeadersInvalidError) as raised:
        signatures.verify([secret], BODY, headers)

    assert not re.search("not base64!", str(raised.value.details))
