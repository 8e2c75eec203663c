"""Regional rules: the stored référentiel, the Region's achievements, mappings, facts.

Référentiel versions
====================

A référentiel is loaded with ``PUT /referential`` (YAML or JSON), checked by
:func:`aggregation.referential.load_referential` (every issue reported at once: 422
``invalid_referential``), and stored as a new :class:`~issuer_api.models.ReferentialVersion`
(``number`` = previous + 1, the canonical JSON document, its digest) which becomes
the only active one in the same transaction. Loading the référentiel already active
(same digest) stores nothing. Concurrent loads are decided by the unique number and
the one-active index: the loser gets 409 ``concurrent_update``.

With no référentiel loaded, the one shipped with the package
(:func:`aggregation.referential.default_referential`) is loaded on first use
(:func:`ensure_default_referential`, also callable at migrate time).

Region achievements
===================

Every regional badge code has one Region :class:`~issuer_api.models.Achievement`
(slug ``regional-<code>``), versioned like any achievement: each load stores a new
version when its content changes (name, criteria, alignment on the competency, image
``/regional-badges/{code}/image.svg?version=<n>`` unless the référentiel declares one).
Credentials embed the version current when they are minted.

Which partner badges count
==========================

A learner's partner badges become :class:`aggregation.BadgeFact` s: a badge
counts only while its status is ``active`` and it came through a partner that is
``active`` (recognised); a badge kept without a partner (a claim no partner trusts) or
from a suspended partner is shown in explanations as ``not_recognised``. The issuing
organisation for "distinct issuers" is the partner. Approved
:class:`~issuer_api.models.AchievementMapping` s count besides alignments; proposals
count only once approved (``proposed → approved | rejected``, by an administrator).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal
from urllib.parse import quote

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.classify import AchievementMapping as MappingFact
from aggregation.classify import BadgeFact, Classifier, alignments_from_achievement
from aggregation.errors import Issue, ReferentialError
from aggregation.ob3 import achievement_document
from aggregation.progress import progress
from aggregation.referential import Referential, default_referential, load_referential
from aggregation.referential import parse_referential as parse_document
from aggregation.rules import Result, evaluate
from aggregation.wording import say
from issuer_api.achievements import repository as achievement_repository
from issuer_api.achievements import service as achievements
from issuer_api.achievements.schemas import AchievementContent, AchievementCreate
from issuer_api.audit import add_audit_event
from issuer_api.auth.deps import AuthenticatedClient
from issuer_api.errors import ApiError, NotFoundError
from issuer_api.ingestion.acceptance import issuer_key
from issuer_api.issuers import repository as issuer_repository
from issuer_api.issuers import service as issuers
from issuer_api.issuers.service import ConcurrentUpdateError
from issuer_api.jobs import enqueue
from issuer_api.learners.service import LearnerNotFoundError
from issuer_api.models import (
    AchievementMapping,
    Issuer,
    PartnerBadge,
    ReferentialVersion,
    RegionalAward,
)
from issuer_api.models.base import new_id
from issuer_api.partners.service import NotAPartnerError, PartnerSuspendedError
from issuer_api.regional import repository
from issuer_api.regional.schemas import (
    AwardOut,
    AwardState,
    BadgeOut,
    MappingIn,
    MappingRecord,
    MappingState,
    ProgressOut,
    ReferentialRecord,
    ReferentialSummary,
    RegionalAchievementOut,
)
from issuer_api.settings import CascadePolicy, Settings
from obhub_i18n import N_

logger = logging.getLogger(__name__)

SYSTEM_ACTOR: Final = "system"
EVALUATE_TASK: Final = "regional.evaluate_learner"
BATCH_TASK: Final = "regional.evaluate_batch"
REFERENTIAL_TARGET: Final = "referential"
MAPPING_TARGET: Final = "achievement_mapping"
SLUG_PREFIX: Final = "regional-"
NOT_RECOGNISED: Final = "not_recognised"
PARSED_CACHE_SIZE: Final = 8
YAML_TYPES: Final = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)
JSON_TYPES: Final = frozenset({"application/json"})


# --------------------------------------------------------------------------- errors


class InvalidReferentialError(ApiError):
    """The référentiel cannot be used; ``details.issues`` lists every problem found."""

    status_code = 422
    code = "invalid_referential"

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> InvalidReferentialError:
        return cls(details={"issues": [issue.to_dict() for issue in issues]})


class ReferentialMediaTypeError(ApiError):
    status_code = 415
    code = "unsupported_media_type"


class ReferentialVersionNotFoundError(NotFoundError):
    code = "referential_version_not_found"


class MappingNotFoundError(NotFoundError):
    code = "mapping_not_found"


class MappingExistsError(ApiError):
    status_code = 409
    code = "mapping_exists"


class MappingAlreadyDecidedError(ApiError):
    status_code = 409
    code = "mapping_already_decided"


class MappingUnknownTargetError(ApiError):
    """The competency or level is not in the active référentiel."""

    status_code = 422
    code = "mapping_unknown_target"


class MappingIssuerRequiredError(ApiError):
    status_code = 422
    code = "mapping_issuer_required"


class MappingIssuerNotTrustedError(ApiError):
    """A partner proposed a mapping for an issuer it is not trusted for."""

    status_code = 403
    code = "mapping_issuer_not_trusted"


# --------------------------------------------------------------------------- settings


def cascade_policy(settings: Settings) -> CascadePolicy:
    """``OBHUB_CASCADE_POLICY``: what happens to a regional badge that lost its support."""
    return settings.cascade_policy


def now_utc() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- référentiel


def read_body(body: bytes, media_type: str | None) -> Referential:
    """A référentiel from a request body (YAML or JSON, by media type or content)."""
    media = (media_type or "").split(";", 1)[0].strip().lower()
    if media and media not in YAML_TYPES and media not in JSON_TYPES:
        raise ReferentialMediaTypeError(details={"content_type": media[:100]})
    fmt: Literal["yaml", "json"] | None = None
    if media in JSON_TYPES:
        fmt = "json"
    elif media in YAML_TYPES and media != "text/plain":
        fmt = "yaml"
    try:
        return load_referential(body, format=fmt)
    except ReferentialError as exc:
        raise InvalidReferentialError.of(exc.issues) from None


def read_inline(value: Mapping[str, Any] | str) -> Referential:
    """A référentiel given inside a JSON body: an object, or YAML/JSON text."""
    try:
        if isinstance(value, str):
            return load_referential(value)
        return parse_document(dict(value))
    except ReferentialError as exc:
        raise InvalidReferentialError.of(exc.issues) from None


_PARSED: Final[OrderedDict[str, Referential]] = OrderedDict()


def referential_of(version: ReferentialVersion) -> Referential:
    """The stored version as a :class:`Referential` (parsed once per digest, cached)."""
    cached = _PARSED.get(version.digest)
    if cached is not None:
        _PARSED.move_to_end(version.digest)
        return cached
    referential = parse_document(version.document)
    _PARSED[version.digest] = referential
    while len(_PARSED) > PARSED_CACHE_SIZE:
        _PARSED.popitem(last=False)
    return referential


@dataclass(frozen=True)
class Active:
    """The active référentiel: its stored version and its parsed form."""

    version: ReferentialVersion
    referential: Referential

    def describe(self) -> dict[str, Any]:
        return {
            "number": self.version.number,
            "code": self.version.code,
            "version": self.version.version,
            "digest": self.version.digest,
        }


@dataclass(frozen=True)
class Loaded:
    version: ReferentialVersion
    changed: bool
    achievements: list[RegionalAchievementOut]
    reevaluation_queued: bool


async def active_referential(session: AsyncSession, settings: Settings, kek: bytes) -> Active:
    """The active référentiel, the shipped default loaded first if there is none."""
    version = await repository.active_version(session)
    if version is None:
        version = await ensure_default_referential(session, settings, kek)
    return Active(version, referential_of(version))


async def stored_active(session: AsyncSession) -> Active | None:
    """The active référentiel if one is stored (never writes)."""
    version = await repository.active_version(session)
    return None if version is None else Active(version, referential_of(version))


async def ensure_default_referential(
    session: AsyncSession, settings: Settings, kek: bytes
) -> ReferentialVersion:
    """Load the shipped référentiel unless one is active (idempotent; for ``obhub
    migrate`` or first use). Of concurrent first uses, one stores it."""
    version = await repository.active_version(session)
    if version is not None:
        return version
    loaded = await _store(
        session, settings, kek, default_referential(), actor=SYSTEM_ACTOR, first=True
    )
    return loaded.version


async def load(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    referential: Referential,
    *,
    actor: str,
) -> Loaded:
    """Store and activate ``referential`` (nothing if it is the active one already)."""
    active = await repository.active_version(session)
    if active is not None and active.digest == referential.digest():
        region = await region_issuer(session, settings, kek)
        listed = await sync_achievements(
            session, settings, region, referential, active.number, actor=actor
        )
        return Loaded(active, False, listed, False)
    return await _store(session, settings, kek, referential, actor=actor, first=False)


async def _store(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    referential: Referential,
    *,
    actor: str,
    first: bool,
) -> Loaded:
    previous = await repository.active_version(session)
    number = await repository.last_number(session) + 1
    version_id = new_id()
    # The number is claimed first: of concurrent loads, the losers stop here, before
    # touching which version is active.
    inserted = await repository.insert_version(
        session,
        {
            "id": version_id,
            "number": number,
            "code": referential.code[:64],
            "version": referential.version[:64],
            "digest": referential.digest(),
            "document": referential.to_document(),
            "active": False,
            "loaded_by": actor[:64],
            "created_at": now_utc(),
        },
    )
    if not inserted:
        winner = await repository.active_version(session) if first else None
        if winner is None:
            raise ConcurrentUpdateError()
        return Loaded(winner, False, [], False)
    await repository.deactivate_all(session)
    try:
        await repository.activate(session, version_id)
    except IntegrityError as exc:  # pragma: no cover - another version activated meanwhile
        raise ConcurrentUpdateError() from exc
    stored = await repository.active_version(session)
    if stored is None or stored.id != version_id:  # pragma: no cover - activated above
        raise ConcurrentUpdateError()
    region = await region_issuer(session, settings, kek)
    listed = await sync_achievements(session, settings, region, referential, number, actor=actor)
    add_audit_event(
        session,
        actor=actor,
        action="referential.loaded",
        target_type=REFERENTIAL_TARGET,
        target_id=version_id,
        data={
            "number": number,
            "code": referential.code,
            "version": referential.version,
            "digest": referential.digest(),
            "previous": previous.number if previous is not None else None,
            "default": first,
        },
    )
    queued = await enqueue(
        session,
        BATCH_TASK,
        {"reason": f"referential:{number}"},
        queueing_lock=f"evaluate-batch:referential:{number}",
    )
    await session.flush()
    return Loaded(stored, True, listed, queued)


def summary(version: ReferentialVersion) -> ReferentialSummary:
    return ReferentialSummary(
        number=version.number,
        code=version.code,
        version=version.version,
        digest=version.digest,
        active=version.active,
        loaded_by=version.loaded_by,
        created_at=version.created_at,
    )


def record(version: ReferentialVersion) -> ReferentialRecord:
    return ReferentialRecord(**summary(version).model_dump(), document=version.document)


async def get_version(session: AsyncSession, number: int) -> ReferentialVersion:
    version = await repository.version_by_number(session, number)
    if version is None:
        raise ReferentialVersionNotFoundError(details={"number": number})
    return version


# --------------------------------------------------------------------------- achievements


async def region_issuer(session: AsyncSession, settings: Settings, kek: bytes) -> Issuer:
    """The Region (created with its key on first use, as ``obhub migrate`` does)."""
    region = await issuer_repository.get_region(session)
    if region is None or not region.keys:
        region = await issuers.bootstrap_region(session, settings, kek)
    return region


def regional_slug(code: str) -> str:
    return (SLUG_PREFIX + achievements.slugify(code, 100 - len(SLUG_PREFIX))).strip("-")


def image_url(settings: Settings, code: str, number: int) -> str:
    """Where the generated image of a regional badge is served."""
    base = issuers.base_url(settings)
    return f"{base}/regional-badges/{quote(code, safe='')}/image.svg?version={number}"


def achievement_content(
    settings: Settings, referential: Referential, code: str, number: int
) -> dict[str, Any]:
    """The achievement API's content for regional badge ``code`` (French)."""
    document = achievement_document(referential, code)
    declared = referential.achievement(code).image
    content: dict[str, Any] = {
        "name": document["name"],
        "description": document["description"],
        "criteria": document["criteria"],
        "image": {
            "id": declared if declared is not None else image_url(settings, code, number),
            "caption": document["name"],
        },
        "achievementType": document.get("achievementType"),
        "inLanguage": document.get("inLanguage"),
        "tags": document.get("tag", []),
        "humanCode": document.get("humanCode"),
        "alignments": [
            {key: value for key, value in alignment.items() if key != "type"}
            for alignment in document.get("alignment", [])
        ],
    }
    return {key: value for key, value in content.items() if value is not None}


