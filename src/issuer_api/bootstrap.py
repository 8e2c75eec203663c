"""First start: the Region issuer and, on request, demonstration data (``obhub migrate``).

:func:`first_start` runs after the schema migration, in its own unit of work: it
creates the Region issuer with its Ed25519 key if absent
(:func:`issuer_api.issuers.service.bootstrap_region`, idempotent) and, with
``demo=True``, two sample partner issuers and a few achievements (:func:`seed_demo`,
idempotent too: what exists is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.achievements import repository as achievements_repository
from issuer_api.achievements import service as achievements
from issuer_api.achievements.schemas import AchievementCreate
from issuer_api.db import create_engine, session_factory, session_scope
from issuer_api.issuers import repository as issuers_repository
from issuer_api.issuers import service as issuers
from issuer_api.issuers.schemas import IssuerCreate
from issuer_api.models import Issuer
from issuer_api.regional.service import ensure_default_referential
from issuer_api.settings import Settings


@dataclass(frozen=True)
class StartReport:
    """What :func:`first_start` found or created, for the operator."""

    region_slug: str
    region_did: str
    region_profile_url: str
    did_web: bool
    demo_issuers: list[str] = field(default_factory=list)
    demo_achievements: int = 0


DEMO_ISSUERS: Final[list[dict[str, Any]]] = [
    {
        "slug": "campus-metiers-caen",
        "name": "Campus des métiers de Caen",
        "url": "https://campus-metiers-caen.example.fr",
        "email": "contact@campus-metiers-caen.example.fr",
        "description": "Centre de formation aux métiers de l'industrie et du bâtiment.",
        "address": {
            "addressLocality": "Caen",
            "postalCode": "14000",
            "addressCountryCode": "FR",
        },
    },
    {
        "slug": "maison-emploi-cotentin",
        "name": "Maison de l'emploi du Cotentin",
        "url": "https://maison-emploi-cotentin.example.fr",
        "description": "Accompagnement vers l'emploi et la formation dans le Cotentin.",
        "address": {
            "addressLocality": "Cherbourg-en-Cotentin",
            "postalCode": "50100",
            "addressCountryCode": "FR",
        },
    },
]

DEMO_ACHIEVEMENTS: Final[dict[str, list[dict[str, Any]]]] = {
    issuers.REGION_SLUG: [
        {
            "slug": "parcours-competences-normandie",
            "name": "Parcours compétences Normandie",
            "description": "Reconnaît un parcours de formation complet suivi en Normandie.",
            "criteria": {"narrative": "Obtenir trois badges de partenaires de la Région."},
            "achievementType": "ext:RegionalBadge",
            "inLanguage": "fr",
            "tags": ["Normandie", "parcours"],
        }
    ],
    "campus-metiers-caen": [
        {
            "slug": "sauveteur-secouriste-du-travail",
            "name": "Sauveteur secouriste du travail",
            "description": "Intervenir efficacement face à une situation d'accident du travail.",
            "criteria": {"narrative": "Suivre la formation de 14 heures et réussir l'évaluation."},
            "achievementType": "Certificate",
            "alignments": [
                {
                    "targetName": "Sauveteur secouriste du travail (SST)",
                    "targetUrl": "https://www.francecompetences.fr/recherche/rs/727/",
                    "targetCode": "RS727",
                    "targetFramework": "Répertoire spécifique",
                }
            ],
            "inLanguage": "fr",
            "tags": ["secourisme", "santé au travail"],
        },
        {
            "slug": "initiation-soudure",
            "name": "Initiation à la soudure",
            "description": "Réaliser des soudures simples à l'arc en sécurité.",
            "criteria": {"narrative": "Réaliser trois assemblages conformes sous contrôle."},
            "achievementType": "Competency",
            "resultDescriptions": [
                {
                    "name": "Niveau atteint",
                    "resultType": "RubricCriterionLevel",
                    "rubricCriterionLevel": [{"name": "Débutant"}, {"name": "Confirmé"}],
                }
            ],
            "inLanguage": "fr",
        },
    ],
    "maison-emploi-cotentin": [
        {
            "slug": "atelier-cv-entretien",
            "name": "Atelier CV et entretien d'embauche",
            "description": "Construire son CV et préparer un entretien d'embauche.",
            "criteria": {"narrative": "Participer aux quatre séances de l'atelier."},
            "achievementType": "Course",
            "inLanguage": "fr",
            "tags": ["emploi"],
        }
    ],
}


async def seed_demo(session: AsyncSession, settings: Settings, kek: bytes) -> tuple[list[str], int]:
    """Add the demonstration issuers and achievements that do not exist yet.

    Returns the slugs of the demo issuers and how many achievements were created.
    """
    slugs: list[str] = []
    created = 0
    for data in DEMO_ISSUERS:
        if await issuers_repository.get_by_slug(session, data["slug"]) is None:
            await issuers.create_issuer(
                session, settings, kek, IssuerCreate.model_validate(data), actor="system"
            )
        slugs.append(data["slug"])
    for slug, items in DEMO_ACHIEVEMENTS.items():
        issuer = await issuers.get_issuer(session, slug)
        for item in items:
            if await achievements_repository.get_by_slug(session, issuer.id, item["slug"]):
                continue
            await achievements.create_achievement(
                session, settings, issuer, AchievementCreate.model_validate(item), actor="system"
            )
            created += 1
    return slugs, created


def _report(region: Issuer, settings: Settings) -> StartReport:
    return StartReport(
        region_slug=region.slug,
        region_did=issuers.issuer_did(region, settings),
        region_profile_url=issuers.profile_url(region, settings),
        did_web=issuers.uses_did_web(settings),
    )


async def first_start(settings: Settings, *, demo: bool = False) -> StartReport:
    """Create the Region (and the demo data) in the database ``settings`` name; commit."""
    kek = settings.load_or_create_kek()
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_scope(session_factory(engine)) as session:
            region = await issuers.bootstrap_region(session, settings, kek)
            # The shipped Normandie référentiel, unless one is loaded already.
            await ensure_default_referential(session, settings, kek)
            report = _report(region, settings)
            if demo:
                slugs, count = await seed_demo(session, settings, kek)
                report = replace(report, demo_issuers=slugs, demo_achievements=count)
        return report
    finally:
        await engine.dispose()
