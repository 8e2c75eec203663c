"""Metadata a wallet reads before asking for a badge.

:func:`issuer_metadata` is the Credential Issuer Metadata (OID4VCI 1.0 §12.2) served at
``/.well-known/openid-credential-issuer``: one configuration, the regional badge as an
``ldp_vc`` (the OB 3.0 credential with an eddsa-rdfc-2022 Data Integrity proof) bound
to a did:key or did:jwk, key proofs of type ``jwt`` (EdDSA, ES256).

The pre-authorised code grant is served by the authorization server the issuer
metadata names (``authorization_servers``): ``{base}/oid4vci``, whose RFC 8414
metadata is at ``/.well-known/oauth-authorization-server/oid4vci``
(:func:`authorization_server_metadata`). :func:`grant_metadata_fields` is what the
hub's own authorization server metadata (``/.well-known/oauth-authorization-server``)
adds once its token endpoint dispatches this grant to
:func:`issuer_api.wallet.grant.pre_authorized_code_grant`.
"""

from __future__ import annotations

from typing import Any, Final

from issuer_api.wallet.offers import CONFIGURATION_ID, PRE_AUTHORIZED_GRANT
from obcore import contexts
from obcore.proofs.keyproof import ALGORITHMS as PROOF_ALGORITHMS

AS_PATH: Final = "/oid4vci"
TOKEN_PATH: Final = "/oid4vci/token"  # noqa: S105 - a URL path, not a secret
NONCE_PATH: Final = "/oid4vci/nonce"
CREDENTIAL_PATH: Final = "/oid4vci/credential"
ISSUER_METADATA_PATH: Final = "/.well-known/openid-credential-issuer"
AS_METADATA_PATH: Final = "/.well-known/oauth-authorization-server" + AS_PATH


def grant_metadata_fields() -> dict[str, Any]:
    """RFC 8414 members for an authorization server serving the pre-authorised grant."""
    return {
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def authorization_server_metadata(base: str) -> dict[str, Any]:
    return {
        "issuer": base + AS_PATH,
        "token_endpoint": base + TOKEN_PATH,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
        **grant_metadata_fields(),
    }


def issuer_metadata(base: str, *, scheme_name: str, logo: str | None) -> dict[str, Any]:
    def display(locale: str, name: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": name, "locale": locale}
        if logo:
            entry["logo"] = {"uri": logo, "alt_text": scheme_name}
        return entry

    return {
        "credential_issuer": base,
        "authorization_servers": [base + AS_PATH],
        "credential_endpoint": base + CREDENTIAL_PATH,
        "nonce_endpoint": base + NONCE_PATH,
        "display": [display("fr", scheme_name), display("en", scheme_name)],
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}
                },
                "credential_definition": {
                    "@context": [contexts.VC_V2, contexts.OB_V3],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "credential_metadata": {
                    "display": [
                        {"name": "Badge régional", "locale": "fr"},
                        {"name": "Regional badge", "locale": "en"},
                    ]
                },
            }
        },
    }
