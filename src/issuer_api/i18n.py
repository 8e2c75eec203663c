"""Messages shown to people, in French and English, and the choice between the two.

Every message has a stable key (for errors, the error ``code``) and one template per
language, French first. Templates use ``str.format`` fields (``{status}``) filled from
the error's parameters. Adding an error code means adding its entry here, in both
languages; a test checks that every :class:`~issuer_api.errors.ApiError` code has one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, get_args

logger = logging.getLogger(__name__)

Language = Literal["fr", "en"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)

FALLBACK_KEY: Final = "error"


@dataclass(frozen=True, slots=True)
class Message:
    """One message in every supported language."""

    fr: str
    en: str

    def render(self, params: Mapping[str, object] | None = None) -> dict[Language, str]:
        """The message in each language, French first, with ``params`` filled in."""
        values = _Params(params or {})
        return {"fr": self.fr.format_map(values), "en": self.en.format_map(values)}


class _Params(dict[str, object]):
    """Leaves an unknown ``{field}`` as written rather than failing inside an error handler."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


CATALOGUE: Final[Mapping[str, Message]] = MappingProxyType(
    {
        # Generic
        FALLBACK_KEY: Message(
            fr="La requête n'a pas pu être traitée.",
            en="The request could not be processed.",
        ),
        "bad_request": Message(
            fr="La requête est invalide.",
            en="The request is invalid.",
        ),
        "http_error": Message(
            fr="La requête n'a pas pu être traitée (HTTP {status}).",
            en="The request could not be processed (HTTP {status}).",
        ),
        "invalid_request": Message(
            fr="La requête ne respecte pas le format attendu.",
            en="The request does not match the expected format.",
        ),
        "not_found": Message(
            fr="La ressource demandée n'existe pas.",
            en="The requested resource does not exist.",
        ),
        "method_not_allowed": Message(
            fr="Cette méthode HTTP n'est pas autorisée sur cette ressource.",
            en="This HTTP method is not allowed on this resource.",
        ),
        "empty_body": Message(
            fr="Le corps de la requête est vide : envoyez un badge.",
            en="The request body is empty: send a badge.",
        ),
        "unsupported_media_type": Message(
            fr="Ce type de contenu n'est pas accepté (JSON, texte, PNG, SVG ou formulaire).",
            en="This content type is not accepted (JSON, text, PNG, SVG or form upload).",
        ),
        "missing_file": Message(
            fr="Le formulaire doit contenir un champ « file ».",
            en="The form must contain a 'file' field.",
        ),
        "payload_too_large": Message(
            fr="Le corps de la requête dépasse la taille maximale autorisée.",
            en="The request body exceeds the maximum allowed size.",
        ),
        "internal_error": Message(
            fr=(
                "Une erreur interne est survenue. Réessayez plus tard ou contactez "
                "l'administrateur en lui indiquant l'identifiant de la requête."
            ),
            en=(
                "An internal error occurred. Try again later or contact the "
                "administrator, quoting the request identifier."
            ),
        ),
        # Credential core (obcore.errors): the document sent is at fault.
        "malformed_input": Message(
            fr="Le document fourni est mal formé.",
            en="The submitted document is malformed.",
        ),
        "limit_exceeded": Message(
            fr="Le document dépasse une limite de sécurité (taille, profondeur ou complexité).",
            en="The document exceeds a safety limit (size, depth or complexity).",
        ),
        "unknown_context": Message(
            fr="Le document utilise un contexte JSON-LD inconnu ou invalide.",
            en="The document uses an unknown or invalid JSON-LD context.",
        ),
        "safe_mode_violation": Message(
            fr="Le document contient des termes ou des types que ses contextes JSON-LD ne "
            "définissent pas.",
            en="The document contains terms or types that its JSON-LD contexts do not define.",
        ),
        "invalid_key": Message(
            fr="La clé est mal formée, d'un type inattendu ou inutilisable.",
            en="The key is malformed, of an unexpected type, or unusable.",
        ),
        "unresolvable": Message(
            fr="L'identifiant DID ou la référence de clé n'a pas pu être résolu.",
            en="The DID or key reference could not be resolved.",
        ),
        "invalid_proof": Message(
            fr="La preuve est mal formée ou d'un type non pris en charge.",
            en="The proof is malformed or of an unsupported type.",
        ),
        "invalid_signature": Message(
            fr="La signature cryptographique n'est pas valide.",
            en="The cryptographic signature does not verify.",
        ),
        # Authentication and authorisation: issuer_api.auth
        "unauthorized": Message(
            fr="Authentification requise : envoyez un jeton d'accès (en-tête Authorization: "
            "Bearer …) obtenu sur /oauth/token.",
            en="Authentication required: send an access token (Authorization: Bearer …) "
            "obtained from /oauth/token.",
        ),
        "invalid_token": Message(
            fr="Le jeton d'accès est invalide, expiré ou révoqué : demandez-en un nouveau.",
            en="The access token is invalid, expired or revoked: request a new one.",
        ),
        "forbidden": Message(
            fr="Vous n'avez pas le droit d'effectuer cette action.",
            en="You are not allowed to perform this action.",
        ),
        "insufficient_scope": Message(
            fr="Le jeton d'accès n'a pas la portée (scope) nécessaire à cette action.",
            en="The access token lacks the scope this action requires.",
        ),
        "forbidden_issuer": Message(
            fr="Ce client ne peut agir que pour son propre émetteur.",
            en="This client may act only for its own issuer.",
        ),
        # Issuers, identity and keys: issuer_api.issuers
        "issuer_not_found": Message(
            fr="Aucun émetteur ne porte cet identifiant.",
            en="No issuer has this identifier.",
        ),
        "issuer_slug_taken": Message(
            fr="Un émetteur utilise déjà cet identifiant court (slug).",
            en="Another issuer already uses this slug.",
        ),
        "did_web_required": Message(
            fr="Cette opération demande une identité did:web : configurez OBHUB_PUBLIC_BASE_URL "
            "(sous did:key, l'identité de l'émetteur est sa première clé Ed25519).",
            en="This operation needs a did:web identity: set OBHUB_PUBLIC_BASE_URL (under "
            "did:key, an issuer's identity is its first Ed25519 key).",
        ),
        "did_document_not_found": Message(
            fr="Aucun document DID n'est publié à cette adresse.",
            en="No DID document is published at this address.",
        ),
        "issuer_has_no_key": Message(
            fr="Cet émetteur n'a pas de clé de signature.",
            en="This issuer has no signing key.",
        ),
        "signing_key_unavailable": Message(
            fr="La clé de signature de l'émetteur est inutilisable (clé de chiffrement des "
            "clés différente ou données altérées) : contactez l'administrateur.",
            en="The issuer's signing key cannot be used (a different key-encryption key or "
            "altered data): contact the administrator.",
        ),
        "unsupported_key_type": Message(
            fr="Type de clé inconnu : ed25519, p256 ou rsa.",
            en="Unknown key type: ed25519, p256 or rsa.",
        ),
        "concurrent_update": Message(
            fr="Une autre requête a modifié cette ressource au même moment : réessayez.",
            en="Another request changed this resource at the same time: try again.",
        ),
        # Messages of the achievements domain (issuer_api.achievements)
        "achievement_not_found": Message(
            fr="Aucun badge (achievement) ne porte cet identifiant.",
            en="No achievement has this identifier.",
        ),
        "achievement_version_not_found": Message(
            fr="Cette version du badge (achievement) n'existe pas.",
            en="This version of the achievement does not exist.",
        ),
        "achievement_slug_taken": Message(
            fr="Cet émetteur a déjà un badge (achievement) avec cet identifiant court (slug).",
            en="This issuer already has an achievement with this slug.",
        ),
        # Credentials, status lists and the VC-API (issuer_api.credentials, .statuslists,
        # .vcapi)
        "credential_not_found": Message(
            fr="Aucun badge émis par ce service ne porte cet identifiant.",
            en="No credential issued by this service has this identifier.",
        ),
        "invalid_idempotency_key": Message(
            fr="L'en-tête Idempotency-Key doit compter de 1 à 200 caractères ASCII imprimables.",
            en="The Idempotency-Key header must hold 1 to 200 printable ASCII characters.",
        ),
        "idempotency_key_reused": Message(
            fr="Cette clé d'idempotence a déjà servi pour une autre requête : utilisez-en une "
            "nouvelle.",
            en="This idempotency key was already used for a different request: use a new one.",
        ),
        "invalid_validity_window": Message(
            fr="La date de fin de validité (validUntil) doit être postérieure au début "
            "(validFrom).",
            en="The end of validity (validUntil) must be later than its start (validFrom).",
        ),
        "achievement_of_another_issuer": Message(
            fr="Ce badge (achievement) appartient à un autre émetteur.",
            en="This achievement belongs to another issuer.",
        ),
        "already_revoked": Message(
            fr="Ce badge est révoqué ; une révocation est définitive.",
            en="This credential is revoked; a revocation is final.",
        ),
        "already_suspended": Message(
            fr="Ce badge est déjà suspendu.",
            en="This credential is already suspended.",
        ),
        "not_suspended": Message(
            fr="Ce badge n'est pas suspendu.",
            en="This credential is not suspended.",
        ),
        "credential_id_taken": Message(
            fr="Cet émetteur a déjà délivré une attestation portant cet identifiant.",
            en="This issuer already issued a credential with this id.",
        ),
        "ambiguous_credential_id": Message(
            fr="Plusieurs attestations portent cet identifiant : désignez-la par son "
            "identifiant obhub.",
            en="Several credentials carry this id: name it by its obhub identifier.",
        ),
        "suspension_not_available": Message(
            fr="Ce badge ne peut pas être suspendu : son unique entrée de statut sert à la "
            "révocation (émettez avec status_purpose « suspension » pour pouvoir suspendre).",
            en="This credential cannot be suspended: its single status entry is for "
            "revocation (issue with status_purpose 'suspension' to be able to suspend).",
        ),
        "not_acceptable": Message(
            fr="Aucune représentation de cette ressource ne correspond à l'en-tête Accept.",
            en="No representation of this resource matches the Accept header.",
        ),
        "status_list_not_found": Message(
            fr="Aucune liste de statuts ne porte cet identifiant.",
            en="No status list has this identifier.",
        ),
        "status_list_unavailable": Message(
            fr="Aucune liste de statuts n'a pu être attribuée : réessayez.",
            en="No status list could be allocated: try again.",
        ),
        "invalid_credential": Message(
            fr="Ce badge ne peut pas être émis tel quel : voir le détail.",
            en="This credential cannot be issued as it is: see the details.",
        ),
        "schema_invalid": Message(
            fr="Ce badge ne respecte pas le schéma Open Badges 3.0 : voir le détail.",
            en="This credential does not conform to the Open Badges 3.0 schema: see the details.",
        ),
        "issuer_mismatch": Message(
            fr="L'émetteur indiqué dans le badge n'est pas un émetteur de ce service pour "
            "lequel ce client peut agir.",
            en="The credential's issuer is not an issuer of this service that this client may "
            "act for.",
        ),
        "invalid_presentation": Message(
            fr="La présentation est mal formée : voir le détail.",
            en="The presentation is malformed: see the details.",
        ),
        "unsupported_envelope": Message(
            fr="Seules les enveloppes data:application/vc+jwt sont prises en charge.",
            en="Only data:application/vc+jwt envelopes are supported.",
        ),
        "unsupported_status_type": Message(
            fr="Ce type de statut n'est pas pris en charge (BitstringStatusListEntry).",
            en="This status type is not supported (BitstringStatusListEntry).",
        ),
        # Partners: registry, webhook secrets, signed webhooks (issuer_api.partners)
        # Inbox and receipts: deliveries, POST /v1/badges (issuer_api.ingestion)
        # Learners: records, export, erasure (issuer_api.learners)
        # Jobs: the job engine (issuer_api.jobs)
        # Référentiel and regional badges (issuer_api.regional)
        # Outbound webhooks (issuer_api.outbound)
    }
)


def messages(key: str, params: Mapping[str, object] | None = None) -> dict[Language, str]:
    """The message ``key`` in every language; an unknown key gets the generic message."""
    message = CATALOGUE.get(key)
    if message is None:
        logger.warning("no message registered for key", extra={"message_key": key})
        message = CATALOGUE[FALLBACK_KEY]
    return message.render(params)


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
