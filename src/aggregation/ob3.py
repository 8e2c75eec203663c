"""OB 3.0 ``Achievement`` JSON for a regional badge, for the layers that mint it.

:func:`achievement_document` gives the Achievement a regional credential embeds: name,
description and criteria in one language (French by default, ``inLanguage`` says
which), the image (declared or generated), an alignment to the competency it certifies
- the level-specific URI when declared, and the ``<competency>-<level>`` code, so a
regional badge aligns by the same convention partner badges use - then the extra
alignments of the référentiel, and tags (référentiel, competency and level codes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aggregation.images import achievement_image
from aggregation.model import Lang

if TYPE_CHECKING:
    from aggregation.referential import Referential

__all__ = ["achievement_alignments", "achievement_document"]


def achievement_alignments(
    referential: Referential, code: str, lang: Lang | str = "fr"
) -> list[dict[str, Any]]:
    """OB 3.0 alignments of regional achievement ``code``: its competency, then the extras."""
    achievement = referential.achievement(code)
    alignments: list[dict[str, Any]] = []
    competency, level = achievement.competency, achievement.level
    if competency is not None:
        url = competency.uri
        name = competency.name.get(lang)
        target_code = competency.code
        if level is not None:
            url = competency.level_uri(level.code) or competency.uri
            name = f"{name} — {level.name.get(lang)}"
            target_code = f"{competency.code}-{level.code}"
        alignment: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": name,
            "targetUrl": url,
            "targetCode": target_code,
            "targetFramework": referential.name.get(lang),
        }
        if competency.description is not None:
            alignment["targetDescription"] = competency.description.get(lang)
        alignments.append(alignment)
    alignments.extend(target.to_ob3() for target in achievement.alignment)
    return alignments


def achievement_document(
    referential: Referential,
    code: str,
    *,
    achievement_id: str | None = None,
    lang: Lang | str = "fr",
) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` of regional badge ``code`` (``id`` only if given)."""
    achievement = referential.achievement(code)
    doc: dict[str, Any] = {}
    if achievement_id is not None:
        doc["id"] = achievement_id
    doc.update(
        {
            "type": ["Achievement"],
            "name": achievement.name.get(lang),
            "description": achievement.description.get(lang),
            "criteria": {"narrative": achievement.criteria.get(lang)},
            "image": {
                "id": achievement_image(referential, code, lang),
                "type": "Image",
                "caption": achievement.name.get(lang),
            },
            "achievementType": "Competency" if achievement.competency else "Badge",
            "humanCode": achievement.code,
            "inLanguage": lang if achievement.name.exact(lang) is not None else "fr",
        }
    )
    alignments = achievement_alignments(referential, code, lang)
    if alignments:
        doc["alignment"] = alignments
    tags = [referential.code]
    if achievement.competency is not None:
        tags.append(achievement.competency.code)
    if achievement.level is not None:
        tags.append(f"level-{achievement.level.code}")
    doc["tag"] = tags
    return doc