async def sync_achievements(
    session: AsyncSession,
    settings: Settings,
    region: Issuer,
    referential: Referential,
    number: int,
    *,
    actor: str,
) -> list[RegionalAchievementOut]:
    """Create or version the Region achievement of every regional badge."""
    listed: list[RegionalAchievementOut] = []
    for index, achievement in enumerate(referential.achievements):
        raw = achievement_content(settings, referential, achievement.code, number)
        slug = regional_slug(achievement.code)
        try:
            content = AchievementContent.model_validate(raw)
        except ValidationError as exc:
            raise InvalidReferentialError.of(_unpublishable(index, exc)) from None
        existing = await achievement_repository.get_by_slug(session, region.id, slug)
        if existing is None:
            data = AchievementCreate.model_validate({**raw, "slug": slug})
            existing = await achievements.create_achievement(
                session, settings, region, data, actor=actor
            )
        else:
            await achievements.update_achievement(session, settings, existing, content, actor=actor)
        current = await achievements.resolve_version(session, existing.id)
        listed.append(
            RegionalAchievementOut(
                code=achievement.code,
                achievement_id=existing.id,
                uri=str(current.document["id"]),
                version=current.version,
            )
        )
    return listed


def _unpublishable(index: int, exc: ValidationError) -> list[Issue]:
    issues: list[Issue] = []
    for error in exc.errors()[:20]:
        where = ".".join(str(part) for part in error["loc"])
        text = say(
            N_("this badge cannot be published as an Open Badge 3.0 ({where}: {reason})"),
            where=where,
            reason=error["msg"],
        )
        issues.append(Issue.of(f"$.achievements[{index}]", "achievement_not_publishable", text))
    return issues


