"""The delivery envelope, read without the database: formats, recipients, errors.

The envelope is checked strictly and all at once (nothing is stored if one badge is
malformed); the credential's *content* is not checked here at all.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from issuer_api.ingestion import envelope
from issuer_api.ingestion.envelope import InvalidDeliveryError, TooManyBadgesError
from issuer_api.ingestion.schemas import MAX_BADGES
from partners.helpers import badge_item, encode

EMAIL = "Camille.Martin@Example.fr"
DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
CREDENTIAL: dict[str, Any] = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
JWT = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'


def errors_of(raised: pytest.ExceptionInfo[InvalidDeliveryError]) -> list[dict[str, Any]]:
    details = raised.value.details
    assert isinstance(details, dict)
    found = details["errors"]
    assert isinstance(found, list)
    return found  # type: ignore[return-value]


# --------------------------------------------------------------------------- shapes


def test_several_badges_in_a_badges_array() -> None:
    items = envelope.parse(
        encode({"badges": [badge_item(CREDENTIAL, EMAIL), badge_item(JWT, did=DID)]})
    )

    assert [(i.payload_kind, i.recipient_kind) for i in items] == [
        ("json", "email"),
        ("jwt", "did"),
    ]
    assert items[0].recipient == EMAIL
    assert items[1].recipient == DID


def test_a_single_badge_may_be_sent_without_the_array() -> None:
    [item] = envelope.parse(encode(badge_item(CREDENTIAL, EMAIL, reference="ref-1")))

    assert item.payload_kind == "json"
    assert json.loads(item.payload) == CREDENTIAL
    assert item.reference == "ref-1"


def test_a_json_credential_is_stored_as_json_text() -> None:
    credential = {"name": "Sauveteur secouriste du travail", "nested": {"a": [1, 2]}}

    [item] = envelope.parse(encode(badge_item(credential)))

    assert json.loads(item.payload) == credential
    assert "Sauveteur secouriste du travail" in item.payload  # not \\u-escaped


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("credential", "kind"),
    [
        (CREDENTIAL, "json"),
        (json.dumps(CREDENTIAL), "json"),
        (JWT, "jwt"),
        ("https://badges.example.org/assertions/1", "url"),
        ("http://badges.example.org/assertions/1", "url"),
        ("data:image/png;base64," + base64.b64encode(PNG).decode(), "image"),
        ("data:image/svg+xml;base64," + base64.b64encode(SVG).decode(), "image"),
        ("data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns%3D%22x%22%3E%3C%2Fsvg%3E", "image"),
        (base64.b64encode(PNG).decode(), "image"),
        (base64.b64encode(SVG).decode(), "image"),
    ],
    ids=[
        "object",
        "json-text",
        "jwt",
        "https",
        "http",
        "png-data-uri",
        "svg-data-uri",
        "svg-percent-encoded",
        "raw-png",
        "raw-svg",
    ],
)
def test_the_format_is_detected_when_absent(credential: Any, kind: str) -> None:
    [item] = envelope.parse(encode(badge_item(credential)))

    assert item.payload_kind == kind


def test_an_image_is_stored_as_the_base64_of_its_bytes() -> None:
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()

    [item] = envelope.parse(encode(badge_item(uri)))

    assert base64.b64decode(item.payload) == PNG


def test_a_declared_format_is_checked_against_the_credential() -> None:
    sent = {
        "badges": [
            badge_item(CREDENTIAL, format="jwt"),
            badge_item("not a token", format="jwt"),
            badge_item("ftp://example.org/badge", format="url"),
            badge_item("[1, 2]", format="json"),
            badge_item(base64.b64encode(b"GIF89a").decode(), format="image"),
            badge_item("data:image/png;base64," + base64.b64encode(SVG).decode()),
            badge_item(JWT, format="jwt"),
        ]
    }

    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode(sent))

    assert sorted({error["item"] for error in errors_of(raised)}) == [0, 1, 2, 3, 4, 5]


def test_an_undetectable_credential_asks_for_a_format() -> None:
    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode(badge_item("un badge")))

    [error] = errors_of(raised)
    assert "format" in error["message"]
    assert error["item"] == 0


# --------------------------------------------------------------------------- recipients


def test_a_did_recipient_is_normalised() -> None:
    [item] = envelope.parse(encode(badge_item(CREDENTIAL, did="DID:key:z6MkAbc")))

    assert item.recipient == "did:key:z6MkAbc"


@pytest.mark.parametrize(
    "recipient",
    [
        {},
        {"email": EMAIL, "did": DID},
        {"email": "pas-un-courriel"},
        {"did": "did:example"},
        {"did": "https://example.org/me"},
        {"phone": "+33600000000"},
    ],
    ids=["none", "both", "bad-email", "bad-did", "url-as-did", "unknown-field"],
)
def test_the_recipient_is_exactly_one_valid_email_or_did(recipient: dict[str, str]) -> None:
    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode({"credential": CREDENTIAL, "recipient": recipient}))

    assert all(error["field"].startswith("recipient") for error in errors_of(raised))


def test_the_recipient_is_required() -> None:
    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode({"badges": [{"credential": CREDENTIAL}]}))

    [error] = errors_of(raised)
    assert (error["item"], error["field"], error["type"]) == (0, "badges.0.recipient", "missing")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty_body"),
        (b"   ", "empty_body"),
        (b"{not json", "json_invalid"),
        (b"[1, 2]", "object_expected"),
        (b'"badge"', "object_expected"),
        (b"\xff\xfe", "not_utf8"),
        (b"[" * 100_000, "json_invalid"),
    ],
    ids=["empty", "blank", "broken", "array", "string", "not-utf8", "too-deep"],
)
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes, kind: str) -> None:
    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(body)

    [error] = errors_of(raised)
    assert (error["item"], error["type"]) == (None, kind)


def test_each_malformed_badge_is_reported_with_its_index_and_field() -> None:
    sent = {
        "badges": [
            badge_item(CREDENTIAL),
            badge_item(CREDENTIAL, "pas-un-courriel"),
            {**badge_item(CREDENTIAL), "reference": "x" * 201},
            {**badge_item(CREDENTIAL), "colour": "blue"},
            {"credential": 42, "recipient": {"email": EMAIL}},
        ]
    }

    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode(sent))

    found = {(error["item"], error["field"]) for error in errors_of(raised)}
    assert (1, "badges.1.recipient.email") in found
    assert (2, "badges.2.reference") in found
    assert (3, "badges.3.colour") in found
    assert {item for item, _ in found} == {1, 2, 3, 4}
    assert raised.value.status_code == 400
    assert raised.value.code == "invalid_delivery"


def test_errors_never_echo_the_rejected_values() -> None:
    sent = {"badges": [badge_item("secret-credential-text", "secret@@example")]}

    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode(sent))

    assert "secret" not in json.dumps(raised.value.details)


def test_an_empty_badges_array_is_refused() -> None:
    with pytest.raises(InvalidDeliveryError):
        envelope.parse(encode({"badges": []}))


def test_unknown_envelope_fields_are_refused() -> None:
    with pytest.raises(InvalidDeliveryError) as raised:
        envelope.parse(encode({"badges": [badge_item(CREDENTIAL)], "lot": "2026-03"}))

    assert [error["field"] for error in errors_of(raised)] == ["lot"]


def test_more_badges_than_the_limit_is_a_413_before_any_badge_is_read() -> None:
    sent = {"badges": [{"not": "even a badge"}] * (MAX_BADGES + 1)}

    with pytest.raises(TooManyBadgesError) as raised:
        envelope.parse(encode(sent))

    assert raised.value.status_code == 413
    assert raised.value.details == {"max_badges": MAX_BADGES, "badges": MAX_BADGES + 1}


def test_exactly_the_limit_is_accepted() -> None:
    items = envelope.parse(encode({"badges": [badge_item(CREDENTIAL)] * MAX_BADGES}))

    assert len(items) == MAX_BADGES
