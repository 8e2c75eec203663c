"""Words of the ``/verifier`` and ``/badges/{id}`` pages that code picks, and their scripts'.

The templates write their fixed texts with ``_()``. What is chosen at run time — the
label of a check, of a status, a date, a badge format — is named here as a catalogue
message (:func:`obhub_i18n.N_`) and translated where it is shown.

The pages' scripts draw a verification result in the browser with the same words as
the server: :func:`verifier_script_texts` and :func:`badge_script_texts` give them, in
the reader's language, keyed as ``static/verifier.js`` and ``static/credential.js``
read them. Dates are written by :func:`format_datetime` here and by its twin in
``static/verifier.js``: day, month name (Babel's), year, then the time in UTC —
"9 janvier 2025 à 15:06 UTC", "1er août 2025 à 00:00 UTC", "9 January 2025, 15:06 UTC".
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Final

from babel.dates import get_month_names

from issuer_api.i18n import Language
from obhub_i18n import N_, gettext, render

STATUS_ICONS: Final = {"valid": "✔", "invalid": "✘", "indeterminate": "?", "skipped": "·"}
VERDICT_ICONS: Final = {"valid": "✔", "invalid": "✘", "indeterminate": "?"}
STATE_ICONS: Final = {
    "valid": "✔",
    "suspended": "!",
    "revoked": "✘",
    "expired": "!",
    "not_yet_valid": "…",
}
FORMAT_NAMES: Final = {
    "json": "JSON",
    "vc-jwt": "VC-JWT",
    "ob2": "Open Badges 2.0",
    "png": "PNG",
    "svg": "SVG",
}

STATUS_LABELS: Final = {
    "valid": N_("valid"),
    "invalid": N_("invalid"),
    "indeterminate": N_("could not be checked"),
    "skipped": N_("not applicable"),
}
# One label per check of verify.report.CHECK_IDS.
CHECK_LABELS: Final = {
    "parse": N_("Reading the badge"),
    "contexts": N_("Vocabulary (JSON-LD contexts)"),
    "safe_mode": N_("Defined properties"),
    "schema": N_("Open Badges 3.0 format"),
    "proof": N_("Signature"),
    "issuer": N_("Issuer's key"),
    "refresh": N_("Refresh service"),
    "status": N_("Revocation"),
    "validity": N_("Validity period"),
    "endorsements": N_("Endorsements"),
    "recipient": N_("Recipient"),
}
# identityType values of OB 3.0 (IdentifierTypeEnum) shown in plain words.
IDENTITY_TYPES: Final = {"emailAddress": N_("email")}

# (state, headline, detail with {date}) of the live status banner of a badge page.
STATE_TEXTS: Final = {
    "valid": (
        N_("This badge is valid."),
        N_("It is neither suspended nor revoked, and it is within its validity period."),
    ),
    "suspended": (
        N_("This badge is suspended."),
        N_("Its issuer suspended it: it is not valid for now."),
    ),
    "revoked": (
        N_("This badge has been revoked."),
        N_("Its issuer revoked it on {date}: it is no longer valid."),
    ),
    "expired": (N_("This badge has expired."), N_("It was valid until {date}.")),
    "not_yet_valid": (
        N_("This badge is not valid yet."),
        N_("It will be valid from {date}."),
    ),
}

LABEL_SEPARATOR: Final = N_(": ")
DATE: Final = N_("{day} {month} {year}")
FIRST_OF_MONTH: Final = N_("1 {month} {year}")
DATE_AT: Final = N_("{date}, {time} UTC")
FORMAT_BAKED: Final = N_("{image} image ({inner} badge)")
URL_UNAVAILABLE: Final = N_(
    "Verifying from an address is not available yet, or the address could not be read. "
    "Download the badge and upload the file, or paste its content."
)
ERROR_EMPTY: Final = N_("Nothing to verify: paste a badge, choose a file or give an address.")
ERROR_URL: Final = N_("The address must start with https:// or http://.")

# The words both scripts read (key as the script spells it -> message).
_REPORT_TEXTS: Final = {
    "busy": N_("Verifying…"),
    "error_prefix": N_("Error:"),
    "error_network": N_("The verification service does not answer. Please try again later."),
    "result_title": N_("Verification result"),
    "checks_title": N_("Checks performed"),
    "notices_title": N_("Notices"),
    "label_sep": LABEL_SEPARATOR,
}
_VERIFIER_TEXTS: Final = {
    "submit": N_("Verify the badge"),
    "error_empty": ERROR_EMPTY,
    "error_url": ERROR_URL,
    "url_unavailable": URL_UNAVAILABLE,
    "endorsements_title": N_("Endorsements"),
    "endorsement_unnamed": N_("Endorsement"),
    "unnamed_badge": N_("Unnamed badge"),
    "badge_image_alt": N_("Image of the badge “{name}”"),
    "badge_image_alt_unnamed": N_("Badge image"),
    "issuer_image_alt": N_("Logo of the issuer “{name}”"),
    "hashed_identifier": N_("hidden identifier ({type})"),
    "plain_identifier": N_("identifier ({type})"),
    "format_baked": FORMAT_BAKED,
    "date": DATE,
    "date_first": FIRST_OF_MONTH,
    "date_at": DATE_AT,
    # Labels of the facts of a verified badge (fact key -> label).
    "issuer": N_("Issuer"),
    "recipient": N_("Recipient"),
    "achievement": N_("Achievement"),
    "criteria": N_("Criteria"),
    "awarded": N_("Awarded on"),
    "valid_from": N_("Valid from"),
    "valid_until": N_("Valid until"),
    "format": N_("Format"),
}
_BADGE_TEXTS: Final = {
    "verify_now": N_("Verify now"),
    "copied": N_("Link copied."),
    "copy_failed": N_("Could not copy: select the address and copy it."),
}


def word(lang: Language, key: str, **params: object) -> str:
    """The word the verifier's script knows as ``key``, in ``lang``, fields filled."""
    return render(lang, _VERIFIER_TEXTS.get(key) or _REPORT_TEXTS[key], params)


