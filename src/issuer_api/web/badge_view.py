"""An issued badge as its public page reads it: the credential, its issuer, its regional
award and référentiel version, and its live status from the database.

:func:`load_badge` reads them; :class:`BadgeView` answers in the reader's language
(name, description, issuer, achievement); :func:`live_state` says whether the badge is
valid, suspended, revoked, expired or not yet valid, now.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.errors import ReferentialError
from aggregation.images import achievement_svg
from aggregation.referential import Referential, parse_referential
from issuer_api.credentials.service import parse_public_id
from issuer_api.i18n import Language
from issuer_api.models import IssuedCredential, Issuer
from issuer_api.models.regional import ReferentialVersion, RegionalAward
from obcore.model import display_text
from obhub_i18n import N_, gettext

State = Literal["valid", "suspended", "revoked", "expired", "not_yet_valid"]

BADGE_TITLE: Final = N_("Digital badge")
_REFERENTIAL_CACHE_SIZE: Final = 8


def localized(value: Any, lang: Language) -> str | None:
    """A text of the credential (a string or a ``{lang: text}`` map) in ``lang``."""
    try:
        found = display_text(value, lang)
    except (AttributeError, TypeError):
        return None
    return (found.strip() or None) if isinstance(found, str) else None


@dataclass(frozen=True)
class BadgeView:
    """An issued credential and what its page shows besides it."""

    credential: IssuedCredential
    issuer: Issuer | None
    award: RegionalAward | None
    referential: ReferentialVersion | None

    @property
    def document(self) -> dict[str, Any]:
        return self.credential.document

    @property
    def achievement(self) -> Mapping[str, Any]:
        subject = self.document.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else {}
        found = subject.get("achievement") if isinstance(subject, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    @property
    def is_jwt(self) -> bool:
        return self.credential.format == "jwt" and bool(self.credential.jwt)

    def name(self, lang: Language) -> str:
        return (
            localized(self.document.get("name"), lang)
            or localized(self.achievement.get("name"), lang)
            or gettext(lang, BADGE_TITLE)
        )

    def description(self, lang: Language) -> str | None:
        return localized(self.document.get("description"), lang) or localized(
            self.achievement.get("description"), lang
        )

    def issuer_name(self, lang: Language) -> str:
        profile = self.document.get("issuer")
        if isinstance(profile, Mapping):
            found = localized(profile.get("name"), lang)
            if found:
                return found
        if self.issuer is not None:
            return self.issuer.name
        return profile if isinstance(profile, str) else ""

    @property
    def payload(self) -> str:
        """What is baked into images and downloaded: the token, or the compact JSON."""
        if self.is_jwt and self.credential.jwt:
            return self.credential.jwt
        return json.dumps(self.document, ensure_ascii=False, separators=(",", ":"))


async def load_badge(session: AsyncSession, ref: str) -> BadgeView | None:
    """The credential ``ref`` (UUID, or ``urn:uuid:`` form) and its regional award."""
    credential_id = parse_public_id(ref)
    if credential_id is None:
        return None
    credential = await session.get(IssuedCredential, credential_id)
    if credential is None:
        return None
    issuer = await session.get(Issuer, credential.issuer_id)
    award = (
        await session.execute(
            select(RegionalAward)
            .where(RegionalAward.credential_id == credential.id)
            .order_by(RegionalAward.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    version = (
        await session.get(ReferentialVersion, award.referential_version_id)
        if award is not None
        else None
    )
    return BadgeView(credential, issuer, award, version)


async def referential_version(
    session: AsyncSession, number: int | None
) -> ReferentialVersion | None:
    """Version ``number`` of the référentiel, or the active one."""
    query = select(ReferentialVersion)
    if number is None:
        query = query.where(ReferentialVersion.active.is_(True))
    else:
        query = query.where(ReferentialVersion.number == number)
    return (await session.execute(query.limit(1))).scalar_one_or_none()


_REFERENTIALS: OrderedDict[tuple[str, str], Referential] = OrderedDict()


def _referential(version: ReferentialVersion) -> Referential | None:
    """The parsed référentiel of a stored version (kept: versions never change)."""
    key = (version.id, version.digest)
    found = _REFERENTIALS.get(key)
    if found is None:
        try:
            found = parse_referential(version.document)
        except (ReferentialError, KeyError, TypeError, ValueError):
            return None
        _REFERENTIALS[key] = found
        while len(_REFERENTIALS) > _REFERENTIAL_CACHE_SIZE:
            _REFERENTIALS.popitem(last=False)
    return found


def regional_svg(version: ReferentialVersion, code: str, lang: Language) -> str | None:
    """The generated image of regional achievement ``code`` of ``version``, or None."""
    referential = _referential(version)
    if referential is None:
        return None
    try:
        return achievement_svg(referential, code, lang)
    except KeyError:
        return None


# --------------------------------------------------------------------------- state and dates


def aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def live_state(credential: IssuedCredential, now: datetime) -> tuple[State, datetime | None]:
    """The credential's status now, from the database, and the date that goes with it."""
    if credential.revoked_at is not None:
        return "revoked", aware(credential.revoked_at)
    if credential.suspended:
        return "suspended", None
    valid_until = aware(credential.valid_until)
    if valid_until is not None and valid_until <= now:
        return "expired", valid_until
    valid_from = aware(credential.valid_from)
    if valid_from is not None and valid_from > now:
        return "not_yet_valid", valid_from
    return "valid", None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return aware(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None
