"""The hub under test for the regional aggregation: partners, learners, regional badges.

:class:`RegionalHub` is the ingestion test hub (real inbox, real job runtime, a local
web server for status lists) serving the partner, ingestion, learner and regional
routes, plus what regional tests read back: awards, minted credentials, audit events.

Partner badges are built with :mod:`ingestion.factory`: :func:`aligned` gives an OB 3.0
credential aligned on a competency of the shipped Normandie référentiel by its code
(``ORG``, ``ORG-II`` …), signed by the partner's did:key issuer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import func, select, text

from ingestion.factory import PartnerIssuer, alignment, json_item
from ingestion.helpers import EMAIL, Hub
from issuer_api.ingestion.inbox import InboxItem
from issuer_api.models import (
    AuditEvent,
    IssuedCredential,
    Learner,
    PartnerBadge,
    ReferentialVersion,
    RegionalAward,
)
from issuer_api.regional import flows
from issuer_api.regional.flows import Outcome

ORG_URI: Final = "https://badges.normandie.fr/referentiel/competences/organiser"
COMPETENCY_URIS: Final = {
    "ORG": ORG_URI,
    "ADA": "https://badges.normandie.fr/referentiel/competences/s-adapter",
    "COM": "https://badges.normandie.fr/referentiel/competences/communiquer",
    "INT": "https://badges.normandie.fr/referentiel/competences/s-integrer",
}
EVALUATE_TASK: Final = "regional.evaluate_learner"
VALID_FROM: Final = datetime(2025, 3, 1, tzinfo=UTC)

__all__ = ["EMAIL", "RegionalHub", "aligned", "aligned_credential", "counts"]


def aligned_credential(
    issuer: PartnerIssuer,
    code: str,
    *,
    email: str = EMAIL,
    achievement: str | None = None,
    name: str | None = None,
    credential_id: str | None = None,
    valid_from: datetime = VALID_FROM,
    status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An unsigned partner credential for ``email`` aligned on ``code`` (``ORG``,
    ``ORG-II`` …; ``""``: no alignment)."""
    alignments = []
    if code:
        competency = code.split("-", 1)[0]
        alignments = [alignment(COMPETENCY_URIS[competency], code, f"Compétence {code}")]
    slug = achievement or f"{code.lower() or 'libre'}-{uuid.uuid4().hex[:8]}"
    host = issuer.name.lower().replace(" ", "-")
    return issuer.credential(
        email=email,
        achievement_id=f"https://{host}.example/achievements/{slug}",
        achievement_name=name or f"Atelier {code or 'libre'} ({issuer.name})",
        alignments=alignments,
        credential_id=credential_id,
        valid_from=valid_from,
        status=status,
    )


def aligned(issuer: PartnerIssuer, code: str, *, email: str = EMAIL, **fields: Any) -> InboxItem:
    """:func:`aligned_credential`, signed (eddsa-rdfc-2022), as a JSON inbox item."""
    credential = aligned_credential(issuer, code, email=email, **fields)
    return json_item(issuer.signed_json(credential), email=email)


@dataclass
class RegionalHub(Hub):
    """The ingestion hub, plus the regional aggregation's read-backs."""

    async def deliver_and_process(self, partner_id: str | None, *items: InboxItem) -> str:
        """Deliver, then run every job (processing, evaluation, notifications)."""
        delivery_id = await self.deliver(partner_id, *items)
        await self.run_jobs()
        return delivery_id

    async def evaluate(self, learner_id: str) -> Outcome:
        """One evaluation of the learner, in its own unit of work (as the job does)."""
        return await flows.evaluate_learner(self.sessions, self.settings, self.kek, learner_id)

    async def learner_id(self) -> str:
        async with self.sessions() as session:
            (only,) = list(await session.scalars(select(Learner.id)))
            return only

    async def awards(self, learner_id: str | None = None) -> list[RegionalAward]:
        async with self.sessions() as session:
            query = select(RegionalAward).order_by(
                RegionalAward.created_at, RegionalAward.achievement_code
            )
            if learner_id is not None:
                query = query.where(RegionalAward.learner_id == learner_id)
            return list(await session.scalars(query))

    async def award_states(self, learner_id: str | None = None) -> dict[str, str]:
        return {a.achievement_code: a.state for a in await self.awards(learner_id)}

    async def credential(self, credential_id: str | None) -> IssuedCredential:
        assert credential_id is not None
        async with self.sessions() as session:
            found = await session.get(IssuedCredential, credential_id)
            assert found is not None
            return found

    async def credential_of(self, code: str, learner_id: str | None = None) -> IssuedCredential:
        (award,) = [a for a in await self.awards(learner_id) if a.achievement_code == code]
        return await self.credential(award.credential_id)

    async def regional_credentials(self) -> int:
        """Credentials the Region issued for awards (every credential not from the API)."""
        async with self.sessions() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(IssuedCredential)
                .where(IssuedCredential.client_id.is_(None))
            )
        return int(found or 0)

    async def badge_rows(self) -> list[PartnerBadge]:
        return await self.badges()

    async def audit(self, prefix: str) -> list[AuditEvent]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.id)
            )
            return list(rows)

    async def referential_numbers(self) -> list[tuple[int, bool]]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(ReferentialVersion.number, ReferentialVersion.active).order_by(
                    ReferentialVersion.number
                )
            )
            return [(row.number, row.active) for row in rows]

    async def jobs_waiting(self, task: str = EVALUATE_TASK) -> int:
        async with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                query = text(
                    "SELECT count(*) FROM procrastinate_jobs "
                    "WHERE task_name = :task AND status = 'todo'"
                )
            else:
                query = text("SELECT count(*) FROM job WHERE task = :task AND status = 'todo'")
            return int((await session.execute(query, {"task": task})).scalar_one())


async def counts(hub: Hub) -> dict[str, int]:
    """Rows per table that a dry run must leave alone."""
    tables = (
        "issued_credential",
        "regional_award",
        "referential_version",
        "partner_badge",
        "learner",
        "delivery",
        "achievement",
        "audit_event",
        "status_allocation",
    )
    found: dict[str, int] = {}
    async with hub.sessions() as session:
        for table in tables:
            result = await session.execute(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
            found[table] = int(result.scalar_one())
    return found