async def region_achievement(
    session: AsyncSession,
    settings: Settings,
    region: Issuer,
    active: Active,
    code: str,
) -> achievement_repository.VersionToIssue:
    """The current version of the Region achievement for ``code`` (created if missing):
    one statement when it exists, as it does after ``obhub migrate``."""
    slug = regional_slug(code)
    found = await achievement_repository.version_to_issue(
        session, achievement_id=None, issuer_id=region.id, slug=slug, version=None
    )
    if found is not None:
        return found
    await sync_achievements(
        session,
        settings,
        region,
        active.referential,
        active.version.number,
        actor=SYSTEM_ACTOR,
    )
    found = await achievement_repository.version_to_issue(
        session, achievement_id=None, issuer_id=region.id, slug=slug, version=None
    )
    if found is None:  # pragma: no cover - created just above
        raise ConcurrentUpdateError()
    return found


# --------------------------------------------------------------------------- facts


def fact_of(badge: PartnerBadge, recognised: bool) -> BadgeFact:
    """What the rules know about one kept partner badge."""
    issued = badge.awarded_at or badge.valid_from or badge.created_at
    status = badge.status if recognised else NOT_RECOGNISED
    return BadgeFact(
        id=badge.id,
        issuer_id=badge.issuer_id,
        source=badge.partner_id,
        achievement_id=badge.achievement_id or badge.credential_id,
        alignments=alignments_from_achievement(badge.achievement or {}),
        issued_on=issued,
        expires=badge.valid_until,
        active=recognised and badge.status == "active",
        status=status,
    )


