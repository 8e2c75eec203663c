"""Achievements (badge classes): versioned OB 3.0 Achievement documents.

Versioning
==========

* An achievement has one OB 3.0 ``id``, ``{base}/achievements/{uuid}`` (``base`` =
  ``OBHUB_PUBLIC_BASE_URL``, or the listening address in local development), **the same
  for every version**: credentials of every version are credentials of the same
  achievement (wallets, verifiers and the Region's aggregation rules group them by
  ``id``). The version is carried by the OB 3.0 ``version`` property (``"1"``, ``"2"``
  …) and each version's document is published at
  ``/achievements/{uuid}/versions/{n}``.
* Every update (``PUT``) that changes the document stores a new immutable
  :class:`~issuer_api.models.AchievementVersion`; an update that changes nothing (a
  retried request) stores nothing. Credentials embed the document of the version they
  were issued with, so editing an achievement never changes a credential already issued.
* Result descriptions and rubric levels need ids that credential results can point to.
  Unless the client gives one, the id is derived from the name
  (``{id}#result-{name}``, ``…-level-{name}``): stable across versions while the name
  does not change, and the same on a retried request.

The ``base`` is read when a version is created: a deployment that later sets its public
base URL gives new versions the new id (old versions, and the credentials embedding
them, keep theirs).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any, Final

from pydantic import JsonValue
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.achievements import repository
from issuer_api.achievements.schemas import (
    AchievementContent,
    AchievementCreate,
    AchievementRecord,
    AchievementSummary,
    ImageIn,
    ResultDescriptionIn,
    VersionSummary,
)
from issuer_api.audit import add_audit_event
from issuer_api.errors import ApiError, InvalidRequestError
from issuer_api.issuers.service import ConcurrentUpdateError, base_url
from issuer_api.models import Achievement, AchievementVersion, Issuer
from issuer_api.models.base import utcnow
from issuer_api.settings import Settings
from obcore import contexts

ACHIEVEMENT_CONTEXT: Final = (contexts.VC_V2, contexts.OB_V3)
_URL_PREFIX: Final = "/achievements/"


class AchievementNotFoundError(ApiError):
    status_code = 404
    code = "achievement_not_found"


class AchievementVersionNotFoundError(ApiError):
    status_code = 404
    code = "achievement_version_not_found"


class AchievementSlugTakenError(ApiError):
    status_code = 409
    code = "achievement_slug_taken"


# --------------------------------------------------------------------------- lookups


def _achievement_uuid(ref: str) -> str | None:
    """The UUID named by ``ref``: a UUID, or an achievement URL ``…/achievements/{uuid}``."""
    candidate = ref.rsplit(_URL_PREFIX, 1)[1] if _URL_PREFIX in ref else ref
    try:
        return str(uuid.UUID(candidate)) if len(candidate) <= 36 else None
    except ValueError:
        return None


async def resolve_version(
    session: AsyncSession,
    achievement_id: str,
    version: int | None = None,
    *,
    slug_of_issuer: str | None = None,
) -> AchievementVersion:
    """A version of an achievement (the current one by default); its ``achievement`` is
    loaded too. ``achievement_id`` is the UUID or the OB 3.0 id URL, or, when
    ``slug_of_issuer`` (an issuer id) is given, the slug of one of that issuer's
    achievements. 404 ``achievement_not_found`` / ``achievement_version_not_found``.

    The caller checks that ``result.achievement.issuer_id`` is the issuer it acts for.
    """
    key = _achievement_uuid(achievement_id)
    achievement = await repository.get(session, key) if key is not None else None
    if achievement is None and slug_of_issuer is not None and len(achievement_id) <= 100:
        achievement = await repository.get_by_slug(session, slug_of_issuer, achievement_id)
    if achievement is None:
        raise AchievementNotFoundError()
    wanted = achievement.current_version if version is None else version
    found = await repository.get_version(session, achievement.id, wanted)
    if found is None:
        raise AchievementVersionNotFoundError(details={"version": wanted})
    return found


async def version_to_issue(
    session: AsyncSession,
    achievement_id: str,
    version: int | None = None,
    *,
    slug_of_issuer: str,
) -> repository.VersionToIssue:
    """What :func:`resolve_version` finds (same references, same errors), read in one
    statement without loading ORM objects: the issuance path runs it for every credential."""
    key = _achievement_uuid(achievement_id)
    found = None
    if key is not None:
        found = await repository.version_to_issue(
            session, achievement_id=key, issuer_id=None, slug=None, version=version
        )
    if found is None and len(achievement_id) <= 100:
        found = await repository.version_to_issue(
            session,
            achievement_id=None,
            issuer_id=slug_of_issuer,
            slug=achievement_id,
            version=version,
        )
    if found is None:  # which error: resolve_version tells (and raises it)
        resolved = await resolve_version(
            session, achievement_id, version, slug_of_issuer=slug_of_issuer
        )
        return repository.VersionToIssue(
            resolved.id, resolved.achievement.issuer_id, resolved.document
        )
    return found


async def get_achievement(session: AsyncSession, issuer: Issuer, ref: str) -> Achievement:
    """The issuer's achievement named by its UUID, id URL or slug; 404 otherwise."""
    key = _achievement_uuid(ref)
    achievement = await repository.get(session, key) if key is not None else None
    if achievement is None and len(ref) <= 100:
        achievement = await repository.get_by_slug(session, issuer.id, ref)
    if achievement is None or achievement.issuer_id != issuer.id:
        raise AchievementNotFoundError()
    return achievement


