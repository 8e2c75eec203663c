"""The four Open Badges 3.0 API scopes (OB 3.0 § "Open Badges API", security)."""

from __future__ import annotations

from typing import Final

PREFIX: Final = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READONLY: Final = PREFIX + "credential.readonly"
CREDENTIAL_UPSERT: Final = PREFIX + "credential.upsert"
PROFILE_READONLY: Final = PREFIX + "profile.readonly"
PROFILE_UPDATE: Final = PREFIX + "profile.update"

ALL: Final = frozenset({CREDENTIAL_READONLY, CREDENTIAL_UPSERT, PROFILE_READONLY, PROFILE_UPDATE})