def mapping_fact(row: AchievementMapping) -> MappingFact:
    return MappingFact(
        achievement_id=row.achievement_id,
        competency=row.competency,
        level=row.level,
        issuer_id=row.issuer_id,
    )


@dataclass(frozen=True)
class Snapshot:
    """One learner as the rules see them, under the active référentiel."""

    learner_id: str
    active: Active
    badges: Mapping[str, PartnerBadge]
    recognised: frozenset[str]
    facts: tuple[BadgeFact, ...]
    mappings: tuple[MappingFact, ...]
    awards: Mapping[str, RegionalAward]

    @property
    def referential(self) -> Referential:
        return self.active.referential

    def classifier(self) -> Classifier:
        return Classifier(self.referential, self.mappings)

    def evaluate(
        self, now: datetime, held: Iterable[str], classifier: Classifier | None = None
    ) -> Result:
        return evaluate(
            self.referential,
            self.facts,
            now,
            held=held,
            classifier=classifier or self.classifier(),
        )

    def active_codes(self) -> frozenset[str]:
        return frozenset(code for code, award in self.awards.items() if award.state == "active")


async def snapshot(session: AsyncSession, active: Active, learner_id: str) -> Snapshot:
    rows = await repository.badges_and_partner_states(session, learner_id)
    badges = [badge for badge, _ in rows]
    recognised = frozenset(
        badge.partner_id
        for badge, state in rows
        if badge.partner_id is not None and state == "active"
    )
    facts = tuple(
        fact_of(badge, badge.partner_id is not None and badge.partner_id in recognised)
        for badge in badges
    )
    mappings = tuple(mapping_fact(row) for row in await repository.approved_mappings(session))
    awards = {
        award.achievement_code: award for award in await repository.awards_of(session, learner_id)
    }
    return Snapshot(
        learner_id=learner_id,
        active=active,
        badges={badge.id: badge for badge in badges},
        recognised=recognised,
        facts=facts,
        mappings=mappings,
        awards=awards,
    )