async def list_achievements(
    session: AsyncSession, settings: Settings, issuer: Issuer, *, limit: int, offset: int
) -> tuple[list[AchievementSummary], int]:
    rows, total = await repository.page(session, issuer.id, limit=limit, offset=offset)
    items = [
        AchievementSummary(
            id=achievement.id,
            uri=str(version.document["id"]),
            slug=achievement.slug,
            name=str(version.document["name"]),
            current_version=achievement.current_version,
            created_at=achievement.created_at,
            updated_at=achievement.updated_at,
        )
        for achievement, version in rows
    ]
    return items, total


async def achievement_record(
    session: AsyncSession, issuer: Issuer, achievement: Achievement
) -> AchievementRecord:
    history = await repository.versions(session, achievement.id)
    current = next(v for v in history if v.version == achievement.current_version)
    return AchievementRecord(
        id=achievement.id,
        uri=str(current.document["id"]),
        issuer_id=issuer.id,
        issuer_slug=issuer.slug,
        slug=achievement.slug,
        current_version=achievement.current_version,
        document=current.document,
        versions=[
            VersionSummary(version=v.version, created_at=v.created_at, created_by=v.created_by)
            for v in history
        ],
        created_at=achievement.created_at,
        updated_at=achievement.updated_at,
    )


def public_document(version: AchievementVersion) -> dict[str, Any]:
    """A version's Achievement as a standalone JSON-LD document (with ``@context``)."""
    return {"@context": list(ACHIEVEMENT_CONTEXT), **version.document}


# --------------------------------------------------------------------------- documents


def achievement_uri(settings: Settings, achievement_id: str) -> str:
    return f"{base_url(settings)}{_URL_PREFIX}{achievement_id}"


