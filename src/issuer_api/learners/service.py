"""Learner records: one learner per real person, their partner badges, access and erasure.

Identity. A learner is found by any of their identifiers (an email, a DID): the
identifier row holds the value sealed under the KEK and a keyed hash of its normalised
form (:func:`issuer_api.privacy.identifier_lookup`), unique per kind. Finding or
creating a learner is race-free: the identifier is inserted with ``ON CONFLICT DO
NOTHING`` and read again, so two workers processing the same new email at once end
with one learner (on PostgreSQL the loser's insert waits for the winner's commit).

Partner badges. An accepted credential is kept once (OB 3.0 equality: same issuer id,
same credential id → same ``equality_key``, unique). Delivered again, a newer version
replaces the kept one, an older or identical one is a duplicate. Every change leaves a
:class:`~issuer_api.models.PartnerBadgeEvent` and asks the regional aggregation to
evaluate the learner again (``regional.evaluate_learner``, enqueued in the same
transaction, one waiting job per learner).

Erasure (GDPR art. 17) deletes the learner, identifiers, badges, events and regional
awards (revoking the regional credentials issued), and wipes the payload and recipient
of every delivery item that concerned them; counters and outcomes stay.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.audit import add_audit_event
from issuer_api.credentials import repository as credential_repository
from issuer_api.credentials import service as credentials
from issuer_api.errors import InvalidRequestError, NotFoundError
from issuer_api.ingestion import acceptance
from issuer_api.ingestion.acceptance import BadgeFacts, BadgeStatus, Reason
from issuer_api.jobs import enqueue
from issuer_api.jobs.queue import Deferral
from issuer_api.learners import repository
from issuer_api.learners.schemas import (
    ExportedAward,
    ExportedBadge,
    ExportedDeliveryItem,
    ExportedEvent,
    ExportedGrant,
    ExportedWalletDelivery,
    IdentifierOut,
    LearnerExport,
    LearnerRecord,
    LearnerRef,
    PartnerBadgeOut,
    RegionalAwardOut,
)
from issuer_api.models import Learner, PartnerBadge, RegionalAward
from issuer_api.models.base import new_id
from issuer_api.oauth import grants as oauth_grants
from issuer_api.privacy import IdentifierKind, identifier_lookup, normalize, seal_pii, unseal_pii

logger = logging.getLogger(__name__)

EVALUATE_TASK: Final = "regional.evaluate_learner"
RECHECK_TASK: Final = "ingest.recheck_learner"
ERASURE_REASON: Final = "learner_erasure"


class LearnerNotFoundError(NotFoundError):
    code = "learner_not_found"


class LearnerQueryError(InvalidRequestError):
    code = "learner_query_invalid"


class RecipientConflictError(Exception):
    """The credential is kept already, for another learner."""


def now_utc() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- identity


async def find_or_create(
    session: AsyncSession, kek: bytes, kind: IdentifierKind, value: str, now: datetime
) -> str:
    """The id of the learner holding this identifier, created with it if there is none."""
    lookup = identifier_lookup(kek, kind, value)
    found = await repository.learner_by_lookup(session, kind, lookup)
    if found is not None:
        return found
    return await create_or_find(session, kek, kind, value, now, lookup=lookup)


async def create_or_find(
    session: AsyncSession,
    kek: bytes,
    kind: IdentifierKind,
    value: str,
    now: datetime,
    *,
    lookup: str | None = None,
) -> str:
    """Create the learner of an identifier no one held when it was looked up; if a
    concurrent worker registered it since, its learner (``lookup``: the identifier's
    keyed hash, when the caller computed it already)."""
    if lookup is None:
        lookup = identifier_lookup(kek, kind, value)
    learner_id = new_id()
    inserted = await repository.register_learner(
        session,
        learner_id=learner_id,
        kind=kind,
        lookup=lookup,
        sealed=seal_pii(kek, normalize(kind, value)),
        now=now,
    )
    if inserted:
        return learner_id
    # A concurrent worker registered the identifier first: use its learner.
    await repository.delete_learner(session, learner_id)
    found = await repository.learner_by_lookup(session, kind, lookup)
    if found is None:  # erased in between: the job retries
        raise RuntimeError("a learner identifier vanished while being registered")
    return found


async def link_identifier(
    session: AsyncSession,
    kek: bytes,
    learner_id: str,
    kind: IdentifierKind,
    value: str,
    *,
    now: datetime,
) -> bool:
    """Give the learner another identifier, unless it is already someone's (or theirs)."""
    return await repository.insert_identifier(
        session,
        learner_id=learner_id,
        kind=kind,
        lookup=identifier_lookup(kek, kind, value),
        sealed=seal_pii(kek, normalize(kind, value)),
        now=now,
    )