# --------------------------------------------------------------------------- progress


def page_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/badges/{credential_id}"


def award_out(
    award: RegionalAward,
    base_url: str,
    referential: Referential | None,
    numbers: Mapping[str, int],
) -> AwardOut:
    name: dict[str, str] | None = None
    if referential is not None:
        try:
            name = referential.achievement(award.achievement_code).name.to_dict()
        except KeyError:
            name = None
    if name is None and isinstance(award.explanation.get("name"), dict):
        name = {str(k): str(v) for k, v in award.explanation["name"].items()}
    counted = [
        str(entry.get("id"))
        for entry in award.evidence
        if isinstance(entry, dict) and entry.get("kind", "partner") == "partner"
    ]
    state: AwardState = (
        "suspended"
        if award.state == "suspended"
        else "revoked"
        if award.state == "revoked"
        else "active"
    )
    return AwardOut(
        code=award.achievement_code,
        name=name,
        state=state,
        credential_id=award.credential_id,
        page_url=page_url(base_url, award.credential_id) if award.credential_id else None,
        referential_version=numbers.get(award.referential_version_id),
        awarded_at=award.created_at,
        counted=counted,
    )


async def awards_out(
    session: AsyncSession,
    awards: Sequence[RegionalAward],
    base_url: str,
    referential: Referential | None,
) -> list[AwardOut]:
    versions = await repository.versions_by_id(
        session, [award.referential_version_id for award in awards]
    )
    numbers = {version_id: version.number for version_id, version in versions.items()}
    return [award_out(award, base_url, referential, numbers) for award in awards]


