"""Emails to the learner when a regional badge of theirs is awarded, suspended or
restored: queued in the transaction of the change (once per change), in their
language, with links to the badge's public page and to their space; none when they
turned them off or have no email address; no personal data in the logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from ingestion.factory import PartnerIssuer
from issuer_api.learners import service as learners
from issuer_api.mail import outbox
from issuer_api.models import Learner
from regional.helpers import EMAIL, RegionalHub, aligned
from regional.test_cascades import INDEX, level_i_with_a_withdrawable_badge, publish, recheck

ADDRESS = EMAIL.lower()  # as the hub keeps it (normalised)


def sent(hub: RegionalHub) -> list[EmailMessage]:
    found = []
    for path in sorted(outbox.folder(hub.app.state.settings.data_dir).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    text: str = part.get_content()  # type: ignore[attr-defined]
    return text


async def known_learner(hub: RegionalHub, *, language: str | None, notify: bool) -> str:
    """The learner, known before their first badge, with their preferences."""
    async with hub.sessions() as session, session.begin():
        learner_id = await learners.find_or_create(
            session, hub.kek, "email", EMAIL, datetime.now(UTC)
        )
        learner = await session.get(Learner, learner_id)
        assert learner is not None
        learner.language, learner.notify_email = language, notify
    return learner_id


async def test_an_awarded_regional_badge_is_announced_once_with_its_links(
    hub: RegionalHub, campus: PartnerIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))

    (message,) = sent(hub)
    (award,) = await hub.awards()
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Vous avez un nouveau badge régional : Organiser — Je pratique"
    text = body(message)
    assert f"http://127.0.0.1:8000/badges/{award.credential_id}" in text
    assert "http://127.0.0.1:8000/espace" in text
    assert "http://127.0.0.1:8000/espace/preferences" in text
    assert ADDRESS not in caplog.text.lower()

    await hub.evaluate(await hub.learner_id())
    await hub.run_jobs()
    assert len(sent(hub)) == 1


async def test_a_suspension_and_a_restoration_are_announced_too(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await level_i_with_a_withdrawable_badge(hub, campus, purpose="suspension")
    publish(hub, campus, "suspension", {INDEX})
    await recheck(hub)
    publish(hub, campus, "suspension", set())
    await recheck(hub)

    subjects = [m["Subject"] for m in sent(hub)]
    assert subjects == [
        "Vous avez un nouveau badge régional : Organiser — Je pratique",
        "Votre badge régional est suspendu : Organiser — Je pratique",
        "Votre badge régional est de nouveau valide : Organiser — Je pratique",
    ]


async def test_the_email_is_in_the_learners_language(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await known_learner(hub, language="en", notify=True)
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))

    (message,) = sent(hub)
    assert message["Subject"].startswith("You have a new regional badge: ")
    assert "you have been awarded the regional badge" in body(message)
    assert "by Région Normandie." in body(message)


async def test_a_learner_who_turned_notifications_off_gets_no_email(
    hub: RegionalHub, campus: PartnerIssuer
) -> None:
    await known_learner(hub, language=None, notify=False)
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])

    await hub.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))

    assert await hub.award_states() == {"ORG-I": "active"}
    assert sent(hub) == []
