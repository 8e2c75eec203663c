"""Dates and rates as the console shows them, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

from issuer_api.i18n import Language

_MONTHS_EN: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def when(value: datetime | None, language: Language) -> str:
    """``07/12/2026 13:05 UTC`` in French, ``7 Dec 2026, 13:05 UTC`` in English."""
    if value is None:
        return ""
    at = value.astimezone(UTC)
    if language == "fr":
        return f"{at:%d/%m/%Y %H:%M} UTC"
    return f"{at.day} {_MONTHS_EN[at.month - 1]} {at.year}, {at:%H:%M} UTC"


def iso(value: datetime | None) -> str:
    """For ``<time datetime>``."""
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else ""


def percent(rate: float | None, language: Language) -> str:
    """``87 %`` in French, ``87%`` in English; empty without a rate."""
    if rate is None:
        return ""
    whole = round(rate * 100)
    return f"{whole}\u202f%" if language == "fr" else f"{whole}%"


def helpers(language: Language) -> dict[str, Callable[..., Any]]:
    """The formatting functions a console template calls: ``when``, ``iso``, ``percent``."""
    return {
        "when": partial(when, language=language),
        "iso": iso,
        "percent": partial(percent, language=language),
    }
