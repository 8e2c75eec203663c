"""ORM models, all in one package (avoids import cycles; Alembic sees every table)."""

from issuer_api.models.achievement import Achievement, AchievementVersion
from issuer_api.models.audit import AuditEvent
from issuer_api.models.base import Base
from issuer_api.models.client import ApiClient
from issuer_api.models.credential import IssuedCredential, StatusAllocation, StatusList
from issuer_api.models.issuer import Issuer, SigningKey

__all__ = [
    "Achievement",
    "AchievementVersion",
    "ApiClient",
    "AuditEvent",
    "Base",
    "IssuedCredential",
    "Issuer",
    "SigningKey",
    "StatusAllocation",
    "StatusList",
]
