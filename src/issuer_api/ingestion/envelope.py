"""Reading a delivery body into inbox items, or the 400/413 that says what is wrong.

The body is read raw (its bytes are what a webhook signature covers and what a replay
is compared on), then parsed here — so a malformed envelope gets obhub's delivery
error, never a framework 422, and only after the caller is authenticated. The
envelope is all or nothing: if any badge is malformed, none is stored.

One exception: a badge holding a string that is not Unicode text (a lone UTF-16
surrogate such as ``"\ud800"``) cannot be read, nor stored as it is. It is kept as an
item already ``rejected`` with the reason ``invalid_unicode`` (its payload stored with
the surrogate escaped, no recipient), and the other badges of the delivery go on: one
bad badge does not make the partner send the whole batch again.

    400 invalid_delivery   not UTF-8 (type "not_utf8"), not JSON, not an object, or
                           some badge is malformed:
                           details.errors = [{"item", "field", "type", "message"}]
                           ("item" is the index in "badges", null for the envelope)
    413 too_many_badges    more than MAX_BADGES badges: details.max_badges
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from issuer_api.errors import ApiError
from issuer_api.ingestion.acceptance import INVALID_UNICODE
from issuer_api.ingestion.inbox import InboxItem
from issuer_api.ingestion.schemas import MAX_BADGES, MAX_REFERENCE_CHARS, BadgeIn, DeliveryIn
from obcore import jsontext


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
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid([_error(None, "", "not_utf8", "the body is not UTF-8 text")]) from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise _invalid([_error(None, "", "json_invalid", "the body is not valid JSON")]) from None
    if not isinstance(document, dict):
        raise _invalid([_error(None, "", "object_expected", "send a JSON object")])
    # Only a body that spells a surrogate escape may hold one: others are not walked.
    suspect = jsontext.may_hold_surrogates(text)
    if "badges" not in document:
        if suspect and jsontext.has_unpaired_surrogate(document):
            return [_refused(document)]
        return [_inbox_item(_validate_one(document))]
    listed = document.get("badges")
    if isinstance(listed, list) and len(listed) > MAX_BADGES:
        raise TooManyBadgesError(
            params={"max_badges": MAX_BADGES},
            details={"max_badges": MAX_BADGES, "badges": len(listed)},
        )
    if not suspect:
        return [_inbox_item(badge) for badge in _validated(document, [])]
    if jsontext.has_unpaired_surrogate({k: v for k, v in document.items() if k != "badges"}):
        raise _invalid([_error(None, "", INVALID_UNICODE, "a string is not Unicode text")])
    return _with_refusals(document)


def _inbox_item(badge: BadgeIn) -> InboxItem:
    return InboxItem(
        payload_kind=badge.payload_kind,
        payload=badge.payload,
        recipient_kind=badge.recipient.kind,
        recipient=badge.recipient.value,
        reference=badge.reference,
    )


def _refused(badge: Any) -> InboxItem:
    """A badge holding a lone surrogate: stored already rejected (module docstring)."""
    credential = badge.get("credential", badge) if isinstance(badge, dict) else badge
    reference = badge.get("reference") if isinstance(badge, dict) else None
    if not (
        isinstance(reference, str)
        and 0 < len(reference) <= MAX_REFERENCE_CHARS
        and not jsontext.has_unpaired_surrogate(reference)
    ):
        reference = None
    try:
        payload = json.dumps(credential, ensure_ascii=True, separators=(",", ":"))
    except RecursionError:
        payload = "null"
    return InboxItem(
        payload_kind="json",
        payload=payload,
        recipient_kind=None,
        recipient=None,
        reference=reference,
        refusal=INVALID_UNICODE,
    )


def _validate_one(document: dict[str, Any]) -> BadgeIn:
    try:
        return BadgeIn.model_validate(document)
    except ValidationError as exc:
        raise _invalid(_errors(exc, single=True)) from None


def _with_refusals(document: dict[str, Any]) -> list[InboxItem]:
    """The badges of a delivery some of which may hold a lone surrogate."""
    listed = document.get("badges")
    if not isinstance(listed, list):
        return [_inbox_item(badge) for badge in _validated(document, [])]
    refused = {i for i, badge in enumerate(listed) if jsontext.has_unpaired_surrogate(badge)}
    if refused and len(refused) == len(listed):
        _validated({**document, "badges": []}, [], allow_empty=True)
        return [_refused(badge) for badge in listed]
    kept = [i for i in range(len(listed)) if i not in refused]
    valid = iter(_validated({**document, "badges": [listed[i] for i in kept]}, kept))
    return [
        _refused(badge) if i in refused else _inbox_item(next(valid))
        for i, badge in enumerate(listed)
    ]


def _validated(
    document: dict[str, Any], positions: list[int], *, allow_empty: bool = False
) -> list[BadgeIn]:
    """The badges of ``document``; ``positions``: their index in the delivery as sent."""
    try:
        if allow_empty:
            extra = sorted(str(key) for key in document if key != "badges")
            if extra:
                raise _invalid(
                    [_error(None, key, "extra_forbidden", "unknown field") for key in extra]
                )
            return []
        return DeliveryIn.model_validate(document).badges
    except ValidationError as exc:
        errors = _errors(exc, single=False)
        for error in errors:
            if isinstance(error["item"], int) and error["item"] < len(positions):
                error["item"] = positions[error["item"]]
        raise _invalid(errors) from None


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
