# ruff: noqa: N815 - OB 3.0 terms keep their JSON-LD spelling (camelCase)
"""Wire schemas of the achievement API.

What a client sends (:class:`AchievementCreate`, :class:`AchievementContent`) is checked
field by field — unknown fields, missing criteria, values outside the OB 3.0 extensible
enumerations (``achievementType``, ``alignment.targetType``, ``resultType``) are 422s
naming the field — and turned by the service into the OB 3.0 Achievement JSON. List
properties take plural names here (``alignments``, ``resultDescriptions``, ``tags``)
and their OB names (``alignment``, ``resultDescription``, ``tag``) in the document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from issuer_api.issuers.schemas import HttpUrlStr, ImageStr, LongText, ShortText, enum_or_ext

ACHIEVEMENT_TYPES: Final = frozenset(
    {
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)
ALIGNMENT_TARGET_TYPES: Final = frozenset(
    {
        "ceasn:Competency",
        "ceterms:Credential",
        "CFItem",
        "CFRubric",
        "CFRubricCriterion",
        "CFRubricCriterionLevel",
        "CTDL",
    }
)
RESULT_TYPES: Final = frozenset(
    {
        "GradePointAverage",
        "LetterGrade",
        "Percent",
        "PerformanceLevel",
        "PredictedScore",
        "RawScore",
        "Result",
        "RubricCriterion",
        "RubricCriterionLevel",
        "RubricScore",
        "ScaledScore",
        "Status",
    }
)

AchievementSlug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$"),
    Field(
        description=(
            "Identifiant court, unique chez l'émetteur (défaut : dérivé du nom). / Short "
            "name, unique within the issuer (default: derived from the name)."
        ),
        examples=["sauveteur-secouriste"],
    ),
]
Uri = Annotated[
    str, StringConstraints(min_length=3, max_length=2000, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
]
Value = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Language = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"),
    Field(description="BCP 47", examples=["fr"]),
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriteriaIn(_Input):
    """``id`` (a page describing the criteria) and/or ``narrative`` (Markdown)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["id"]}, {"required": ["narrative"]}]},
    )

    id: HttpUrlStr | None = Field(default=None, examples=["https://www.normandie.fr/criteres/sst"])
    narrative: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] | None = Field(
        default=None, examples=["Avoir suivi la formation SST de 14 heures et réussi l'évaluation."]
    )

    @model_validator(mode="after")
    def _one_of_them(self) -> Self:
        if self.id is None and self.narrative is None:
            raise ValueError("criteria needs an id (URL) and/or a narrative")
        return self


class ImageIn(_Input):
    id: ImageStr
    caption: ShortText | None = None


class AlignmentIn(_Input):
    targetName: ShortText = Field(examples=["Porter secours"])
    targetUrl: HttpUrlStr = Field(examples=["https://www.francecompetences.fr/recherche/rs/5364/"])
    targetDescription: LongText | None = None
    targetCode: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        default=None, examples=["RS5364"]
    )
    targetFramework: ShortText | None = Field(default=None, examples=["Répertoire spécifique"])
    targetType: Annotated[str, enum_or_ext(ALIGNMENT_TARGET_TYPES, "targetType")] | None = Field(
        default=None, examples=["ext:RS"]
    )


class RubricCriterionLevelIn(_Input):
    id: Uri | None = Field(
        default=None, description="Défaut : dérivé du nom / default: derived from the name"
    )
    name: ShortText
    description: LongText | None = None
    level: ShortText | None = None
    points: Annotated[str, StringConstraints(max_length=20)] | None = None


class ResultDescriptionIn(_Input):
    """A result the credential may report (a grade, a status, a rubric level)."""

    id: Uri | None = Field(
        default=None,
        description=(
            "Défaut : `{achievement id}#result-{nom}` (stable tant que le nom ne change pas). "
            "/ Default: `{achievement id}#result-{name}` (stable while the name is unchanged)."
        ),
    )
    name: ShortText = Field(examples=["Note finale"])
    resultType: Annotated[str, enum_or_ext(RESULT_TYPES, "resultType")] = Field(
        examples=["Percent"]
    )
    allowedValue: Annotated[list[Value], Field(max_length=100)] | None = None
    valueMin: Value | None = None
    valueMax: Value | None = None
    requiredValue: Value | None = None
    requiredLevel: Uri | None = Field(
        default=None, description="Id d'un niveau de la grille / id of a rubric level"
    )
    rubricCriterionLevel: Annotated[list[RubricCriterionLevelIn], Field(max_length=20)] | None = (
        None
    )


