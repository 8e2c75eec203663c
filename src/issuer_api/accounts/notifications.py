"""Emails telling a learner that a regional badge of theirs was awarded, suspended or
restored.

Called by the regional flow in the transaction that changes the award
(:meth:`issuer_api.regional.flows._Run.notify`): the email is queued if and only if
the change commits, once per change. Nothing is queued when the learner has no email
address or turned these emails off (``learner.notify_email``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.mail import compose, service
from issuer_api.region import store as region_store
from issuer_api.settings import Settings

# Regional badge events (issuer_api.outbound.schemas) → email template.
TEMPLATES: Final = {
    "regional_badge.awarded": "badge_awarded",
    "regional_badge.suspended": "badge_suspended",
    "regional_badge.restored": "badge_restored",
}
SPACE_PATH: Final = "/espace"
PREFERENCES_PATH: Final = "/espace/preferences"


@dataclass(frozen=True)
class MailedLearner:
    """The learner an email goes to, as the caller read them: ``address`` their first
    email address (``None``: they have none), ``language`` their chosen language."""

    id: str
    address: str | None
    language: str | None


async def badge_changed(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    *,
    base_url: str,
    learner: MailedLearner,
    event: str,
    names: Mapping[str, str],
    page_url: str | None,
) -> str | None:
    """Queue the email of ``event`` for the learner; the mail id, or ``None`` if none.

    The caller checks that the learner wants these emails (``learner.notify_email``)."""
    template = TEMPLATES.get(event)
    address = learner.address
    if template is None or address is None:
        return None
    language = compose.language_of(learner.language, settings.default_language)
    identity = await region_store.load(session, settings)
    message = compose.compose_text(
        name=template,
        language=language,
        context={
            "badge_name": names.get(language) or names.get("fr") or "",
            "badge_url": page_url,
            "space_url": base_url + SPACE_PATH,
            "preferences_url": base_url + PREFERENCES_PATH,
        },
        to=address,
        sender=compose.sender_of(settings.mail_from, identity),
        identity=identity,
    )
    return await service.queue(session, kek, message, kind=event, learner_id=learner.id)