def check_label(lang: Language, check_id: str) -> str:
    label = CHECK_LABELS.get(check_id)
    return gettext(lang, label) if label else check_id


def status_label(lang: Language, status: str) -> str:
    return gettext(lang, STATUS_LABELS[status])


def _common_texts(lang: Language) -> dict[str, str]:
    texts = {key: gettext(lang, message) for key, message in _REPORT_TEXTS.items()}
    texts.update({f"status_{key}": gettext(lang, m) for key, m in STATUS_LABELS.items()})
    texts.update({f"check_{key}": gettext(lang, m) for key, m in CHECK_LABELS.items()})
    return texts


@cache
def verifier_script_texts(lang: Language) -> dict[str, str]:
    """The words of ``static/verifier.js`` in ``lang`` (month names included)."""
    texts = _common_texts(lang)
    texts.update({key: gettext(lang, message) for key, message in _VERIFIER_TEXTS.items()})
    texts["months"] = " ".join(month_names(lang))
    return texts


@cache
def badge_script_texts(lang: Language) -> dict[str, str]:
    """The words of ``static/credential.js`` in ``lang``."""
    texts = _common_texts(lang)
    texts.update({key: gettext(lang, message) for key, message in _BADGE_TEXTS.items()})
    return texts


def identity_types(lang: Language) -> dict[str, str]:
    return {name: gettext(lang, message) for name, message in IDENTITY_TYPES.items()}


def identity_type(lang: Language, value: object) -> str:
    name = str(value) if value is not None else "?"
    return identity_types(lang).get(name, name)


def format_name(lang: Language, fmt: str) -> str:
    """``baked-png+json`` -> ``image PNG (badge JSON)``; known names; else as given."""
    if fmt.startswith("baked-") and "+" in fmt:
        image, inner = fmt[len("baked-") :].split("+", 1)
        return render(
            lang,
            FORMAT_BAKED,
            {"image": FORMAT_NAMES.get(image, image), "inner": FORMAT_NAMES.get(inner, inner)},
        )
    return FORMAT_NAMES.get(fmt, fmt)


@cache
def month_names(lang: Language) -> tuple[str, ...]:
    """January to December in ``lang``, as written inside a date (Babel's CLDR data)."""
    names = get_month_names("wide", context="format", locale=lang)
    return tuple(names[month] for month in range(1, 13))


def format_datetime(value: object, lang: Language) -> str | None:
    """``2025-01-09T15:06:31Z`` -> ``9 janvier 2025 à 15:06 UTC``; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_moment(moment, lang)


def format_moment(moment: datetime, lang: Language) -> str:
    """``moment`` in UTC, written as :func:`format_datetime` does."""
    moment = moment.astimezone(UTC)
    pattern = FIRST_OF_MONTH if moment.day == 1 else DATE
    date = render(
        lang,
        pattern,
        {"day": moment.day, "month": month_names(lang)[moment.month - 1], "year": moment.year},
    )
    return render(lang, DATE_AT, {"date": date, "time": f"{moment.hour:02d}:{moment.minute:02d}"})
