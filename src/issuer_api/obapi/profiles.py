"""``getProfile`` / ``putProfile``: the profile of the token's principal, as an OB 3.0 Profile.

A learner's profile::

    {"id": "urn:uuid:<learner id>", "type": ["Profile"],
     "name": "<the name they chose, if any>", "email": "<their first email, if any>"}

``id`` is stable (the learner's id in the hub: no public page of a learner exists).
``putProfile`` takes the whole Profile; it must carry that ``id`` and the type
``Profile``. What a learner may change here is their **display name** (``name``; absent or
empty: none), kept sealed like their other personal data. Their **email** is how they
sign in and how partner badges find them: it never changes through this route — a
``email`` that is not one the hub holds for them is refused (400), never silently
dropped; adding an address goes through the signed-in space, which proves it. Other
fields the hub does not keep (address, phone, date of birth…) are not stored: the answer,
the profile as kept, shows what was.

A partner's client without a learner reads the partner's issuer Profile (``id``: the
first issuer identifier the Region trusts for it, ``name``: the partner's name). It
cannot change it (403): the Region administers partner profiles in its console (the
1EdTech certification's ``putProfile`` is optional for a host).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.learners import repository as learner_repository
from issuer_api.oauth.principal import ObApiPrincipal
from issuer_api.obapi import repository
from issuer_api.obapi.imsx import ObApiError
from issuer_api.obapi.listing import NoSubjectError
from issuer_api.privacy import normalize_email, seal_pii, unseal_pii

MAX_NAME_CHARS: Final = 200


class ProfileNotFoundError(ObApiError):
    status_code = 404
    code = "obapi_profile_not_found"


class ProfileInvalidError(ObApiError):
    status_code = 400
    code = "obapi_profile_invalid"


class EmailChangeRefusedError(ObApiError):
    status_code = 400
    code = "obapi_email_change_refused"


class ProfileReadOnlyError(ObApiError):
    status_code = 403
    code = "obapi_profile_read_only"


def learner_profile_id(learner_id: str) -> str:
    return f"urn:uuid:{learner_id}"


async def _emails(session: AsyncSession, kek: bytes, learner_id: str) -> list[str]:
    rows = await learner_repository.identifiers_of(session, learner_id)
    return [unseal_pii(kek, row.sealed) for row in rows if row.kind == "email"]


async def _learner_profile(session: AsyncSession, kek: bytes, learner_id: str) -> dict[str, Any]:
    learner = await repository.learner(session, learner_id)
    if learner is None:
        raise ProfileNotFoundError()
    profile: dict[str, Any] = {"id": learner_profile_id(learner_id), "type": ["Profile"]}
    if learner.display_name_sealed is not None:
        profile["name"] = unseal_pii(kek, learner.display_name_sealed)
    emails = await _emails(session, kek, learner_id)
    if emails:
        profile["email"] = emails[0]
    return profile


async def _partner_profile(session: AsyncSession, partner_id: str) -> dict[str, Any]:
    partner = await repository.partner(session, partner_id)
    if partner is None:
        raise ProfileNotFoundError()
    identifiers = await repository.trusted_identifiers(session, partner_id)
    profile: dict[str, Any] = {
        "id": identifiers[0] if identifiers else f"urn:uuid:{partner.id}",
        "type": ["Profile"],
        "name": partner.name,
    }
    if partner.url:
        profile["url"] = partner.url
    return profile


async def get(session: AsyncSession, kek: bytes, principal: ObApiPrincipal) -> dict[str, Any]:
    """The principal's Profile (see the module docstring)."""
    if principal.learner_id is not None:
        return await _learner_profile(session, kek, principal.learner_id)
    if principal.partner_id is not None:
        return await _partner_profile(session, principal.partner_id)
    raise NoSubjectError()


def _checked_name(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_NAME_CHARS:
        raise ProfileInvalidError()
    name = " ".join(value.split())
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ProfileInvalidError()
    return name or None


async def put(
    session: AsyncSession, kek: bytes, principal: ObApiPrincipal, profile: Any
) -> dict[str, Any]:
    """Update what a learner may change; the Profile as kept (see the module docstring)."""
    if principal.learner_id is None:
        if principal.partner_id is not None:
            raise ProfileReadOnlyError()
        raise NoSubjectError()
    learner_id = principal.learner_id
    if await repository.learner(session, learner_id) is None:
        raise ProfileNotFoundError()
    types = profile.get("type") if isinstance(profile, dict) else None
    types = [types] if isinstance(types, str) else types
    if (
        not isinstance(profile, dict)
        or profile.get("id") != learner_profile_id(learner_id)
        or not isinstance(types, list)
        or "Profile" not in types
    ):
        raise ProfileInvalidError()
    name = _checked_name(profile.get("name"))
    email = profile.get("email")
    if email is not None:
        held = {normalize_email(e) for e in await _emails(session, kek, learner_id)}
        if not isinstance(email, str) or normalize_email(email) not in held:
            raise EmailChangeRefusedError()
    sealed = seal_pii(kek, name) if name is not None else None
    await repository.set_display_name(session, learner_id, sealed, datetime.now(UTC))
    return await _learner_profile(session, kek, learner_id)
