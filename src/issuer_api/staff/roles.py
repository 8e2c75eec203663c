"""Roles of the console and what each may do (least privilege; data, not code paths).

Every console route names the one :class:`Permission` it needs; a role is a set of
permissions. Reading is open to every role; each kind of change belongs to the roles
whose job it is.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from obhub_i18n import N_


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    REFERENTIAL_EDITOR = "referential_editor"
    PARTNER_MANAGER = "partner_manager"
    READ_ONLY = "read_only"


class Permission(StrEnum):
    VIEW = "view"  # every page of the console, insights included
    MANAGE_PARTNERS = "manage_partners"  # partners, trusted issuers, secrets, OAuth clients
    DECIDE_MAPPINGS = "decide_mappings"  # approve or reject proposed mappings
    EDIT_REFERENTIAL = "edit_referential"  # draft and simulate référentiel versions
    PUBLISH_REFERENTIAL = "publish_referential"  # make a version the active one
    MANAGE_STAFF = "manage_staff"  # staff accounts and roles
    MANAGE_IDENTITY = "manage_identity"  # the Region's name, logo, colours, footers


ROLE_PERMISSIONS: Final[dict[Role, frozenset[Permission]]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.REFERENTIAL_EDITOR: frozenset(
        {
            Permission.VIEW,
            Permission.DECIDE_MAPPINGS,
            Permission.EDIT_REFERENTIAL,
            Permission.PUBLISH_REFERENTIAL,
        }
    ),
    Role.PARTNER_MANAGER: frozenset({Permission.VIEW, Permission.MANAGE_PARTNERS}),
    Role.READ_ONLY: frozenset({Permission.VIEW}),
}

ROLE_NAMES: Final[dict[Role, str]] = {
    Role.ADMINISTRATOR: N_("Administrator"),
    Role.REFERENTIAL_EDITOR: N_("Référentiel editor"),
    Role.PARTNER_MANAGER: N_("Partner manager"),
    Role.READ_ONLY: N_("Read-only"),
}


def allows(role: str, permission: Permission) -> bool:
    """Whether ``role`` (as stored) grants ``permission``; an unknown role grants nothing."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
