"""Human messages for verification codes, in French (first) and English.

Codes are stable and machine-readable; messages are for people and may be
reworded. A code missing from the catalogue falls back to the detail message
the check carries (English, from the core).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

CATALOGUE: Mapping[str, Mapping[Lang, str]] = {
    # overall
    "verified": {
        "fr": "Le badge est authentique et valide.",
        "en": "The badge is authentic and valid.",
    },
    "not_verified": {"fr": "Le badge n'est pas valide.", "en": "The badge is not valid."},
    "could_not_verify": {
        "fr": "Le badge n'a pas pu être entièrement vérifié.",
        "en": "The badge could not be fully verified.",
    },
    "ok": {"fr": "Contrôle réussi.", "en": "Check passed."},
    # parse
    "parsed": {"fr": "Le badge a été lu.", "en": "The badge was read."},
    "malformed_json": {
        "fr": "Le document n'est pas un JSON valide.",
        "en": "The document is not valid JSON.",
    },
    "malformed_jwt": {"fr": "Le jeton JWT est mal formé.", "en": "The JWT is malformed."},
    "not_a_credential": {
        "fr": "Le document n'est pas une attestation vérifiable.",
        "en": "The document is not a verifiable credential.",
    },
    "not_an_open_badge": {
        "fr": "L'attestation n'est pas un Open Badge 3.0.",
        "en": "The credential is not an Open Badge 3.0.",
    },
    "unsupported_format": {
        "fr": "Ce format de badge n'est pas pris en charge ici.",
        "en": "This badge format is not supported here.",
    },
    "no_baked_badge": {
        "fr": "L'image ne contient aucun badge.",
        "en": "The image contains no badge.",
    },
    "unsupported_image": {
        "fr": "Seules les images PNG et SVG peuvent contenir un badge.",
        "en": "Only PNG and SVG images can carry a badge.",
    },
    "document_too_large": {
        "fr": "Le document est trop volumineux.",
        "en": "The document is too large.",
    },
    "document_too_deep": {
        "fr": "Le document est trop profondément imbriqué.",
        "en": "The document is nested too deeply.",
    },
    "limit_exceeded": {
        "fr": "Le document dépasse une limite de sécurité.",
        "en": "The document exceeds a safety limit.",
    },
    # contexts / safe mode
    "contexts_known": {
        "fr": "Tous les contextes JSON-LD sont connus.",
        "en": "All JSON-LD contexts are known.",
    },
    "unknown_context": {
        "fr": "Le badge utilise un contexte JSON-LD inconnu.",
        "en": "The badge uses an unknown JSON-LD context.",
    },
    "invalid_context_order": {
        "fr": "Le premier contexte doit être celui des attestations vérifiables du W3C.",
        "en": "The first context must be the W3C Verifiable Credentials context.",
    },
    "missing_ob_context": {
        "fr": "Le contexte Open Badges 3.0 est absent.",
        "en": "The Open Badges 3.0 context is missing.",
    },
    "safe_mode_ok": {
        "fr": "Toutes les propriétés sont définies par les contextes.",
        "en": "Every property is defined by the contexts.",
    },
    "safe_mode_undefined_term": {
        "fr": "Le badge contient des propriétés non définies, qui ne seraient pas signées.",
        "en": "The badge contains undefined properties, which would not be signed.",
    },
    "safe_mode_undefined_type": {
        "fr": "Le badge contient un type non défini.",
        "en": "The badge contains an undefined type.",
    },
    "safe_mode_relative_id": {
        "fr": "Le badge contient un identifiant relatif.",
        "en": "The badge contains a relative identifier.",
    },
    "safe_mode_relative_type": {
        "fr": "Le badge contient un type de donnée relatif.",
        "en": "The badge contains a relative datatype.",
    },
    "invalid_jsonld": {
        "fr": "Le badge n'est pas un JSON-LD valide.",
        "en": "The badge is not valid JSON-LD.",
    },
    "jsonld_protected_term_redefinition": {
        "fr": "Un contexte redéfinit un terme protégé.",
        "en": "A context redefines a protected term.",
    },
    # schema
    "schema_valid": {
        "fr": "Le badge est conforme au schéma Open Badges 3.0.",
        "en": "The badge conforms to the Open Badges 3.0 schema.",
    },
    "schema_invalid": {
        "fr": "Le badge n'est pas conforme au schéma Open Badges 3.0.",
        "en": "The badge does not conform to the Open Badges 3.0 schema.",
    },
    "schema_legacy_relaxed": {
        "fr": "Badge au format VCDM 1.1 : écarts au schéma signalés sans être bloquants.",
        "en": "VCDM 1.1 badge: schema deviations are reported, not treated as failures.",
    },
    "schema_not_applicable": {
        "fr": "Aucun schéma ne s'applique à ce document.",
        "en": "No schema applies to this document.",
    },
    # proof
    "proof_valid": {"fr": "La signature est valide.", "en": "The signature is valid."},
    "no_proof": {"fr": "Le badge n'est pas signé.", "en": "The badge is not signed."},
    "invalid_signature": {
        "fr": "La signature ne correspond pas au contenu du badge.",
        "en": "The signature does not match the badge content.",
    },
    "unsupported_proof_type": {
        "fr": "Ce type de preuve n'est pas pris en charge.",
        "en": "This proof type is not supported.",
    },
    "unsupported_cryptosuite": {
        "fr": "Cette suite cryptographique n'est pas prise en charge.",
        "en": "This cryptosuite is not supported.",
    },
    "proof_purpose_mismatch": {
        "fr": "La preuve n'a pas la finalité attendue.",
        "en": "The proof does not have the expected purpose.",
    },
    "malformed_proof": {"fr": "La preuve est mal formée.", "en": "The proof is malformed."},
    "malformed_proof_value": {
        "fr": "La valeur de la signature est mal formée.",
        "en": "The signature value is malformed.",
    },
    "missing_verification_method": {
        "fr": "La preuve n'indique pas sa clé.",
        "en": "The proof does not name its key.",
    },
    "verification_method_not_authorised": {
        "fr": "La clé n'est pas autorisée à émettre des badges.",
        "en": "The key is not authorised to issue badges.",
    },
    "unsupported_did_method": {
        "fr": "Cette méthode DID ne peut pas être résolue ici.",
        "en": "This DID method cannot be resolved here.",
    },
    "unresolvable_verification_method": {
        "fr": "La clé de signature n'a pas pu être obtenue.",
        "en": "The signing key could not be obtained.",
    },
    "jwt_no_key_reference": {
        "fr": "Le JWT n'indique pas de clé (ni kid ni jwk).",
        "en": "The JWT names no key (neither kid nor jwk).",
    },
    "jwt_alg_not_allowed": {
        "fr": "L'algorithme du JWT n'est pas autorisé.",
        "en": "The JWT algorithm is not allowed.",
    },
    "jwt_claims_mismatch": {
        "fr": "Les revendications du JWT ne correspondent pas au badge.",
        "en": "The JWT claims do not match the badge.",
    },
    "jwt_header_not_allowed": {
        "fr": "L'en-tête du JWT contient des membres interdits.",
        "en": "The JWT header contains forbidden members.",
    },
    "jwk_has_private_key": {
        "fr": "La clé publiée contient une partie privée.",
        "en": "The published key contains private material.",
    },
    # issuer binding
    "issuer_bound": {
        "fr": "La clé appartient bien à l'émetteur.",
        "en": "The key belongs to the issuer.",
    },
    "issuer_key_mismatch": {
        "fr": "La clé de signature n'appartient pas à l'émetteur.",
        "en": "The signing key does not belong to the issuer.",
    },
    "issuer_key_unbound": {
        "fr": "Rien ne relie la clé de signature à l'émetteur annoncé.",
        "en": "Nothing links the signing key to the stated issuer.",
    },
    "missing_issuer": {
        "fr": "Le badge n'indique pas d'émetteur.",
        "en": "The badge has no issuer.",
    },
    # validity
    "within_validity": {
        "fr": "Le badge est dans sa période de validité.",
        "en": "The badge is within its validity period.",
    },
    "not_yet_valid": {
        "fr": "Le badge n'est pas encore valide.",
        "en": "The badge is not valid yet.",
    },
    "expired": {"fr": "Le badge a expiré.", "en": "The badge has expired."},
    "invalid_date": {
        "fr": "Une date du badge est invalide.",
        "en": "A date in the badge is invalid.",
    },
    "missing_valid_from": {
        "fr": "Le badge n'indique pas de date de début de validité.",
        "en": "The badge has no start of validity.",
    },
    # status
    "no_status": {
        "fr": "Le badge ne déclare pas de statut de révocation.",
        "en": "The badge declares no revocation status.",
    },
    "status_active": {
        "fr": "Le badge n'est ni révoqué ni suspendu.",
        "en": "The badge is neither revoked nor suspended.",
    },
    "revoked": {"fr": "Le badge a été révoqué.", "en": "The badge has been revoked."},
    "suspended": {"fr": "Le badge est suspendu.", "en": "The badge is suspended."},
    "status_not_checked": {
        "fr": "Le statut de révocation n'a pas pu être consulté.",
        "en": "The revocation status could not be retrieved.",
    },
    "status_list_invalid": {
        "fr": "La liste de statuts n'est pas authentique.",
        "en": "The status list is not authentic.",
    },
    "status_list_issuer_mismatch": {
        "fr": "La liste de statuts n'a pas été publiée par l'émetteur du badge.",
        "en": "The status list was not published by the badge issuer.",
    },
    "unsupported_status_type": {
        "fr": "Ce type de statut n'est pas pris en charge.",
        "en": "This status type is not supported.",
    },
    # refresh / endorsements / recipient
    "refresh_not_followed": {
        "fr": "Le service de rafraîchissement n'a pas été consulté.",
        "en": "The refresh service was not consulted.",
    },
    "no_refresh_service": {"fr": "Aucun service de rafraîchissement.", "en": "No refresh service."},
    "no_endorsements": {"fr": "Aucune recommandation.", "en": "No endorsements."},
    "endorsements_valid": {
        "fr": "Toutes les recommandations sont valides.",
        "en": "All endorsements are valid.",
    },
    "endorsement_invalid": {
        "fr": "Une recommandation n'est pas valide.",
        "en": "An endorsement is not valid.",
    },
    "endorsement_unchecked": {
        "fr": "Une recommandation n'a pas pu être vérifiée.",
        "en": "An endorsement could not be verified.",
    },
    "recipient_not_checked": {
        "fr": "Le titulaire n'a pas été contrôlé.",
        "en": "The recipient was not checked.",
    },
    "recipient_matches": {
        "fr": "Le badge appartient bien à cette personne.",
        "en": "The badge belongs to this person.",
    },
    "recipient_mismatch": {
        "fr": "Le badge n'appartient pas à cette personne.",
        "en": "The badge does not belong to this person.",
    },
}


def message(code: str, lang: Lang, fallback: str | None = None) -> str:
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry[lang]
    return fallback or code
