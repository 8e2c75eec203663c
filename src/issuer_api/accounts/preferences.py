"""A learner's own choices: the language of their pages and emails, and whether they
receive an email when a regional badge of theirs is awarded, suspended or restored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.i18n import Language
from issuer_api.models import Learner


@dataclass(frozen=True)
class Preferences:
    language: Language | None
    notify_email: bool


async def of(db: AsyncSession, learner_id: str) -> Preferences:
    learner = await db.get(Learner, learner_id)
    if learner is None:
        return Preferences(None, notify_email=False)
    language: Language | None = (
        "fr" if learner.language == "fr" else "en" if learner.language == "en" else None
    )
    return Preferences(language, notify_email=learner.notify_email)


async def save(db: AsyncSession, learner_id: str, preferences: Preferences) -> None:
    learner = await db.get(Learner, learner_id)
    if learner is None:
        return
    learner.language = preferences.language
    learner.notify_email = preferences.notify_email
    learner.updated_at = datetime.now(UTC)
    await db.flush()
