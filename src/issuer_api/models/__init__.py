"""ORM models, all in one package (avoids import cycles; Alembic sees every table)."""

from issuer_api.models.accounts import LearnerSession, OutgoingMail, SignInRequest, SignInToken
from issuer_api.models.achievement import Achievement, AchievementVersion
from issuer_api.models.audit import AuditEvent
from issuer_api.models.base import Base
from issuer_api.models.client import ApiClient
from issuer_api.models.credential import IssuedCredential, StatusAllocation, StatusList
from issuer_api.models.ingest import (
    Delivery,
    DeliveryItem,
    Learner,
    LearnerIdentifier,
    PartnerBadge,
    PartnerBadgeEvent,
)
from issuer_api.models.issuer import Issuer, SigningKey
from issuer_api.models.job import Job
from issuer_api.models.oauth import (
    OAuthAuthorizationCode,
    OAuthClientPartner,
    OAuthGrant,
    OAuthRefreshToken,
)
from issuer_api.models.partner import Partner, PartnerTrustedIssuer, PartnerWebhookSecret
from issuer_api.models.region import RegionIdentitySetting
from issuer_api.models.regional import (
    AchievementMapping,
    OutboundAttempt,
    OutboundMessage,
    ReferentialVersion,
    RegionalAward,
    WebhookEndpoint,
)
from issuer_api.models.simulation import ReferentialSimulation
from issuer_api.models.staff import StaffMember, StaffSession, StaffSignInFailure

__all__ = [
    "Achievement",
    "AchievementMapping",
    "AchievementVersion",
    "ApiClient",
    "AuditEvent",
    "Base",
    "Delivery",
    "DeliveryItem",
    "IssuedCredential",
    "Issuer",
    "Job",
    "Learner",
    "LearnerIdentifier",
    "LearnerSession",
    "OAuthAuthorizationCode",
    "OAuthClientPartner",
    "OAuthGrant",
    "OAuthRefreshToken",
    "OutboundAttempt",
    "OutboundMessage",
    "OutgoingMail",
    "Partner",
    "PartnerBadge",
    "PartnerBadgeEvent",
    "PartnerTrustedIssuer",
    "PartnerWebhookSecret",
    "ReferentialSimulation",
    "ReferentialVersion",
    "RegionIdentitySetting",
    "RegionalAward",
    "SignInRequest",
    "SignInToken",
    "SigningKey",
    "StaffMember",
    "StaffSession",
    "StaffSignInFailure",
    "StatusAllocation",
    "StatusList",
    "WebhookEndpoint",
]