async def may_read_learner(
    session: AsyncSession, client: AuthenticatedClient, learner_id: str
) -> bool:
    """Administrators and ``read`` clients; a partner's client for its own learners."""
    if client.has("read"):
        return True
    if not client.has("deliver"):
        return False
    partner = await repository.partner_by_client(session, client.client_id)
    return partner is not None and await repository.has_badge_from(session, learner_id, partner.id)


async def learner_progress(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    client: AuthenticatedClient,
    learner_id: str,
    *,
    base_url: str,
) -> ProgressOut:
    """``GET /learners/{id}/progress`` (a learner the client may not read is a 404)."""
    if not await repository.learner_exists(session, learner_id) or not await may_read_learner(
        session, client, learner_id
    ):
        raise LearnerNotFoundError()
    active = await active_referential(session, settings, kek)
    state = await snapshot(session, active, learner_id)
    classifier = state.classifier()
    result = state.evaluate(now_utc(), state.active_codes(), classifier)
    view = progress(result).to_dict()
    badges = [
        BadgeOut(
            id=badge.id,
            credential_id=badge.credential_id,
            issuer_id=badge.issuer_id,
            partner_id=badge.partner_id,
            achievement_id=badge.achievement_id,
            achievement_name=badge.achievement_name,
            status=badge.status,
            recognised=badge.partner_id in state.recognised,
            counts_for=[
                {"competency": m.competency, "level": m.level, "via": m.via}
                for m in classifier.matches(fact)
            ],
        )
        for badge, fact in zip(state.badges.values(), state.facts, strict=True)
    ]
    return ProgressOut(
        learner_id=learner_id,
        referential=active.describe(),
        competencies=view["competencies"],
        others=view["others"],
        awards=await awards_out(session, list(state.awards.values()), base_url, active.referential),
        badges=badges,
    )


# --------------------------------------------------------------------------- mappings


def mapping_record(row: AchievementMapping) -> MappingRecord:
    state: MappingState = (
        "approved"
        if row.state == "approved"
        else "rejected"
        if row.state == "rejected"
        else "proposed"
    )
    return MappingRecord(
        id=row.id,
        achievement_id=row.achievement_id,
        issuer_id=row.issuer_id,
        partner_id=row.partner_id,
        competency=row.competency,
        level=row.level,
        state=state,
        proposed_by=row.proposed_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        note=row.note,
        created_at=row.created_at,
    )