def slugify(text: str, max_length: int = 100) -> str:
    """``"Sauveteur secouriste (SST)"`` → ``"sauveteur-secouriste-sst"``; may be empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-")


def _field_error(field: str, message: str) -> InvalidRequestError:
    error: JsonValue = {"field": field, "type": "value_error", "message": message}
    return InvalidRequestError(details={"errors": [error]})


def _result_descriptions(uri: str, items: list[ResultDescriptionIn]) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"body.resultDescriptions.{index}"
        rd_id = item.id or f"{uri}#result-{slugify(item.name) or index + 1}"
        if rd_id in seen:
            raise _field_error(f"{where}.name", "two result descriptions get the same id")
        seen.add(rd_id)
        document: dict[str, Any] = {
            "id": rd_id,
            "type": ["ResultDescription"],
            "name": item.name,
            "resultType": item.resultType,
        }
        for field in ("allowedValue", "valueMin", "valueMax", "requiredValue"):
            value = getattr(item, field)
            if value is not None:
                document[field] = value
        levels: list[dict[str, Any]] = []
        for level_index, level in enumerate(item.rubricCriterionLevel or []):
            level_id = level.id or f"{rd_id}-level-{slugify(level.name) or level_index + 1}"
            if level_id in seen:
                raise _field_error(
                    f"{where}.rubricCriterionLevel.{level_index}.name",
                    "two rubric levels get the same id",
                )
            seen.add(level_id)
            levels.append(
                {
                    "id": level_id,
                    "type": ["RubricCriterionLevel"],
                    **level.model_dump(exclude_none=True, exclude={"id"}),
                }
            )
        if item.requiredLevel is not None:
            if item.requiredLevel not in {level["id"] for level in levels}:
                raise _field_error(
                    f"{where}.requiredLevel", "requiredLevel must be the id of one of its levels"
                )
            document["requiredLevel"] = item.requiredLevel
        if levels:
            document["rubricCriterionLevel"] = levels
        documents.append(document)
    return documents


def build_document(uri: str, content: AchievementContent, version: int) -> dict[str, Any]:
    """The OB 3.0 Achievement JSON of one version (embedded form: no ``@context``)."""
    document: dict[str, Any] = {
        "id": uri,
        "type": ["Achievement"],
        "name": content.name,
        "description": content.description,
        "criteria": content.criteria.model_dump(exclude_none=True),
    }
    if isinstance(content.image, ImageIn):
        document["image"] = {"type": "Image", **content.image.model_dump(exclude_none=True)}
    elif content.image is not None:
        document["image"] = {"id": content.image, "type": "Image"}
    if content.achievementType is not None:
        document["achievementType"] = content.achievementType
    if content.alignments:
        document["alignment"] = [
            {"type": ["Alignment"], **alignment.model_dump(exclude_none=True)}
            for alignment in content.alignments
        ]
    if content.resultDescriptions:
        document["resultDescription"] = _result_descriptions(uri, content.resultDescriptions)
    if content.inLanguage is not None:
        document["inLanguage"] = content.inLanguage
    if content.tags:
        document["tag"] = list(dict.fromkeys(content.tags))
    for field in ("humanCode", "fieldOfStudy", "specialization", "creditsAvailable"):
        value = getattr(content, field)
        if value is not None:
            document[field] = value
    document["version"] = str(version)
    return document


def _same_content(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return {k: v for k, v in left.items() if k != "version"} == {
        k: v for k, v in right.items() if k != "version"
    }


# --------------------------------------------------------------------------- changes


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request took the slug or the version
        raise ConcurrentUpdateError() from exc


async def create_achievement(
    session: AsyncSession,
    settings: Settings,
    issuer: Issuer,
    data: AchievementCreate,
    *,
    actor: str,
) -> Achievement:
    """A new achievement of ``issuer`` with its version 1."""
    achievement_id = str(uuid.uuid4())
    slug = data.slug or slugify(data.name) or f"achievement-{achievement_id[:8]}"
    existing = await repository.get_by_slug(session, issuer.id, slug)
    if existing is not None:
        raise AchievementSlugTakenError(details={"slug": slug, "id": existing.id})
    document = build_document(achievement_uri(settings, achievement_id), data, 1)
    achievement = Achievement(id=achievement_id, issuer_id=issuer.id, slug=slug, current_version=1)
    repository.add(session, achievement)
    await _flush(session)
    repository.add(
        session,
        AchievementVersion(
            achievement_id=achievement_id, version=1, document=document, created_by=actor
        ),
    )
    add_audit_event(
        session,
        actor=actor,
        action="achievement.created",
        target_type="achievement",
        target_id=achievement_id,
        data={"issuer": issuer.id, "slug": slug, "version": 1},
    )
    await _flush(session)
    return achievement


async def update_achievement(
    session: AsyncSession,
    settings: Settings,
    achievement: Achievement,
    content: AchievementContent,
    *,
    actor: str,
) -> bool:
    """Store ``content`` as a new version; False (nothing stored) if it changes nothing."""
    locked = await repository.lock(session, achievement.id)
    if locked is None:
        raise AchievementNotFoundError()
    current = await repository.get_version(session, locked.id, locked.current_version)
    if current is None:  # pragma: no cover - every achievement has its current version
        raise AchievementVersionNotFoundError(details={"version": locked.current_version})
    number = locked.current_version + 1
    document = build_document(achievement_uri(settings, locked.id), content, number)
    if _same_content(document, current.document):
        return False
    repository.add(
        session,
        AchievementVersion(
            achievement_id=locked.id, version=number, document=document, created_by=actor
        ),
    )
    locked.current_version = number
    locked.updated_at = utcnow()
    add_audit_event(
        session,
        actor=actor,
        action="achievement.versioned",
        target_type="achievement",
        target_id=locked.id,
        data={"version": number},
    )
    await _flush(session)
    return True
