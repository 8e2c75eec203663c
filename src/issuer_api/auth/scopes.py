"""Scopes a client may hold. ``admin`` (Region staff) implies every other scope.

A client bound to an issuer (a partner) acts only for that issuer, whatever its
scopes; an unbound client acts for any issuer.
"""

from __future__ import annotations

from typing import Final

ADMIN: Final = "admin"
ISSUE: Final = "issue"  # issue credentials
STATUS: Final = "status"  # revoke, suspend, unsuspend
READ: Final = "read"  # read credentials, achievements, audit
ACHIEVEMENTS: Final = "achievements"  # create and version achievements
DELIVER: Final = "deliver"  # partners push badges to the hub

ALL: Final = frozenset({ADMIN, ISSUE, STATUS, READ, ACHIEVEMENTS, DELIVER})

DESCRIPTIONS: Final = {
    ADMIN: "Région : administration complète / Region staff: full administration",
    ISSUE: "émettre des badges / issue credentials",
    STATUS: "révoquer ou suspendre des badges / revoke or suspend credentials",
    READ: "consulter badges et référentiels / read credentials and achievements",
    ACHIEVEMENTS: "créer et versionner des badges / create and version achievements",
    DELIVER: "transmettre des badges partenaires / deliver partner badges",
}
