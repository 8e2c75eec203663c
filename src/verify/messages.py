"""Human messages for verification codes, from the one gettext catalogue, French first.

Codes are stable and machine-readable; messages are for people and may be reworded.
:data:`MESSAGE_IDS` maps each code to its message written in English, which is the
message id of the gettext catalogue (:mod:`obhub_i18n`); the French is in
``src/obhub_i18n/locale/fr/LC_MESSAGES/messages.po``. A code missing here falls back
to the detail message the check carries (English, from the core).

Adding a code: its entry here (``N_("English text")``), then ``make catalogue`` and its
French in the ``.po``; a test checks that every code the verifier reports has a message
translated in both languages. Lookups are dictionary lookups: each language's table is
built once per process, on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from types import MappingProxyType
from typing import Final

from obhub_i18n import LANGUAGES, N_, Language, gettext

__all__ = ["CATALOGUE", "LANGS", "MESSAGE_IDS", "Lang", "message", "messages_in"]

Lang = Language
LANGS: Final[tuple[Lang, ...]] = LANGUAGES

MESSAGE_IDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # overall
        "verified": N_("The badge is authentic and valid."),
        "not_verified": N_("The badge is not valid."),
        "could_not_verify": N_("The badge could not be fully verified."),
        "ok": N_("Check passed."),
        # parse
        "parsed": N_("The badge was read."),
        "malformed_json": N_("The document is not valid JSON."),
        "malformed_jwt": N_("The JWT is malformed."),
        "not_a_credential": N_("The document is not a verifiable credential."),
        "not_an_open_badge": N_("The credential is not an Open Badge 3.0."),
        "unsupported_format": N_("This badge format is not supported here."),
        "no_baked_badge": N_("The image contains no badge."),
        "unsupported_image": N_("Only PNG and SVG images can carry a badge."),
        "document_too_large": N_("The document is too large."),
        "document_too_deep": N_("The document is nested too deeply."),
        "limit_exceeded": N_("The document exceeds a safety limit."),
        # contexts / safe mode
        "contexts_known": N_("All JSON-LD contexts are known."),
        "unknown_context": N_("The badge uses an unknown JSON-LD context."),
        "invalid_context_order": N_(
            "The first context must be the W3C Verifiable Credentials context."
        ),
        "missing_ob_context": N_("The Open Badges 3.0 context is missing."),
        "safe_mode_ok": N_("Every property is defined by the contexts."),
        "safe_mode_undefined_term": N_(
            "The badge contains undefined properties, which would not be signed."
        ),
        "safe_mode_undefined_type": N_("The badge contains an undefined type."),
        "safe_mode_relative_id": N_("The badge contains a relative identifier."),
        "safe_mode_relative_type": N_("The badge contains a relative datatype."),
        "invalid_jsonld": N_("The badge is not valid JSON-LD."),
        "jsonld_protected_term_redefinition": N_("A context redefines a protected term."),
        # schema
        "schema_valid": N_("The badge conforms to the Open Badges 3.0 schema."),
        "schema_invalid": N_("The badge does not conform to the Open Badges 3.0 schema."),
        "schema_language_values": N_(
            "The badge conforms to the Open Badges 3.0 schema except for language value "
            "objects (VCDM 2.0), which are reported, not treated as failures."
        ),
        "schema_language_value_objects": N_(
            "Some texts are VCDM 2.0 language value objects ({@value, @language}), which the "
            "Open Badges 3.0 schema does not foresee: accepted, as the badge does not declare it."
        ),
        "schema_legacy_relaxed": N_(
            "VCDM 1.1 badge: schema deviations are reported, not treated as failures."
        ),
        "schema_not_applicable": N_("No schema applies to this document."),
        # proof
        "proof_valid": N_("The signature is valid."),
        "no_proof": N_("The badge is not signed."),
        "invalid_signature": N_("The signature does not match the badge content."),
        "unsupported_proof_type": N_("This proof type is not supported."),
        "unsupported_cryptosuite": N_("This cryptosuite is not supported."),
        "proof_purpose_mismatch": N_("The proof does not have the expected purpose."),
        "malformed_proof": N_("The proof is malformed."),
        "malformed_proof_value": N_("The signature value is malformed."),
        "missing_verification_method": N_("The proof does not name its key."),
        "verification_method_not_authorised": N_("The key is not authorised to issue badges."),
        "unsupported_did_method": N_("This DID method cannot be resolved here."),
        "unresolvable_verification_method": N_("The signing key could not be obtained."),
        # --- network resolution (verify.fetch, verify.resolvers)
        "fetch_forbidden": N_("This address is not fetched (private address or not https)."),
        "fetch_timeout": N_("The server did not answer in time."),
        "fetch_too_large": N_("The downloaded document is too large."),
        "fetch_failed": N_("The document could not be downloaded."),
        "own_document_failed": N_(
            "The service could not produce this document it publishes itself."
        ),
        "fetch_status": N_("The server answered with an error."),
        "fetch_content_type": N_("The server returned an unexpected content type."),
        "fetch_too_many_redirects": N_("Too many redirects."),
        "document_not_found": N_("The document publishing the key was not found."),
        "invalid_document": N_("The document publishing the key is malformed."),
        "did_document_id_mismatch": N_("The DID document does not carry the requested identifier."),
        "controller_document_id_mismatch": N_("The controller document's id is not its URL."),
        "verification_method_controller_mismatch": N_(
            "The key names another controller than the document publishing it."
        ),
        "status_list_unavailable": N_("The status list was not found."),
        "jwt_no_key_reference": N_("The JWT names no key (neither kid nor jwk)."),
        "jwt_alg_not_allowed": N_("The JWT algorithm is not allowed."),
        "jwt_claims_mismatch": N_("The JWT claims do not match the badge."),
        "jwt_header_not_allowed": N_("The JWT header contains forbidden members."),
        "jwk_has_private_key": N_("The published key contains private material."),
        # issuer binding
        "issuer_bound": N_("The key belongs to the issuer."),
        "issuer_key_mismatch": N_("The signing key does not belong to the issuer."),
        "issuer_key_unbound": N_("Nothing links the signing key to the stated issuer."),
        "missing_issuer": N_("The badge has no issuer."),
        # validity
        "within_validity": N_("The badge is within its validity period."),
        "not_yet_valid": N_("The badge is not valid yet."),
        "expired": N_("The badge has expired."),
        "invalid_date": N_("A date in the badge is invalid."),
        "missing_valid_from": N_("The badge has no start of validity."),
        # status
        "no_status": N_("The badge declares no revocation status."),
        "status_active": N_("The badge is neither revoked nor suspended."),
        "revoked": N_("The badge has been revoked."),
        "suspended": N_("The badge is suspended."),
        "status_not_checked": N_("The revocation status could not be retrieved."),
        "status_list_invalid": N_("The status list is not authentic."),
        "status_list_issuer_mismatch": N_("The status list was not published by the badge issuer."),
        "unsupported_status_type": N_("This status type is not supported."),
        # refresh / endorsements / recipient
        "refresh_not_followed": N_("The refresh service was not consulted."),
        "no_refresh_service": N_("No refresh service."),
        "no_endorsements": N_("No endorsements."),
        "endorsements_valid": N_("All endorsements are valid."),
        "endorsement_invalid": N_("An endorsement is not valid."),
        "endorsement_unchecked": N_("An endorsement could not be verified."),
        "recipient_not_checked": N_("The recipient was not checked."),
        "recipient_matches": N_("The badge belongs to this person."),
        "recipient_mismatch": N_("The badge does not belong to this person."),
        "baked_payload_invalid": N_("The badge carried by the image is invalid."),
        "baked_payload_malformed": N_("The badge carried by the image is malformed."),
        "baked_payload_too_large": N_("The badge carried by the image is too large."),
        "baked_payload_unrecognized": N_("The image content is neither a JSON badge nor a JWT."),
        "bare_did_key_method": N_("The key is named by a did:key without a fragment."),
        "canonicalization_timeout": N_("The badge is too complex to canonicalize (time limit)."),
        "canonicalization_too_complex": N_("The badge is too complex to canonicalize."),
        "error": N_("An error occurred during verification."),
        "image_too_large": N_("The image is too large."),
        "invalid_credential": N_("The credential is invalid."),
        "invalid_date_time": N_("A date is not ISO 8601 with a time zone."),
        "invalid_did": N_("The decentralized identifier (DID) is invalid."),
        "invalid_email": N_("The email address is invalid."),
        "invalid_identity_type": N_("The recipient identifier type is invalid."),
        "invalid_jwk": N_("The public key (JWK) is invalid."),
        "invalid_kek": N_("The key-encryption key is invalid."),
        "invalid_key": N_("The key is invalid."),
        "invalid_key_file": N_("The key file is invalid."),
        "invalid_kid": N_("The key identifier (kid) is invalid."),
        "invalid_multikey": N_("The public key (Multikey) is invalid."),
        "invalid_proof": N_("The proof is invalid."),
        "invalid_sealed_key": N_("The sealed key is invalid."),
        "invalid_url": N_("The URL is invalid."),
        "invalid_verification_method": N_("The verification method is invalid."),
        "jwt_alg_key_mismatch": N_("The JWT algorithm does not match the key type."),
        "jwt_ambiguous_payload": N_("The JWT carries two credentials (ambiguous)."),
        "jwt_key_mismatch": N_("The key attached to the JWT is not the one it names."),
        "jwt_missing_issuer": N_("The JWT names no issuer."),
        "jwt_no_credential": N_("The JWT carries no credential."),
        "jwt_reserved_claim": N_("The credential uses a name reserved by JWT."),
        "jwt_typ_not_allowed": N_("The JWT type (typ) is not allowed."),
        "key_decryption_failed": N_("The sealed key could not be decrypted."),
        "malformed_base64url": N_("A value is not valid base64url."),
        "malformed_credential": N_("The credential is malformed."),
        "malformed_input": N_("The document is malformed."),
        "malformed_multibase": N_("A multibase value is invalid."),
        "malformed_profile": N_("The issuer profile is malformed."),
        "malformed_status": N_("The status the badge declares is malformed."),
        "missing_context": N_("The document has no @context."),
        "missing_credential_id": N_("The credential has no identifier."),
        "missing_issuer_id": N_("The issuer has no identifier."),
        "missing_key_reference": N_("No key is named (neither kid nor jwk)."),
        "not_single_subject": N_("The badge must have exactly one subject."),
        "png_crc_mismatch": N_("The PNG image is corrupt (checksum)."),
        "png_malformed": N_("The PNG image is malformed."),
        "png_too_many_chunks": N_("The PNG image has too many chunks."),
        "safe_mode_violation": N_("The badge contains data its contexts do not define."),
        "schema_unavailable": N_("The reference schema is not available."),
        "status_entry_malformed": N_("The badge's status entry is malformed."),
        "status_index_invalid": N_("The status index is invalid."),
        "status_index_out_of_range": N_("The status index is beyond the list."),
        "status_list_full": N_("The status list is full."),
        "status_list_malformed": N_("The status list is malformed."),
        "status_list_too_large": N_("The status list is too large once decompressed."),
        "status_list_too_small": N_("The status list is too short."),
        "status_list_type_mismatch": N_("The status list is not of the expected type."),
        "status_purpose_mismatch": N_("The status list does not have the expected purpose."),
        "status_size_invalid": N_("The status entry size is invalid."),
        "status_size_mismatch": N_("The entry size does not match the list."),
        "status_type_unsupported": N_("This status type is not supported."),
        "status_value_out_of_range": N_("The status value is out of range."),
        "svg_encoding_unsupported": N_("The SVG encoding is not supported."),
        "svg_forbidden_xml": N_("The SVG image contains forbidden XML constructs."),
        "svg_malformed": N_("The SVG image is malformed."),
        "svg_namespace_conflict": N_("The SVG image declares a conflicting namespace."),
        "too_many_blank_nodes": N_("The badge contains too many blank nodes."),
        "unknown_vc_context": N_("The first context is not the Verifiable Credentials context."),
        "unresolvable": N_("A reference could not be resolved."),
        "unsupported_key": N_("This key type is not supported."),
        "unsupported_verification_method": N_("This verification method type is not supported."),
        "verification_method_not_found": N_("The named key is not in the issuer's document."),
        "weak_key": N_("The key is too weak."),
        "wrong_kek": N_("The key was sealed with another key-encryption key."),
        "wrong_purpose": N_("This sealed content was sealed for another purpose."),
        "wrong_key_type": N_("The key type does not suit this proof."),
        "proof_context_mismatch": N_("The proof's context does not match the badge's."),
        "status_list_issuer_differs": N_(
            "The status list is published by another key than the issuer."
        ),
        "status_list_id_differs": N_("The status list's id differs from its address."),
        "status_list_below_minimum_length": N_(
            "The status list is shorter than the recommended minimum."
        ),
        "legacy_cryptosuite_name": N_("The proof uses the legacy suite name eddsa-2022."),
        # Open Badges 2.0 (verify.ob2) and presentations (verify.presentation)
        "ob2_documents_unavailable": N_(
            "An Open Badges 2.0 badge is verified online, which is not possible here."
        ),
        "ob2_document_unavailable": N_(
            "A document the badge links to (class, issuer, key) could not be obtained."
        ),
        "ob2_hosted_verified": N_("The badge is published by its issuer, unchanged."),
        "ob2_hosted_mismatch": N_("The badge given differs from the one its issuer publishes."),
        "ob2_hosted_not_found": N_("The issuer does not publish this badge at its address."),
        "ob2_hosted_gone": N_("The issuer has withdrawn this badge (410 Gone)."),
        "ob2_hosted_unreachable": N_("The badge its issuer publishes could not be obtained."),
        "ob2_hosted_id_not_url": N_("A hosted badge's id must be its web address."),
        "ob2_issuer_verified": N_("The badge is published within the scope the issuer declares."),
        "ob2_origin_mismatch": N_("The badge is published outside the domain its issuer allows."),
        "ob2_badge_missing": N_("The badge names no badge class."),
        "ob2_badge_mismatch": N_("The badge class obtained has another id."),
        "ob2_issuer_missing": N_("The badge class names no issuer."),
        "ob2_issuer_mismatch": N_("The issuer profile obtained has another id."),
        "ob2_key_mismatch": N_("The key document obtained has another id."),
        "ob2_key_not_listed": N_("The signing key is not declared by the issuer."),
        "ob2_key_owner_mismatch": N_("The signing key belongs to another owner than the issuer."),
        "ob2_no_key": N_("The issuer publishes no signing key."),
        "ob2_signature_missing": N_("This signed badge is given without its signature (JWS)."),
        "ob2_missing_context": N_(
            "An Open Badges 2.0 badge must declare the Open Badges 2.0 context."
        ),
        "ob2_unknown_context": N_("The badge declares unknown extension contexts (not fetched)."),
        "ob2_not_applicable": N_("This check does not apply to Open Badges 2.0 badges."),
        "ob2_unknown_verification": N_(
            "The badge does not say how to verify it (hosted or signed)."
        ),
        "presentation_unsigned": N_(
            "The presentation is not signed: only the badges it carries are verified."
        ),
        "presentation_nested": N_("A presentation cannot carry another presentation."),
        "presentation_empty": N_("The presentation carries no badge."),
        "presentation_too_large": N_("The presentation carries too many badges."),
        "credentials_valid": N_("Every badge in the presentation is valid."),
        "credential_invalid": N_("At least one badge in the presentation is not valid."),
        "credential_unchecked": N_("At least one badge in the presentation could not be verified."),
        "holder_bound": N_("The presentation is signed by its holder."),
        "holder_key_mismatch": N_("The presentation is signed by a key that is not the holder's."),
        "no_holder": N_("The presentation does not name its holder."),
        "no_validity_period": N_("No validity period."),
        "inline_context_too_large": N_(
            "The JSON-LD contexts written inside the badge are too large."
        ),
    }
)


@cache
def messages_in(lang: Lang) -> Mapping[str, str]:
    """Every code's message in ``lang`` (what a page hands to its script)."""
    return MappingProxyType(
        {code: gettext(lang, message_id) for code, message_id in MESSAGE_IDS.items()}
    )


def message(code: str, lang: Lang, fallback: str | None = None) -> str:
    """The message of ``code`` in ``lang``; for an unknown code, ``fallback`` or the code."""
    text = messages_in(lang).get(code)
    if text is not None:
        return text
    return fallback or code


class _Translated(Mapping[str, Mapping[Lang, str]]):
    """Each code's message in every language, French first, read from the catalogue."""

    def __getitem__(self, code: str) -> Mapping[Lang, str]:
        if code not in MESSAGE_IDS:
            raise KeyError(code)
        return {lang: messages_in(lang)[code] for lang in LANGS}

    def __iter__(self) -> Iterator[str]:
        return iter(MESSAGE_IDS)

    def __len__(self) -> int:
        return len(MESSAGE_IDS)


CATALOGUE: Final[Mapping[str, Mapping[Lang, str]]] = _Translated()
"""The verification messages by code, each as ``{"fr": …, "en": …}``."""
