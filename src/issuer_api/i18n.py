"""The API's error messages by code, and the choice between French and English.

Every error ``code`` names one message of the gettext catalogue (:mod:`obhub_i18n`):
:data:`MESSAGE_IDS` maps the code to the message's English source text, which is the
message id; its French is in ``src/obhub_i18n/locale/fr/LC_MESSAGES/messages.po``.
Messages use ``str.format`` fields (``{status}``) filled from the error's parameters.
Adding an error code means adding its entry here (``N_("English text")``), then
``make catalogue`` and its French in the ``.po``; a test checks that every
:class:`~issuer_api.errors.ApiError` code has a message translated in both languages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from obhub_i18n import LANGUAGES, N_, Language, render_all

__all__ = ["FALLBACK_KEY", "LANGUAGES", "MESSAGE_IDS", "Language", "messages", "negotiate_language"]

logger = logging.getLogger(__name__)

FALLBACK_KEY: Final = "error"


MESSAGE_IDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Generic
        FALLBACK_KEY: N_("The request could not be processed."),
        "bad_request": N_("The request is invalid."),
        "http_error": N_("The request could not be processed (HTTP {status})."),
        "invalid_request": N_("The request does not match the expected format."),
        "not_found": N_("The requested resource does not exist."),
        "method_not_allowed": N_("This HTTP method is not allowed on this resource."),
        "invalid_unicode": N_(
            "The JSON holds a string that is not Unicode text (a lone UTF-16 "
            'surrogate, such as "\\ud800"): it cannot be read.'
        ),
        "empty_body": N_("The request body is empty: send a badge."),
        "unsupported_media_type": N_(
            "This content type is not accepted (JSON, text, PNG, SVG or form upload)."
        ),
        "missing_file": N_("The form must contain a 'file' field."),
        "request_header_fields_too_large": N_(
            "The request headers are too large (at most {max_header_bytes} bytes and "
            "{max_headers} headers)."
        ),
        "payload_too_large": N_("The request body exceeds the maximum allowed size."),
        "internal_error": N_(
            "An internal error occurred. Try again later or contact the "
            "administrator, quoting the request identifier."
        ),
        # Credential core (obcore.errors): the document sent is at fault.
        "malformed_input": N_("The submitted document is malformed."),
        "limit_exceeded": N_("The document exceeds a safety limit (size, depth or complexity)."),
        "unknown_context": N_("The document uses an unknown or invalid JSON-LD context."),
        "safe_mode_violation": N_(
            "The document contains terms or types that its JSON-LD contexts do not define."
        ),
        "invalid_key": N_("The key is malformed, of an unexpected type, or unusable."),
        "unresolvable": N_("The DID or key reference could not be resolved."),
        "invalid_proof": N_("The proof is malformed or of an unsupported type."),
        "invalid_signature": N_("The cryptographic signature does not verify."),
        # Authentication and authorisation: issuer_api.auth
        "unauthorized": N_(
            "Authentication required: send an access token (Authorization: Bearer …) "
            "obtained from /oauth/token."
        ),
        "invalid_token": N_("The access token is invalid, expired or revoked: request a new one."),
        "forbidden": N_("You are not allowed to perform this action."),
        "insufficient_scope": N_("The access token lacks the scope this action requires."),
        "forbidden_issuer": N_("This client may act only for its own issuer."),
        # Issuers, identity and keys: issuer_api.issuers
        "issuer_not_found": N_("No issuer has this identifier."),
        "issuer_slug_taken": N_("Another issuer already uses this slug."),
        "did_web_required": N_(
            "This operation needs a did:web identity: set OBHUB_PUBLIC_BASE_URL (under "
            "did:key, an issuer's identity is its first Ed25519 key)."
        ),
        "did_document_not_found": N_("No DID document is published at this address."),
        "issuer_has_no_key": N_("This issuer has no signing key."),
        "signing_key_unavailable": N_(
            "The issuer's signing key cannot be used (a different key-encryption key or "
            "altered data): contact the administrator."
        ),
        "unsupported_key_type": N_("Unknown key type: ed25519, p256 or rsa."),
        "concurrent_update": N_(
            "Another request changed this resource at the same time: try again."
        ),
        # Messages of the achievements domain (issuer_api.achievements)
        "achievement_not_found": N_("No achievement has this identifier."),
        "achievement_version_not_found": N_("This version of the achievement does not exist."),
        "achievement_slug_taken": N_("This issuer already has an achievement with this slug."),
        # Credentials, status lists and the VC-API (issuer_api.credentials, .statuslists,
        # .vcapi)
        "credential_not_found": N_("No credential issued by this service has this identifier."),
        "credential_erased": N_(
            "This credential was revoked and erased at its holder's request: it is no "
            "longer published."
        ),
        "invalid_idempotency_key": N_(
            "The Idempotency-Key header must hold 1 to 200 printable ASCII characters."
        ),
        "idempotency_key_reused": N_(
            "This idempotency key was already used for a different request: use a new one."
        ),
        "invalid_validity_window": N_(
            "The end of validity (validUntil) must be later than its start (validFrom)."
        ),
        "achievement_of_another_issuer": N_("This achievement belongs to another issuer."),
        "already_revoked": N_("This credential is revoked; a revocation is final."),
        "already_suspended": N_("This credential is already suspended."),
        "not_suspended": N_("This credential is not suspended."),
        "credential_id_taken": N_("This issuer already issued a credential with this id."),
        "ambiguous_credential_id": N_(
            "Several credentials carry this id: name it by its obhub identifier."
        ),
        "suspension_not_available": N_(
            "This credential cannot be suspended: its single status entry is for "
            "revocation (issue with status_purpose 'suspension' to be able to suspend)."
        ),
        "not_acceptable": N_("No representation of this resource matches the Accept header."),
        "status_list_not_found": N_("No status list has this identifier."),
        "status_list_unavailable": N_("No status list could be allocated: try again."),
        "invalid_credential": N_("This credential cannot be issued as it is: see the details."),
        "schema_invalid": N_(
            "This credential does not conform to the Open Badges 3.0 schema: see the details."
        ),
        "status_list_reserved": N_(
            "This credentialStatus entry points at a status list of this service: only "
            "the service assigns a place in it. Remove it; the service adds its own."
        ),
        "issuer_mismatch": N_(
            "The credential's issuer is not an issuer of this service that this client may act for."
        ),
        "invalid_presentation": N_("The presentation is malformed: see the details."),
        "unsupported_envelope": N_("Only data:application/vc+jwt envelopes are supported."),
        "unsupported_status_type": N_(
            "This status type is not supported (BitstringStatusListEntry)."
        ),
        # Partners: registry, webhook secrets, signed webhooks (issuer_api.partners)
        "partner_not_found": N_("This partner does not exist."),
        "partner_slug_taken": N_("This slug is already used by another partner."),
        "partner_suspended": N_("This partner is suspended: its badge deliveries are refused."),
        "partner_already_suspended": N_("This partner is already suspended."),
        "partner_not_suspended": N_("This partner is not suspended."),
        "not_a_partner": N_(
            "This OAuth client is not linked to a partner: it cannot deliver badges (an "
            "admin client names the partner with ?partner=)."
        ),
        "partner_not_allowed": N_("This client acts for another partner than the one requested."),
        "partner_client_not_found": N_("This partner has no OAuth client."),
        "registered_client_not_found": N_(
            "No client registered through the Open Badges API has this id."
        ),
        "trusted_issuer_exists": N_("This issuer is already trusted for this partner."),
        "trusted_issuer_not_found": N_("This trusted issuer does not exist for this partner."),
        "webhook_secret_limit_reached": N_(
            "This partner already has two active webhook secrets: revoke one before "
            "creating another."
        ),
        "webhook_secret_not_found": N_("This webhook secret does not exist for this partner."),
        "webhook_secret_already_revoked": N_("This webhook secret is already revoked."),
        "webhook_secret_unavailable": N_(
            "A webhook secret cannot be opened (another encryption key or altered data): "
            "contact the operator."
        ),
        "webhook_signature_missing": N_(
            "Unsigned webhook: the webhook-id, webhook-timestamp and webhook-signature "
            "headers are required."
        ),
        "webhook_headers_invalid": N_(
            "Malformed signature headers (webhook-id, webhook-timestamp in seconds, "
            "webhook-signature 'v1,<base64>')."
        ),
        "webhook_timestamp_out_of_range": N_(
            "The webhook timestamp is more than 5 minutes away from the server's clock: "
            "sign the request when sending it."
        ),
        "webhook_signature_invalid": N_(
            "The webhook signature matches none of the partner's active secrets."
        ),
        # Inbox and receipts: deliveries, POST /v1/badges (issuer_api.ingestion)
        "invalid_delivery": N_(
            "The delivery is malformed: no badge was stored (see details.errors)."
        ),
        "too_many_badges": N_(
            "Too many badges in one delivery (at most {max_badges}): send them in several calls."
        ),
        "webhook_id_conflict": N_(
            "This webhook-id was already received with different content: use a new id "
            "for each message."
        ),
        "receipt_not_found": N_("This delivery receipt does not exist."),
        # Learners: records, export, erasure (issuer_api.learners)
        "learner_not_found": N_("No learner matches."),
        "learner_query_invalid": N_("Give exactly one criterion: email or did."),
        # Partner badge outcomes, shown in receipts (issuer_api.ingestion.acceptance)
        "not_verified": N_("The badge failed verification (see the failing check)."),
        "verification_unavailable": N_(
            "The badge could not be verified: a document it needs (DID, status list, "
            "hosted badge) stayed out of reach after several attempts."
        ),
        "issuer_not_trusted": N_("The badge's issuer is not one of the partner's trusted issuers."),
        "recipient_mismatch": N_(
            "The badge was not awarded to the recipient named in the delivery."
        ),
        "recipient_missing": N_("The delivery names no recipient (email or DID)."),
        "unsupported_payload": N_(
            "Only a badge (one credential) is accepted here, not a presentation."
        ),
        "duplicate": N_("This badge is already stored: nothing changed."),
        "superseded": N_("A newer version of this badge is already stored: this one is ignored."),
        "replaced_older": N_("This badge replaces the older version already stored."),
        "recipient_conflict": N_("This badge is already stored for another learner."),
        "processing_failed": N_("Processing this badge failed repeatedly: contact the operator."),
        "fetch_forbidden": N_(
            "A document needed to verify the badge is at an address the hub never "
            "contacts (private network, loopback, scheme not allowed): the badge is refused "
            "without retrying."
        ),
        "payload_erased": N_(
            "The content of this delivery was erased (right to erasure) before it was processed."
        ),
        # Jobs: the job engine (issuer_api.jobs)
        # Référentiel and regional badges (issuer_api.regional)
        "invalid_referential": N_("The référentiel cannot be used: see the list of issues."),
        "referential_version_not_found": N_("No référentiel version has this number."),
        "mapping_not_found": N_("No mapping has this identifier."),
        "mapping_exists": N_("This partner badge already has a mapping for this competency."),
        "mapping_already_decided": N_("This mapping was already approved or rejected."),
        "mapping_unknown_target": N_(
            "This competency or level does not exist in the active référentiel."
        ),
        "mapping_issuer_required": N_("A partner must name the badge's issuer (issuer_id)."),
        "mapping_issuer_not_trusted": N_("This partner is not trusted for this issuer."),
        "invalid_claim": N_("A badge of the claim cannot be read: see the details."),
        "claim_not_found": N_("No claim has this identifier."),
        "badge_no_alignment": N_(
            "This badge aligns to no competency of the référentiel and no approved mapping "
            "names it."
        ),
        "badge_inactive": N_("This badge is revoked or suspended."),
        "badge_expired": N_("This badge has expired."),
        "badge_not_yet_valid": N_("This badge is not valid yet."),
        "badge_outside_window": N_(
            "This badge was earned too long ago for the period the rule considers."
        ),
        "badge_duplicate": N_("The same badge from the same issuer is counted already."),
        # Outbound webhooks (issuer_api.outbound)
        "webhook_endpoint_not_found": N_("No webhook endpoint has this identifier."),
        "webhook_url_forbidden": N_(
            "This URL cannot receive webhooks: https is required (http only to an allowed "
            "host), without credentials, and never a private address that is not allowed."
        ),
        "webhook_endpoint_inactive": N_(
            "This webhook endpoint is disabled: enable it first (active: true)."
        ),
        "outbound_message_not_found": N_(
            "This webhook endpoint has no message with this identifier."
        ),
        "outbound_message_not_dead": N_("Only a dead message can be retried."),
        # Open Badges API (/ims/ob/v3p0)
        "obapi_no_subject": N_(
            "This access token acts for neither a learner nor a partner: it reads and "
            "writes nobody's badges."
        ),
        "obapi_unsupported_media_type": N_(
            "Send the credential as application/json, application/vc+ld+json or, for a "
            "compact JWS, text/plain."
        ),
        "obapi_credential_unreadable": N_(
            "The body is not an Open Badges 3.0 credential (OpenBadgeCredential) in JSON "
            "nor a compact JWS of one."
        ),
        "obapi_credential_id_missing": N_(
            "The credential needs an id and an issuer id: credentials are created or "
            "replaced by both."
        ),
        "obapi_recipient_unreadable": N_(
            "The credential names its recipient by a hashed identifier only: give the "
            "subject a DID or an unhashed email, or use a token a learner consented to."
        ),
        "obapi_learner_unidentified": N_(
            "We hold neither an email address nor a DID for this learner: no badge can be "
            "matched to them."
        ),
        "obapi_profile_not_found": N_("No profile is held for this access token."),
        "obapi_profile_invalid": N_(
            "The profile is invalid: send the whole profile, with the id it was given, the "
            "type Profile and a name of at most 200 characters."
        ),
        "obapi_email_change_refused": N_(
            "The email address cannot be changed here: add a new address from your space, "
            "which checks that it is yours."
        ),
        "obapi_profile_read_only": N_(
            "A partner's profile is managed by the Region: it cannot be changed through this API."
        ),
    }
)


def messages(key: str, params: Mapping[str, object] | None = None) -> dict[Language, str]:
    """The message ``key`` in every language, French first; an unknown key gets the generic
    message, and a ``{field}`` missing from ``params`` is left as written."""
    message_id = MESSAGE_IDS.get(key)
    if message_id is None:
        logger.warning("no message registered for key", extra={"message_key": key})
        message_id = MESSAGE_IDS[FALLBACK_KEY]
    return render_all(message_id, params)


def negotiate_language(header: str | None, default: Language) -> Language:
    """Pick French or English from an ``Accept-Language`` header (RFC 9110 §12.5.4).

    Ranges are compared on their primary subtag (``fr-CA`` counts as ``fr``); the
    highest weight wins, ties go to the earlier range; ``*`` stands for ``default``;
    ``q=0`` excludes a language. Malformed ranges are ignored. With no header, or no
    acceptable language we support, the answer is ``default``.
    """
    if not header:
        return default
    best: Language | None = None
    best_weight = 0.0
    excluded: set[Language] = set()
    for item in header.split(","):
        parsed = _parse_range(item)
        if parsed is None:
            continue
        tag, weight = parsed
        language: Language | None = default if tag == "*" else _supported(tag)
        if language is None:
            continue
        if weight == 0.0:
            excluded.add(language)
        elif weight > best_weight:
            best, best_weight = language, weight
    if best is not None and best not in excluded:
        return best
    if default not in excluded:
        return default
    remaining = [language for language in LANGUAGES if language not in excluded]
    return remaining[0] if remaining else default


def _parse_range(item: str) -> tuple[str, float] | None:
    tag, *parameters = (part.strip() for part in item.split(";"))
    if not tag:
        return None
    weight = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            weight = float(value.strip())
        except ValueError:
            return None
        if not 0.0 <= weight <= 1.0:
            return None
    return tag.lower(), weight


def _supported(tag: str) -> Language | None:
    primary = tag.split("-", 1)[0]
    for language in LANGUAGES:
        if primary == language:
            return language
    return None