def evaluation(learner_id: str) -> Deferral:
    """The job asking the regional aggregation to evaluate the learner again (one
    waiting per learner)."""
    return Deferral(
        EVALUATE_TASK,
        {"learner_id": learner_id},
        queueing_lock=f"evaluate:{learner_id}",
        lock=f"learner:{learner_id}",  # as issuer_api.regional.tasks.queue_learner
    )


async def request_evaluation(session: AsyncSession, learner_id: str) -> None:
    """Ask the regional aggregation to evaluate the learner again (in this transaction)."""
    await evaluation(learner_id).enqueue(session)


# --------------------------------------------------------------------------- partner badges


@dataclass(frozen=True)
class Provenance:
    """Where an accepted badge came from."""

    partner_id: str | None
    delivery_id: str
    delivery_item_id: str


@dataclass(frozen=True)
class Kept:
    """What became of an accepted credential: kept (``accepted``) or already kept."""

    outcome: Literal["accepted", "duplicate"]
    reasons: list[Reason]
    badge_id: str


def _badge_values(
    facts: BadgeFacts,
    provenance: Provenance,
    *,
    original_sealed: dict[str, Any],
    report: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    return {
        "partner_id": provenance.partner_id,
        "delivery_id": provenance.delivery_id,
        "delivery_item_id": provenance.delivery_item_id,
        "issuer_id": facts.issuer_id,
        "credential_id": facts.credential_id,
        "format": facts.format[:32],
        "achievement_id": facts.achievement_id,
        "achievement_name": facts.achievement_name,
        "achievement": facts.achievement,
        "valid_from": facts.valid_from,
        "valid_until": facts.valid_until,
        "awarded_at": facts.awarded_at,
        "original_sealed": original_sealed,
        "digest": facts.digest,
        "report": report,
        "status": "active",
        "status_checked_at": now,
        "updated_at": now,
    }


async def keep_partner_badge(
    session: AsyncSession,
    kek: bytes,
    *,
    learner_id: str,
    facts: BadgeFacts,
    provenance: Provenance,
    original: str,
    report: dict[str, Any],
    now: datetime,
) -> Kept:
    """Keep a verified credential for the learner, once (OB 3.0 equality).

    Raises :class:`RecipientConflictError` when the same credential is kept for another
    learner (the caller rolls back and rejects the item).
    """
    values = _badge_values(
        facts, provenance, original_sealed=seal_pii(kek, original), report=report, now=now
    )
    badge_id = new_id()
    stored_now = await repository.store_badge(  # with its event, the learner touched
        session,  # and re-evaluated
        {
            **values,
            "id": badge_id,
            "equality_key": facts.equality_key,
            "learner_id": learner_id,
            "status_changed_at": None,
            "created_at": now,
        },
        at=now,
        detail={"delivery_item_id": provenance.delivery_item_id},
        then=evaluation(learner_id),
    )
    if stored_now:
        return Kept("accepted", [], badge_id)
    stored = await repository.badge_by_key(session, facts.equality_key)
    if stored is None:  # erased in between: the job retries
        raise RuntimeError("a kept badge vanished while being compared")
    if stored.learner_id != learner_id:
        raise RecipientConflictError
    comparison = acceptance.compare(stored.valid_from, facts.valid_from)
    if comparison != "replace":
        return Kept("duplicate", [acceptance.equality_reason(comparison)], stored.id)
    previous = stored.status
    await repository.update_badge(
        session,
        stored.id,
        {**values, "status_changed_at": now if previous != "active" else stored.status_changed_at},
    )
    await repository.add_event(
        session,
        learner_id=learner_id,
        badge_id=stored.id,
        kind="replaced",
        at=now,
        previous_status=previous,
        new_status="active",
        detail={"delivery_item_id": provenance.delivery_item_id, "digest": facts.digest},
    )
    await _learner_changed(session, learner_id, now)
    return Kept("accepted", [acceptance.equality_reason(comparison)], stored.id)


async def change_badge_status(
    session: AsyncSession,
    *,
    badge_id: str,
    learner_id: str,
    previous: str,
    new: BadgeStatus,
    now: datetime,
) -> bool:
    """Record a status found by a re-check (revoked, suspended, reinstated, expired);
    False when the badge's status changed meanwhile (nothing is written)."""
    if not await repository.change_badge_status(session, badge_id, previous, new, now):
        return False
    await repository.add_event(
        session,
        learner_id=learner_id,
        badge_id=badge_id,
        kind=acceptance.event_for(previous, new),
        at=now,
        previous_status=previous,
        new_status=new,
    )
    await _learner_changed(session, learner_id, now)
    return True


async def _learner_changed(session: AsyncSession, learner_id: str, now: datetime) -> None:
    await repository.touch(session, learner_id, now)
    await request_evaluation(session, learner_id)


# --------------------------------------------------------------------------- administration


async def get(session: AsyncSession, learner_id: str) -> Learner:
    learner = await repository.get(session, learner_id)
    if learner is None:
        raise LearnerNotFoundError()
    return learner


async def lookup(
    session: AsyncSession, kek: bytes, *, email: str | None, did: str | None
) -> LearnerRef:
    """The learner holding an email or a DID (found by keyed hash; nothing is listed)."""
    if (email is None) == (did is None):
        raise LearnerQueryError()
    kind: IdentifierKind = "email" if email is not None else "did"
    value = email if email is not None else did
    if value is None or not value.strip():
        raise LearnerQueryError()
    found = await repository.learner_by_lookup(session, kind, identifier_lookup(kek, kind, value))
    if found is None:
        raise LearnerNotFoundError()
    return LearnerRef(learner_id=found)


async def _identifiers(session: AsyncSession, kek: bytes, learner_id: str) -> list[IdentifierOut]:
    return [
        IdentifierOut(
            kind="email" if row.kind == "email" else "did",
            value=unseal_pii(kek, row.sealed),
            created_at=row.created_at,
        )
        for row in await repository.identifiers_of(session, learner_id)
    ]


def _badge_out(badge: PartnerBadge) -> dict[str, Any]:
    return {
        "id": badge.id,
        "partner_id": badge.partner_id,
        "delivery_id": badge.delivery_id,
        "issuer_id": badge.issuer_id,
        "credential_id": badge.credential_id,
        "format": badge.format,
        "achievement_id": badge.achievement_id,
        "achievement_name": badge.achievement_name,
        "valid_from": badge.valid_from,
        "valid_until": badge.valid_until,
        "awarded_at": badge.awarded_at,
        "status": badge.status,
        "status_checked_at": badge.status_checked_at,
        "status_changed_at": badge.status_changed_at,
        "digest": badge.digest,
        "created_at": badge.created_at,
        "updated_at": badge.updated_at,
    }


def _award_out(award: RegionalAward) -> dict[str, Any]:
    return {
        "id": award.id,
        "achievement_code": award.achievement_code,
        "state": award.state,
        "credential_id": award.credential_id,
        "referential_version_id": award.referential_version_id,
        "evidence": award.evidence,
        "created_at": award.created_at,
        "updated_at": award.updated_at,
    }


async def record(session: AsyncSession, kek: bytes, learner_id: str) -> LearnerRecord:
    learner = await get(session, learner_id)
    return LearnerRecord(
        id=learner.id,
        created_at=learner.created_at,
        updated_at=learner.updated_at,
        identifiers=await _identifiers(session, kek, learner_id),
        partner_badges=[
            PartnerBadgeOut.model_validate(_badge_out(b))
            for b in await repository.badges_of(session, learner_id)
        ],
        regional_awards=[
            RegionalAwardOut.model_validate(_award_out(a))
            for a in await repository.awards_of(session, learner_id)
        ],
    )


def _unseal(kek: bytes, sealed: dict[str, Any] | None) -> str | None:
    return unseal_pii(kek, sealed) if sealed is not None else None


async def _lookups(session: AsyncSession, learner_id: str) -> list[str]:
    return [row.lookup for row in await repository.identifiers_of(session, learner_id)]


async def export(
    session: AsyncSession, kek: bytes, learner_id: str, *, actor: str
) -> LearnerExport:
    """Everything held about the learner, personal data in clear (GDPR art. 15, 20)."""
    learner = await get(session, learner_id)
    badges = [
        ExportedBadge.model_validate(
            {
                **_badge_out(b),
                "achievement": b.achievement,
                "original": _unseal(kek, b.original_sealed),
                "report": b.report,
            }
        )
        for b in await repository.badges_of(session, learner_id)
    ]
    items = [
        ExportedDeliveryItem(
            id=item.id,
            delivery_id=item.delivery_id,
            partner_id=delivery.partner_id,
            channel=delivery.channel,
            received_at=delivery.received_at,
            position=item.position,
            reference=item.reference,
            payload_kind=item.payload_kind,
            payload=_unseal(kek, item.payload_sealed),
            recipient_kind=item.recipient_kind,
            recipient=_unseal(kek, item.recipient_sealed),
            outcome=item.outcome,
            reasons=item.reasons,
            partner_badge_id=item.partner_badge_id,
            processed_at=item.processed_at,
        )
        for item, delivery in await repository.items_concerning(
            session, learner_id, await _lookups(session, learner_id)
        )
    ]
    awards = []
    for award in await repository.awards_of(session, learner_id):
        issued = (
            await credential_repository.get(session, award.credential_id)
            if award.credential_id is not None
            else None
        )
        awards.append(
            ExportedAward.model_validate(
                {
                    **_award_out(award),
                    "explanation": award.explanation,
                    "credential": issued.document if issued is not None else None,
                    "credential_jwt": issued.jwt if issued is not None else None,
                }
            )
        )
    events = [
        ExportedEvent(
            id=e.id,
            partner_badge_id=e.partner_badge_id,
            kind=e.kind,
            previous_status=e.previous_status,
            new_status=e.new_status,
            at=e.at,
            detail=e.detail,
        )
        for e in await repository.events_of(session, learner_id)
    ]
    add_audit_event(
        session,
        actor=actor,
        action="learner.export",
        target_type="learner",
        target_id=learner_id,
    )
    await session.flush()
    return LearnerExport(
        exported_at=now_utc(),
        learner=LearnerRef(learner_id=learner.id),
        created_at=learner.created_at,
        updated_at=learner.updated_at,
        identifiers=await _identifiers(session, kek, learner_id),
        partner_badges=badges,
        events=events,
        delivery_items=items,
        regional_awards=awards,
        authorised_applications=[
            ExportedGrant.model_validate(row)
            for row in await oauth_grants.export_rows(session, learner_id)
        ],
        wallet_deliveries=[
            ExportedWalletDelivery(
                credential_id=d.credential_id,
                holder_did=d.holder_did,
                delivered_credential_id=d.delivered_uri,
                delivered_at=d.delivered_at,
            )
            for d in await repository.wallet_deliveries_of(session, learner_id)
        ],
    )


async def erase(session: AsyncSession, learner_id: str, *, actor: str) -> dict[str, int]:
    """Erase the learner (GDPR art. 17); the audit event records counts, nothing personal."""
    await get(session, learner_id)
    lookups = await _lookups(session, learner_id)
    revoked = emptied = 0
    now = datetime.now(UTC)
    for award in await repository.awards_of(session, learner_id):
        if award.credential_id is None:
            continue
        issued = await credential_repository.get(session, award.credential_id)
        if issued is None or issued.erased_at is not None:
            continue
        if issued.revoked_at is None:
            with contextlib.suppress(credentials.AlreadyRevokedError):
                issued = await credentials.change_status(
                    session, issued, "revoke", actor=actor, reason=ERASURE_REASON
                )
                revoked += 1
        emptied += await credentials.erase_subject(session, issued, now)
    redacted = await repository.redact_messages(session, learner_id)
    authorisations = await oauth_grants.erase(session, learner_id)
    wiped = await repository.wipe_items(session, learner_id, lookups)
    counts = await repository.delete_records(session, learner_id)
    counts |= {
        "delivery_items_wiped": wiped,
        "regional_credentials_revoked": revoked,
        "regional_credentials_erased": emptied,
        "notifications_redacted": redacted,
        "authorised_applications": authorisations,
    }
    add_audit_event(
        session,
        actor=actor,
        action="learner.erase",
        target_type="learner",
        target_id=learner_id,
        reason=ERASURE_REASON,
        data=dict(counts),
    )
    await session.flush()
    return counts


async def request_recheck(session: AsyncSession, learner_id: str) -> bool:
    """Queue a status re-check of the learner's partner badges; False if one is waiting."""
    await get(session, learner_id)
    return await enqueue(
        session, RECHECK_TASK, {"learner_id": learner_id}, queueing_lock=f"recheck:{learner_id}"
    )