class AchievementContent(_Input):
    """The content of an achievement: one version of it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Sauveteur secouriste du travail",
                    "description": "Intervenir face à une situation d'accident du travail.",
                    "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
                    "image": "https://badges.normandie.fr/images/sst.png",
                    "achievementType": "Certificate",
                    "alignments": [
                        {
                            "targetName": "Porter secours",
                            "targetUrl": "https://www.francecompetences.fr/recherche/rs/5364/",
                            "targetCode": "RS5364",
                            "targetFramework": "Répertoire spécifique",
                        }
                    ],
                    "inLanguage": "fr",
                    "tags": ["secourisme", "santé au travail"],
                }
            ]
        }
    )

    name: ShortText
    description: LongText
    criteria: CriteriaIn
    image: ImageStr | ImageIn | None = None
    achievementType: Annotated[str, enum_or_ext(ACHIEVEMENT_TYPES, "achievementType")] | None = (
        Field(default=None, examples=["Badge"])
    )
    alignments: Annotated[list[AlignmentIn], Field(max_length=50)] = Field(default_factory=list)
    resultDescriptions: Annotated[list[ResultDescriptionIn], Field(max_length=20)] = Field(
        default_factory=list
    )
    inLanguage: Language | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default_factory=list)
    humanCode: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    fieldOfStudy: ShortText | None = None
    specialization: ShortText | None = None
    creditsAvailable: Annotated[float, Field(ge=0, le=10_000)] | None = None


class AchievementCreate(AchievementContent):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "sauveteur-secouriste",
                    "name": "Sauveteur secouriste du travail",
                    "description": "Intervenir face à une situation d'accident du travail.",
                    "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
                    "achievementType": "Certificate",
                    "inLanguage": "fr",
                    "tags": ["secourisme"],
                }
            ]
        }
    )

    slug: AchievementSlug | None = None


# --------------------------------------------------------------------------- outputs


ACHIEVEMENT_EXAMPLE: Final[dict[str, Any]] = {
    "id": "https://badges.normandie.fr/achievements/5b1c7a52-3c4e-4e0e-9d59-5f7f0d7b9a10",
    "type": ["Achievement"],
    "name": "Sauveteur secouriste du travail",
    "description": "Intervenir face à une situation d'accident du travail.",
    "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
    "achievementType": "Certificate",
    "inLanguage": "fr",
    "tag": ["secourisme"],
    "version": "1",
}


class VersionSummary(BaseModel):
    version: int = Field(examples=[1])
    created_at: datetime
    created_by: str | None = Field(default=None, examples=["obc_3f2a9c0d1e4b5a6978c0d1e2"])


class AchievementRecord(BaseModel):
    """An achievement as its issuer sees it: the current version and the history."""

    id: str = Field(examples=["5b1c7a52-3c4e-4e0e-9d59-5f7f0d7b9a10"])
    uri: str = Field(
        description=(
            "L'`id` OB 3.0, identique pour toutes les versions / the OB 3.0 `id`, the same "
            "for every version"
        ),
        examples=["https://badges.normandie.fr/achievements/5b1c7a52-3c4e-4e0e-9d59-5f7f0d7b9a10"],
    )
    issuer_id: str
    issuer_slug: str = Field(examples=["region"])
    slug: str = Field(examples=["sauveteur-secouriste"])
    current_version: int = Field(examples=[1])
    document: dict[str, Any] = Field(
        description="Achievement OB 3.0 de la version courante / current version's Achievement",
        examples=[ACHIEVEMENT_EXAMPLE],
    )
    versions: list[VersionSummary]
    created_at: datetime
    updated_at: datetime | None = None


class AchievementSummary(BaseModel):
    id: str
    uri: str
    slug: str
    name: str
    current_version: int
    updated_at: datetime | None = None
    created_at: datetime


class AchievementList(BaseModel):
    items: list[AchievementSummary]
    total: int = Field(examples=[12])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class AchievementDocument(BaseModel):
    """An OB 3.0 ``Achievement`` (JSON-LD), as credentials embed it."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "@context": [
                        "https://www.w3.org/ns/credentials/v2",
                        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                    ],
                    **ACHIEVEMENT_EXAMPLE,
                }
            ]
        },
    )

    context: list[str] = Field(alias="@context")
    id: str
    type: list[str]
    name: str
    description: str
    criteria: dict[str, Any]
    version: str
