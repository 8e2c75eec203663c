"""Reading a delivery body into inbox items, or the 400/413 that says what is wrong.

The body is read raw (its bytes are what a webhook signature covers and what a replay
is compared on), then parsed here — so a malformed envelope gets obhub's delivery
error, never a framework 422, and only after the caller is authenticated. The
envelope is all or nothing: if any badge is malformed, none is stored.

    400 invalid_delivery   not JSON, not an object, or some badge is malformed:
                           details.errors = [{"item", "field", "type", "message"}]
                           ("item" is the index in "badges", null for the envelope)
    413 too_many_badges    more than MAX_BADGES badges: details.max_badges
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from issuer_api.errors import ApiError
from issuer_api.ingestion.inbox import InboxItem
from issuer_api.ingestion.schemas import MAX_BADGES, BadgeIn, DeliveryIn


class InvalidDeliveryError(ApiError):
    status_code = 400
    code = "invalid_delivery"


class TooManyBadgesError(ApiError):
    status_code = 413
    code = "too_many_badges"


def _error(item: int | None, field: str, kind: str, message: str) -> dict[str, Any]:
    return {"item": item, "field": field, "type": kind, "message": message}


def _invalid(errors: list[dict[str, Any]]) -> InvalidDeliveryError:
    return InvalidDeliveryError(details={"errors": errors})  # type: ignore[dict-item]


def parse(body: bytes) -> list[InboxItem]:
    """The badges of a delivery body (see the module docstring for the errors)."""
    if not body.strip():
        raise _invalid([_error(None, "", "empty_body", "the body is empty: send badges")])
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise _invalid([_error(None, "", "json_invalid", "the body is not valid JSON")]) from None
    if not isinstance(document, dict):
        raise _invalid([_error(None, "", "object_expected", "send a JSON object")])
    if "badges" not in document:
        badges = [_validate_one(document)]
    else:
        listed = document.get("badges")
        if isinstance(listed, list) and len(listed) > MAX_BADGES:
            raise TooManyBadgesError(
                params={"max_badges": MAX_BADGES},
                details={"max_badges": MAX_BADGES, "badges": len(listed)},
            )
        badges = _validate_many(document)
    return [
        InboxItem(
            payload_kind=badge.payload_kind,
            payload=badge.payload,
            recipient_kind=badge.recipient.kind,
            recipient=badge.recipient.value,
            reference=badge.reference,
        )
        for badge in badges
    ]


def _validate_one(document: dict[str, Any]) -> BadgeIn:
    try:
        return BadgeIn.model_validate(document)
    except ValidationError as exc:
        raise _invalid(_errors(exc, single=True)) from None


def _validate_many(document: dict[str, Any]) -> list[BadgeIn]:
    try:
        return DeliveryIn.model_validate(document).badges
    except ValidationError as exc:
        raise _invalid(_errors(exc, single=False)) from None


def _errors(exc: ValidationError, *, single: bool) -> list[dict[str, Any]]:
    # Where and what only: never the rejected input (a credential, an email).
    found = []
    for error in exc.errors(include_url=False, include_input=False):
        location = list(error.get("loc", ()))
        item: int | None = 0 if single else None
        if not single and len(location) >= 2 and location[0] == "badges":
            item = location[1] if isinstance(location[1], int) else None
        found.append(
            _error(
                item,
                ".".join(str(part) for part in location),
                str(error.get("type", "")),
                str(error.get("msg", "")),
            )
        )
    return found
