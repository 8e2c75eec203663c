"""A verification report (``Report.to_dict``) shaped for the template ``macros/report.html``.

Badge content is hostile: names, descriptions, criteria, identifiers and image
addresses come from whoever made the badge. The templates escape every value
(autoescape); this module also decides which addresses may be used at all — images
only from ``data:image/…`` or ``https:`` addresses (:func:`safe_image_url`), links
only to ``https:``/``http:`` ones (:func:`safe_link_url`) — exactly as
``static/verifier.js`` does in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from issuer_api.i18n import Language
from issuer_api.web.words import (
    STATUS_ICONS,
    VERDICT_ICONS,
    check_label,
    format_datetime,
    format_name,
    identity_type,
    status_label,
    word,
)
from verify.messages import message as verify_message

_DATA_IMAGE_TYPES: Final = ("png", "jpeg", "gif", "webp", "svg+xml", "avif")
# Parse-check codes meaning "this text is not a badge": for a URL, URL verification
# was not available (the verifier read the address as a document).
URL_NOT_READ_CODES: Final = frozenset(
    {"malformed_json", "malformed_jwt", "unsupported_format", "not_a_credential"}
)
# (summary key, fact key) of the dates of a verified badge, in the order shown.
_DATES: Final = (
    ("awardedDate", "awarded"),
    ("validFrom", "valid_from"),
    ("validUntil", "valid_until"),
)


# --------------------------------------------------------------------------- addresses


def safe_image_url(value: object) -> str | None:
    """``value`` if it is a ``data:image/…`` or an ``https:`` address, else None."""
    if not isinstance(value, str) or not value or _has_control(value):
        return None
    lowered = value.lower()
    if lowered.startswith("data:image/"):
        kind = lowered[len("data:image/") :].split(";", 1)[0].split(",", 1)[0]
        return value if kind in _DATA_IMAGE_TYPES and "," in value else None
    return value if _is_web_url(value, schemes=("https",)) else None


def safe_link_url(value: object) -> str | None:
    """``value`` if it is an ``https:`` or ``http:`` address, else None."""
    if not isinstance(value, str) or _has_control(value):
        return None
    return value if _is_web_url(value, schemes=("https", "http")) else None


def _is_web_url(value: str, *, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in schemes and bool(parts.netloc) and value.isascii()


def _has_control(value: str) -> bool:
    return any(ord(c) < 0x21 or ord(c) == 0x7F for c in value)


# --------------------------------------------------------------------------- report


def url_not_read(report: Mapping[str, Any]) -> bool:
    """True when the verifier read an address as a document (no URL support)."""
    checks = report.get("checks") or []
    first = checks[0] if isinstance(checks, list) and checks else {}
    return (
        isinstance(first, Mapping)
        and first.get("id") == "parse"
        and first.get("status") == "invalid"
        and first.get("code") in URL_NOT_READ_CODES
    )


def report_view(
    lang: Language, report: Mapping[str, Any], notice: str | None = None
) -> dict[str, Any]:
    """What ``macros/report.html`` shows of one verification: verdict, the badge (when
    the report has a summary), each check, notices and endorsements."""
    verdict = str(report.get("verdict", "indeterminate"))
    if verdict not in VERDICT_ICONS:
        verdict = "indeterminate"
    summary = report.get("summary")
    checks = report.get("checks")
    notices = report.get("notices")
    endorsements = report.get("endorsements")
    return {
        "verdict": verdict,
        "icon": VERDICT_ICONS[verdict],
        "message": str(report.get("message", "")),
        "notice": notice,
        "badge": _badge(lang, summary, str(report.get("format", "")))
        if isinstance(summary, Mapping) and summary
        else None,
        "checks": [_check(lang, c) for c in checks if isinstance(c, Mapping)]
        if isinstance(checks, list)
        else [],
        "notices": [verify_message(str(n), lang) for n in notices]
        if isinstance(notices, list)
        else [],
        "endorsements": [_endorsement(lang, e) for e in endorsements if isinstance(e, Mapping)]
        if isinstance(endorsements, list)
        else [],
    }


def _badge(lang: Language, summary: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    name = _str(summary.get("name"))
    achievement = _mapping(summary.get("achievement"))
    image_url = safe_image_url(summary.get("image"))
    achievement_name = _str(achievement.get("name"))
    dates = []
    for key, label in _DATES:
        raw = summary.get(key)
        if raw is not None:
            shown = format_datetime(raw, lang) or str(raw)
            dates.append({"label": word(lang, label), "iso": str(raw), "shown": shown})
    return {
        "name": name or word(lang, "unnamed_badge"),
        "image": {
            "src": image_url,
            "alt": word(lang, "badge_image_alt", name=name)
            if name
            else word(lang, "badge_image_alt_unnamed"),
        }
        if image_url
        else None,
        "description": _str(summary.get("description")),
        "issuer": _issuer(lang, _mapping(summary.get("issuer"))),
        "recipient": _recipient(lang, _mapping(summary.get("recipient"))),
        "achievement": achievement_name if achievement_name != name else None,
        "criteria": _str(achievement.get("criteria")),
        "dates": dates,
        "format": format_name(lang, fmt) if fmt and fmt != "unknown" else None,
    }


def _issuer(lang: Language, issuer: Mapping[str, Any]) -> dict[str, Any] | None:
    name = _str(issuer.get("name"))
    ident = _str(issuer.get("id"))
    if not (name or ident):
        return None
    shown = name or ident or ""
    logo = safe_image_url(issuer.get("image"))
    return {
        "name": shown,
        "id": ident if name and ident else None,
        "url": safe_link_url(issuer.get("url")),
        "logo": {"src": logo, "alt": word(lang, "issuer_image_alt", name=shown)} if logo else None,
    }


def _recipient(lang: Language, recipient: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    rid = _str(recipient.get("id"))
    if rid:
        out.append(rid)
    identifiers = recipient.get("identifiers")
    for ident in identifiers if isinstance(identifiers, list) else []:
        if not isinstance(ident, Mapping):
            continue
        kind = identity_type(lang, ident.get("identityType"))
        key = "hashed_identifier" if ident.get("hashed") else "plain_identifier"
        out.append(word(lang, key, type=kind))
    return out


def _check(lang: Language, check: Mapping[str, Any]) -> dict[str, str]:
    status = str(check.get("status", "indeterminate"))
    if status not in STATUS_ICONS:
        status = "indeterminate"
    check_id = str(check.get("id", ""))
    return {
        "id": check_id,
        "status": status,
        "icon": STATUS_ICONS[status],
        "status_label": status_label(lang, status),
        "label": check_label(lang, check_id),
        "message": str(check.get("message", "")),
    }


def _endorsement(lang: Language, endorsement: Mapping[str, Any]) -> dict[str, Any]:
    verdict = str(endorsement.get("verdict", "indeterminate"))
    if verdict not in VERDICT_ICONS:
        verdict = "indeterminate"
    summary = _mapping(endorsement.get("summary"))
    issuer = _mapping(summary.get("issuer"))
    return {
        "verdict": verdict,
        "icon": VERDICT_ICONS[verdict],
        "status_label": status_label(lang, verdict),
        "name": _str(summary.get("name")) or word(lang, "endorsement_unnamed"),
        "by": _str(issuer.get("name")) or _str(issuer.get("id")),
        "message": str(endorsement.get("message", "")),
    }


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