async def propose_mapping(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    client: AuthenticatedClient,
    data: MappingIn,
) -> AchievementMapping:
    """A proposal: from an administrator, or a partner for its own trusted issuers."""
    partner_id: str | None = None
    if not client.is_admin:
        partner = await repository.partner_by_client(session, client.client_id)
        if partner is None:
            raise NotAPartnerError()
        if partner.state != "active":
            raise PartnerSuspendedError()
        if data.issuer_id is None:
            raise MappingIssuerRequiredError()
        trusted = {issuer_key(i) for i in await repository.trusted_identifiers(session, partner.id)}
        if issuer_key(data.issuer_id) not in trusted:
            raise MappingIssuerNotTrustedError(details={"issuer_id": data.issuer_id})
        partner_id = partner.id
    referential = (await active_referential(session, settings, kek)).referential
    competency = referential.find_competency(data.competency)
    level = referential.find_level(data.level) if data.level is not None else None
    if competency is None or (data.level is not None and level is None):
        raise MappingUnknownTargetError(
            details={
                "competencies": [c.code for c in referential.competencies],
                "levels": [lvl.code for lvl in referential.levels],
            }
        )
    if level is None:  # stored explicitly: the lowest level of the référentiel
        level = referential.lowest_level
    mapping_id = new_id()
    inserted = await repository.insert_mapping(
        session,
        {
            "id": mapping_id,
            "achievement_id": data.achievement_id,
            "issuer_id": data.issuer_id,
            "partner_id": partner_id,
            "competency": competency.code,
            "level": level.code,
            "state": "proposed",
            "proposed_by": client.client_id,
            "decided_by": None,
            "decided_at": None,
            "note": data.note,
            "created_at": now_utc(),
        },
    )
    if not inserted:
        existing = await repository.mapping_by_key(session, data.achievement_id, competency.code)
        raise MappingExistsError(
            details={"id": existing.id, "state": existing.state} if existing else None
        )
    add_audit_event(
        session,
        actor=client.client_id,
        action="referential.mapping_proposed",
        target_type=MAPPING_TARGET,
        target_id=mapping_id,
        data={
            "achievement_id": data.achievement_id,
            "issuer_id": data.issuer_id,
            "competency": competency.code,
            "level": level.code,
            "partner_id": partner_id,
        },
    )
    await session.flush()
    created = await repository.get_mapping(session, mapping_id)
    if created is None:  # pragma: no cover - inserted above
        raise MappingNotFoundError()
    return created


async def visible_mappings(
    session: AsyncSession,
    client: AuthenticatedClient,
    *,
    state: MappingState | None,
    limit: int,
    offset: int,
) -> tuple[list[AchievementMapping], int]:
    """Every mapping for ``read``/admin clients; a partner's own proposals otherwise."""
    partner_id: str | None = None
    if not client.has("read"):
        partner = await repository.partner_by_client(session, client.client_id)
        if partner is None:
            raise NotAPartnerError()
        partner_id = partner.id
    return await repository.mapping_page(
        session, state=state, partner_id=partner_id, limit=limit, offset=offset
    )


async def decide_mapping(
    session: AsyncSession,
    mapping_id: str,
    *,
    approve: bool,
    actor: str,
    note: str | None,
) -> AchievementMapping:
    """Approve (re-evaluating the learners holding that achievement) or reject."""
    state = "approved" if approve else "rejected"
    decided = await repository.decide_mapping(
        session, mapping_id, state=state, decided_by=actor, at=now_utc(), note=note
    )
    mapping = await repository.get_mapping(session, mapping_id)
    if mapping is None:
        raise MappingNotFoundError()
    if not decided:
        raise MappingAlreadyDecidedError(details={"state": mapping.state})
    add_audit_event(
        session,
        actor=actor,
        action=f"referential.mapping_{state}",
        target_type=MAPPING_TARGET,
        target_id=mapping_id,
        reason=note,
        data={
            "achievement_id": mapping.achievement_id,
            "issuer_id": mapping.issuer_id,
            "competency": mapping.competency,
            "level": mapping.level,
        },
    )
    if approve:
        args: dict[str, Any] = {
            "reason": f"mapping:{mapping_id}",
            "achievement_id": mapping.achievement_id,
        }
        if mapping.issuer_id is not None:
            args["issuer_id"] = mapping.issuer_id
        await enqueue(
            session, BATCH_TASK, args, queueing_lock=f"evaluate-batch:mapping:{mapping_id}"
        )
    await session.flush()
    return mapping


def known_codes(referential: Referential) -> tuple[str, ...]:
    return tuple(a.code for a in referential.evaluation_order())
