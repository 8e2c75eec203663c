"""Evaluating a learner: evaluate → cascade → mint → notify, in one unit of work.

::

    learner still there? → active référentiel (the shipped one on first use)
      → the learner's partner badges as facts, approved mappings, awards held
      → cascade until stable (at most one round per regional badge):
          evaluate (held = awards in state active)
          an active award no longer supported → policy: suspend | revoke | keep
          a suspended award supported again  → restore (unsuspend)
      → mint, in evaluation order, every satisfied regional badge not held:
          claim (INSERT … ON CONFLICT DO NOTHING on (learner, code)) — the loser stops
          → build, sign (eddsa-rdfc-2022, in a thread), claim the status slot
          → store the credential, link it to the award, audit, notify (partners'
            webhooks; the learner's email: issuer_api.accounts.notifications)
    commit (the caller's unit of work)

**Exactly once.** The unique constraint on (learner, regional achievement code) is the
only guard: of concurrent evaluations of one learner — job retries, several workers,
several machines — exactly one inserts the award and mints; the others' insert does
nothing (on PostgreSQL it waits for the winner's transaction, then sees its row). A
revoked award supported again is minted again through a conditional update from
``revoked`` (the same guard, by state).

**Support.** An award is supported while its rule is satisfied *or* every badge of its
evidence is still valid (not revoked, suspended or expired; for a regional badge in the
evidence: that award is active). The second clause keeps a badge earned under an older
référentiel, or before a ``within`` window moved on, as long as nothing it was earned
with is withdrawn; suspending a partner (its new badges stop counting) does not withdraw
what its badges already earned either. Cascades re-evaluate with the awards left
active, so a general badge resting on a suspended level-II badge is suspended in the
same run.

**Credentials.** Issued by the Region (its active Ed25519 key, eddsa-rdfc-2022), for
the learner's email as a salted SHA-256 ``IdentityObject`` (and/or their DID as
``credentialSubject.id``), embedding the current version of the Region achievement,
with ``evidence`` listing every credential counted (``id`` = the partner credential's
id; the issuer and the SHA-256 of the badge as received in ``description``),
``awardedDate`` and ``validFrom`` = now, and one status entry of purpose
``suspension``. One entry, because the OB 3.0 schema (which verifiers apply) allows a
single ``credentialStatus`` object; a suspension entry makes cascades reversible
(suspend, restore) and a revocation final all the same (its bit stays set and the
hub refuses to lift it: :func:`issuer_api.credentials.service.change_status`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aggregation.classify import Classifier
from aggregation.rules import AchievementResult, Result
from issuer_api.accounts import notifications
from issuer_api.audit import add_audit_event
from issuer_api.credentials import repository as credential_repository
from issuer_api.credentials import service as credentials
from issuer_api.credentials.flows import new_row, sign_with_status
from issuer_api.db import session_scope
from issuer_api.issuers import service as issuers
from issuer_api.models import IssuedCredential, Issuer, RegionalAward
from issuer_api.models.base import new_id
from issuer_api.outbound import service as outbound
from issuer_api.outbound.schemas import (
    REGIONAL_BADGE_AWARDED,
    REGIONAL_BADGE_RESTORED,
    REGIONAL_BADGE_REVOKED,
    REGIONAL_BADGE_SUSPENDED,
    RegionalBadgeEventData,
)
from issuer_api.privacy import unseal_pii
from issuer_api.regional import repository, service
from issuer_api.settings import CascadePolicy, Settings
from obcore import contexts
from obcore.identity import make_identity_object
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity

logger = logging.getLogger(__name__)

ACTOR: Final = service.SYSTEM_ACTOR
AWARD_TARGET: Final = "regional_award"
SUPPORT_LOST: Final = "regional_support_lost"
SUPPORT_RETURNED: Final = "regional_support_returned"
STATUS_PURPOSES: Final = ("suspension",)
_IRI: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass
class Outcome:
    """What one evaluation changed (regional badge codes)."""

    learner_id: str
    minted: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.minted or self.suspended or self.restored or self.revoked)


async def evaluate_learner(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    kek: bytes,
    learner_id: str,
    *,
    now: datetime | None = None,
) -> Outcome:
    """Evaluate one learner in its own unit of work (the job's body)."""
    async with session_scope(sessions) as session:
        return await evaluate(session, settings, kek, learner_id, now=now)


async def evaluate(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    learner_id: str,
    *,
    now: datetime | None = None,
) -> Outcome:
    """Evaluate, cascade and mint for one learner in ``session`` (flushes, never commits)."""
    outcome = Outcome(learner_id)
    learner = await repository.lock_learner(session, learner_id)
    if learner is None:
        return outcome  # erased meanwhile: nothing to do
    active = await service.active_referential(session, settings, kek)
    state = await service.snapshot(session, active, learner_id)
    run = _Run(
        session=session,
        settings=settings,
        kek=kek,
        state=state,
        learner=learner,
        now=(now or service.now_utc()),
        policy=service.cascade_policy(settings),
        outcome=outcome,
    )
    await run.cascade()
    await run.mint()
    await session.flush()
    return outcome


# --------------------------------------------------------------------------- one run


@dataclass
class _Award:
    """The evaluation's view of an award (updated as the run changes it)."""

    id: str
    code: str
    state: str
    credential_id: str | None
    evidence: list[Any]
    explanation: dict[str, Any]

    @classmethod
    def of(cls, row: RegionalAward) -> _Award:
        return cls(
            row.id,
            row.achievement_code,
            row.state,
            row.credential_id,
            list(row.evidence or []),
            dict(row.explanation or {}),
        )


@dataclass
class _Signer:
    region: Issuer
    key: KeyPair
    profile: dict[str, Any]
    subject: dict[str, Any]
    recipient_type: str
    recipient: str | None


@dataclass
class _Run:
    session: AsyncSession
    settings: Settings
    kek: bytes
    state: service.Snapshot
    learner: repository.LockedLearner
    now: datetime
    policy: CascadePolicy
    outcome: Outcome
    awards: dict[str, _Award] = field(init=False)
    classifier: Classifier = field(init=False)
    order: tuple[str, ...] = field(init=False)
    _signer: _Signer | None = field(init=False, default=None)
    _identifiers: list[tuple[str, str]] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.awards = {code: _Award.of(row) for code, row in self.state.awards.items()}
        self.classifier = self.state.classifier()
        self.order = service.known_codes(self.state.referential)

    # -- evaluation ----------------------------------------------------------

    def held(self) -> frozenset[str]:
        return frozenset(code for code, award in self.awards.items() if award.state == "active")

    def evaluate(self) -> Result:
        return self.state.evaluate(self.now, self.held(), self.classifier)

    def evidence_holds(self, award: _Award) -> bool:
        """Every credential the award was minted with is still valid: not revoked,
        suspended or expired (a partner suspended since is an administrative state: it
        stops new badges from counting, not those already used)."""
        if not award.evidence:
            return False
        for entry in award.evidence:
            if not isinstance(entry, dict):
                return False
            if entry.get("kind") == "regional":
                other = self.awards.get(str(entry.get("code")))
                if other is None or other.state != "active":
                    return False
                continue
            badge = self.state.badges.get(str(entry.get("id")))
            if badge is None or badge.status != "active":
                return False
            if badge.valid_until is not None and badge.valid_until <= self.now:
                return False
        return True

    def supported(self, award: _Award, result: Result) -> bool:
        try:
            achieved = result[award.code]
        except KeyError:
            return True  # not in this référentiel: left as it is
        return achieved.satisfied or self.evidence_holds(award)

    # -- cascades ------------------------------------------------------------

    async def cascade(self) -> None:
        """Withdraw what lost its support, restore what regained it, until stable."""
        for _ in range(len(self.order) + 1):
            result = self.evaluate()
            changed = False
            for code in self.order:
                award = self.awards.get(code)
                if award is not None and award.state == "active":
                    if not self.supported(award, result):
                        changed = await self.lost(award) or changed
                    elif award.explanation.get("unsupported_since"):
                        await self.supported_again(award)
            if changed:
                continue
            for code in self.order:
                award = self.awards.get(code)
                if (
                    award is not None
                    and award.state == "suspended"
                    and self.supported(award, result)
                ):
                    changed = await self.restore(award) or changed
            if not changed:
                return

    async def lost(self, award: _Award) -> bool:
        """Apply the policy to an active award no longer supported; True if it changed."""
        if self.policy == "keep":
            if not award.explanation.get("unsupported_since"):
                award.explanation["unsupported_since"] = self.now.isoformat()
                await repository.set_award_fields(
                    self.session,
                    award.id,
                    {"explanation": award.explanation, "updated_at": self.now},
                )
                self.audit(award, "regional_badge.unsupported", SUPPORT_LOST, {"policy": "keep"})
                self.outcome.unsupported.append(award.code)
            return False
        target = "revoked" if self.policy == "revoke" else "suspended"
        if not await repository.change_award(
            self.session,
            award.id,
            expected=("active",),
            values={"state": target, "updated_at": self.now},
        ):
            return False  # a concurrent evaluation changed it first
        award.state = target
        await self.credential_status(award, "revoke" if target == "revoked" else "suspend")
        event = REGIONAL_BADGE_REVOKED if target == "revoked" else REGIONAL_BADGE_SUSPENDED
        self.audit(award, event, SUPPORT_LOST, {"policy": self.policy})
        await self.notify(event, award, reason=SUPPORT_LOST)
        (self.outcome.revoked if target == "revoked" else self.outcome.suspended).append(award.code)
        return True

    async def supported_again(self, award: _Award) -> None:
        """Under ``keep``: clear the mark left when support was lost."""
        award.explanation.pop("unsupported_since", None)
        await repository.set_award_fields(
            self.session, award.id, {"explanation": award.explanation, "updated_at": self.now}
        )
        self.audit(award, "regional_badge.supported", SUPPORT_RETURNED, {})

    async def restore(self, award: _Award) -> bool:
        if not await repository.change_award(
            self.session,
            award.id,
            expected=("suspended",),
            values={"state": "active", "updated_at": self.now},
        ):
            return False
        award.state = "active"
        await self.credential_status(award, "unsuspend")
        self.audit(award, REGIONAL_BADGE_RESTORED, SUPPORT_RETURNED, {})
        await self.notify(REGIONAL_BADGE_RESTORED, award, reason=SUPPORT_RETURNED)
        self.outcome.restored.append(award.code)
        return True

    async def credential_status(self, award: _Award, action: credentials.Action) -> None:
        if award.credential_id is None:
            return
        issued = await credential_repository.get(self.session, award.credential_id)
        if issued is None:
            return
        try:
            await credentials.change_status(
                self.session,
                issued,
                action,
                actor=ACTOR,
                reason=SUPPORT_LOST if action != "unsuspend" else SUPPORT_RETURNED,
            )
        except (
            credentials.AlreadyRevokedError,
            credentials.AlreadySuspendedError,
            credentials.NotSuspendedError,
            credentials.NotSuspendableError,
        ) as exc:
            logger.info(
                "regional credential status already as wanted",
                extra={"credential": issued.id, "action": action, "code": exc.code},
            )

    # -- minting -------------------------------------------------------------

    async def mint(self) -> None:
        """Mint every regional badge satisfied now and not held (evaluation order)."""
        result = self.evaluate()
        for achieved in result.achievements:
            if not achieved.satisfied:
                continue
            award = self.awards.get(achieved.code)
            if award is None:
                await self.mint_new(achieved)
            elif award.state == "revoked":
                await self.mint_again(award, achieved)

    async def mint_new(self, achieved: AchievementResult) -> None:
        award_id = new_id()
        evidence = self.evidence_of(achieved)
        explanation = self.explanation_of(achieved)
        claimed = await repository.claim_award(
            self.session,
            {
                "id": award_id,
                "learner_id": self.state.learner_id,
                "achievement_code": achieved.code,
                "credential_id": None,
                "referential_version_id": self.state.active.version.id,
                "state": "active",
                "evidence": evidence,
                "explanation": explanation,
                "created_at": self.now,
                "updated_at": None,
            },
        )
        if not claimed:
            return  # a concurrent evaluation holds it: it mints
        award = _Award(award_id, achieved.code, "active", None, evidence, explanation)
        await self.issue(award, achieved)

    async def mint_again(self, award: _Award, achieved: AchievementResult) -> None:
        evidence = self.evidence_of(achieved)
        explanation = self.explanation_of(achieved)
        if not await repository.change_award(
            self.session,
            award.id,
            expected=("revoked",),
            values={
                "state": "active",
                "evidence": evidence,
                "explanation": explanation,
                "referential_version_id": self.state.active.version.id,
                "updated_at": self.now,
            },
        ):
            return
        award.state, award.evidence, award.explanation = "active", evidence, explanation
        await self.issue(award, achieved)

    async def issue(self, award: _Award, achieved: AchievementResult) -> None:
        credential = await self.sign(award, achieved)
        await repository.set_award_fields(self.session, award.id, {"credential_id": credential.id})
        award.credential_id = credential.id
        self.awards[award.code] = award
        self.audit(
            award,
            "regional_badge.awarded",
            None,
            {
                "credential_id": credential.id,
                "referential_version": self.state.active.version.number,
                "reason": achieved.reason,
                "counted": list(achieved.counted),
                "counted_regional": list(achieved.counted_regional),
            },
        )
        await self.notify(REGIONAL_BADGE_AWARDED, award, reason=None)
        self.outcome.minted.append(award.code)

    def evidence_of(self, achieved: AchievementResult) -> list[dict[str, Any]]:
        """What the award records as its evidence (partner badges, regional badges)."""
        entries: list[dict[str, Any]] = []
        for badge_id in achieved.counted:
            badge = self.state.badges.get(badge_id)
            if badge is None:  # pragma: no cover - facts come from these badges
                continue
            entries.append(
                {
                    "kind": "partner",
                    "id": badge.id,
                    "credential_id": badge.credential_id,
                    "issuer": badge.issuer_id,
                    "digest": badge.digest,
                    "partner_id": badge.partner_id,
                    "achievement_id": badge.achievement_id,
                    "name": badge.achievement_name,
                }
            )
        for code in achieved.counted_regional:
            other = self.awards.get(code)
            entries.append(
                {
                    "kind": "regional",
                    "code": code,
                    "award_id": other.id if other else None,
                    "credential_id": other.credential_id if other else None,
                }
            )
        return entries

    def explanation_of(self, achieved: AchievementResult) -> dict[str, Any]:
        return {
            "referential": self.state.active.describe(),
            "name": achieved.achievement.name.to_dict(),
            "result": achieved.to_dict(),
        }

    # -- the credential ------------------------------------------------------

    async def signer(self) -> _Signer:
        if self._signer is not None:
            return self._signer
        region = await service.region_issuer(self.session, self.settings, self.kek)
        key = await issuers.active_signing_key(self.session, region, self.settings, self.kek)
        subject, recipient_type, recipient = await self.recipient()
        self._signer = _Signer(
            region,
            key,
            issuers.profile_document(region, self.settings),
            subject,
            recipient_type,
            recipient,
        )
        return self._signer

    async def identifiers(self) -> list[tuple[str, str]]:
        """The learner's identifiers ``(kind, value)``, unsealed, oldest first (read once
        per evaluation: for the credential's subject and for the email)."""
        if self._identifiers is None:
            rows = await repository.identifiers_of(self.session, self.state.learner_id)
            self._identifiers = [(row.kind, unseal_pii(self.kek, row.sealed)) for row in rows]
        return self._identifiers

    async def first_of(self, kind: str) -> str | None:
        return next((value for k, value in await self.identifiers() if k == kind), None)

    async def recipient(self) -> tuple[dict[str, Any], str, str | None]:
        """``credentialSubject`` members naming the learner: a salted hash of their email
        (``identifier``) and/or their DID (``id``); the stored recipient column."""
        email = await self.first_of("email")
        did = await self.first_of("did")
        subject: dict[str, Any] = {}
        if did is not None:
            subject["id"] = did
        if email is not None:
            identity = make_identity_object(email, "emailAddress")
            subject["identifier"] = [identity]
            return subject, "email", str(identity["identityHash"])
        if did is not None:
            return subject, "did", did
        return subject, "none", None

    async def sign(self, award: _Award, achieved: AchievementResult) -> IssuedCredential:
        signer = await self.signer()
        version = await service.region_achievement(
            self.session, self.settings, signer.region, self.state.active, award.code
        )
        credential_id = new_id()
        valid_from = self.now.replace(microsecond=0)
        achievement = dict(version.document)
        evidence = self.credential_evidence(award, achieved)

        def build(slots: Sequence[Any]) -> dict[str, Any]:
            return credential_document(
                credential_id=credential_id,
                profile=signer.profile,
                achievement=achievement,
                subject=signer.subject,
                evidence=evidence,
                valid_from=valid_from,
                status_entries=[slot.entry() for slot in slots],
            )

        signed, slots = await sign_with_status(
            self.session,
            issuer_id=signer.region.id,
            credential_id=credential_id,
            base_url=issuers.base_url(self.settings),
            base_is_configured=self.settings.public_base_url is not None,
            purposes=STATUS_PURPOSES,
            build=build,
            key=signer.key,
            fmt="di",
            check=credentials.ensure_schema_valid,
        )
        row = new_row(
            credential_id=credential_id,
            issuer_id=signer.region.id,
            client_id=None,
            signed=signed,
            fmt="di",
            slots=slots,
            recipient_type=signer.recipient_type,
            recipient=signer.recipient,
            credential_uri=f"urn:uuid:{credential_id}",
            valid_from=valid_from,
            valid_until=None,
            achievement_version_id=version.id,
        )
        await credential_repository.insert(self.session, row)
        return row

    def credential_evidence(
        self, award: _Award, achieved: AchievementResult
    ) -> list[dict[str, Any]]:
        """OB 3.0 ``Evidence`` entries: one per credential counted."""
        active = self.state.active
        regional_name = achieved.achievement.name.fr
        narrative = (
            f"Compté pour « {regional_name} » selon le référentiel {active.version.code} "
            f"{active.version.version} (version n° {active.version.number})."
        )
        entries: list[dict[str, Any]] = []
        for entry in award.evidence:
            if entry.get("kind") == "regional":
                credential_id = entry.get("credential_id")
                try:
                    name = active.referential.achievement(str(entry["code"])).name.fr
                except KeyError:
                    name = str(entry["code"])
                item: dict[str, Any] = {"type": ["Evidence"]}
                if credential_id:
                    item["id"] = f"urn:uuid:{credential_id}"
                item.update(
                    {
                        "name": name,
                        "description": "Badge régional délivré par la Région.",
                        "narrative": narrative,
                        "genre": "OpenBadgeCredential",
                    }
                )
                entries.append(item)
                continue
            credential_id = str(entry.get("credential_id") or "")
            issuer = str(entry.get("issuer") or "")
            digest = str(entry.get("digest") or "")
            item = {"type": ["Evidence"]}
            if _IRI.fullmatch(credential_id):
                item["id"] = credential_id
            item.update(
                {
                    "name": str(entry.get("name") or entry.get("achievement_id") or "Badge"),
                    "description": (
                        f"Badge partenaire {credential_id} délivré par {issuer} ; "
                        f"empreinte SHA-256 du badge reçu : {digest}."
                    ),
                    "narrative": narrative,
                    "genre": "OpenBadgeCredential",
                }
            )
            entries.append(item)
        return entries

    # -- audit and notifications -----------------------------------------------

    def audit(
        self, award: _Award, action: str, reason: str | None, data: Mapping[str, Any]
    ) -> None:
        add_audit_event(
            self.session,
            actor=ACTOR,
            action=action,
            target_type=AWARD_TARGET,
            target_id=award.id,
            reason=reason,
            data={
                "learner_id": self.state.learner_id,
                "code": award.code,
                "state": award.state,
                **data,
            },
        )

    def partner_badges(self, award: _Award, seen: set[str] | None = None) -> list[dict[str, Any]]:
        """The partner badges behind an award (through regional evidence too)."""
        seen = seen if seen is not None else set()
        found: list[dict[str, Any]] = []
        for entry in award.evidence:
            if not isinstance(entry, dict):
                continue
            if entry.get("kind") == "regional":
                other = self.awards.get(str(entry.get("code")))
                if other is not None and other.id not in seen:
                    seen.add(other.id)
                    found.extend(self.partner_badges(other, seen))
                continue
            badge_id = str(entry.get("id"))
            if badge_id in seen:
                continue
            seen.add(badge_id)
            found.append(
                {
                    "id": badge_id,
                    "partner_id": entry.get("partner_id"),
                    "credential_id": str(entry.get("credential_id") or ""),
                    "issuer": str(entry.get("issuer") or ""),
                }
            )
        return found

    async def notify(self, event: str, award: _Award, *, reason: str | None) -> None:
        active = self.state.active
        try:
            names = dict(active.referential.achievement(award.code).name.entries)
        except KeyError:
            names = {"fr": award.code}
        name = names["fr"]
        badges = self.partner_badges(award)
        data = RegionalBadgeEventData.model_validate(
            {
                "award_id": award.id,
                "learner_id": self.state.learner_id,
                "state": award.state,
                "achievement": {"code": award.code, "name": name},
                "credential": {
                    "id": f"urn:uuid:{award.credential_id}" if award.credential_id else None,
                    "url": (
                        service.page_url(issuers.base_url(self.settings), award.credential_id)
                        if award.credential_id
                        else None
                    ),
                },
                "referential": {"code": active.version.code, "version": active.version.version},
                "partner_badges": badges,
                "reason": reason,
            }
        )
        if self.learner.notify_email:
            await notifications.badge_changed(
                self.session,
                self.settings,
                self.kek,
                base_url=issuers.base_url(self.settings),
                learner=notifications.MailedLearner(
                    self.state.learner_id,
                    await self.first_of("email"),
                    self.learner.language,
                ),
                event=event,
                names=names,
                page_url=data.credential.url,
            )
        partner_ids = {str(b["partner_id"]) for b in badges if b.get("partner_id")}
        await outbound.notify(
            self.session,
            event_type=event,
            data=data.model_dump(mode="json"),
            partner_ids=partner_ids,
            event_id=f"{event}:{award.id}:{award.credential_id}:{self.now.isoformat()}",
        )


# --------------------------------------------------------------------------- document


def credential_document(
    *,
    credential_id: str,
    profile: Mapping[str, Any],
    achievement: Mapping[str, Any],
    subject: Mapping[str, Any],
    evidence: Sequence[Mapping[str, Any]],
    valid_from: datetime,
    status_entries: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The unsigned regional OpenBadgeCredential."""
    moment = dataintegrity.format_datetime(valid_from)
    document: dict[str, Any] = {
        "@context": [contexts.VC_V2, contexts.OB_V3],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": dict(profile),
        "validFrom": moment,
        "name": str(achievement.get("name") or "Badge régional"),
    }
    description = achievement.get("description")
    if isinstance(description, str) and description:
        document["description"] = description
    document["credentialSubject"] = {
        "type": ["AchievementSubject"],
        **subject,
        "achievement": dict(achievement),
    }
    if evidence:
        document["evidence"] = [dict(item) for item in evidence]
    entries = [dict(entry) for entry in status_entries]
    if entries:
        document["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    document["awardedDate"] = moment
    return document
