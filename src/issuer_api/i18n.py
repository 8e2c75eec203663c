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
        "invalid_unicode": Message(
            fr="Le JSON contient une chaîne qui n'est pas du texte Unicode (un "
            "demi-caractère UTF-16 isolé, « \\ud800 » par exemple) : il ne peut pas être lu.",
            en="The JSON holds a string that is not Unicode text (a lone UTF-16 "
            'surrogate, such as "\\ud800"): it cannot be read.',
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
        "request_header_fields_too_large": Message(
            fr="Les en-têtes de la requête sont trop volumineux (au plus {max_header_bytes} "
            "octets et {max_headers} en-têtes).",
            en="The request headers are too large (at most {max_header_bytes} bytes and "
            "{max_headers} headers).",
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
        "credential_erased": Message(
            fr=(
                "Ce badge a été révoqué et effacé à la demande de son titulaire : il n'est "
                "plus publié."
            ),
            en="This credential was revoked and erased at its holder's request: it is no "
            "longer published.",
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
        "status_list_reserved": Message(
            fr="Cette entrée credentialStatus désigne une liste de statuts de ce service : "
            "seul le service y attribue une place. Retirez-la, le service ajoute la sienne.",
            en="This credentialStatus entry points at a status list of this service: only "
            "the service assigns a place in it. Remove it; the service adds its own.",
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
        "partner_not_found": Message(
            fr="Ce partenaire n'existe pas.",
            en="This partner does not exist.",
        ),
        "partner_slug_taken": Message(
            fr="Ce slug est déjà utilisé par un autre partenaire.",
            en="This slug is already used by another partner.",
        ),
        "partner_suspended": Message(
            fr="Ce partenaire est suspendu : ses livraisons de badges sont refusées.",
            en="This partner is suspended: its badge deliveries are refused.",
        ),
        "partner_already_suspended": Message(
            fr="Ce partenaire est déjà suspendu.",
            en="This partner is already suspended.",
        ),
        "partner_not_suspended": Message(
            fr="Ce partenaire n'est pas suspendu.",
            en="This partner is not suspended.",
        ),
        "not_a_partner": Message(
            fr="Ce client OAuth n'est rattaché à aucun partenaire : il ne peut pas livrer de "
            "badges (un client admin indique le partenaire avec ?partner=).",
            en="This OAuth client is not linked to a partner: it cannot deliver badges (an "
            "admin client names the partner with ?partner=).",
        ),
        "partner_not_allowed": Message(
            fr="Ce client agit pour un autre partenaire que celui demandé.",
            en="This client acts for another partner than the one requested.",
        ),
        "trusted_issuer_exists": Message(
            fr="Cet émetteur est déjà de confiance pour ce partenaire.",
            en="This issuer is already trusted for this partner.",
        ),
        "trusted_issuer_not_found": Message(
            fr="Cet émetteur de confiance n'existe pas pour ce partenaire.",
            en="This trusted issuer does not exist for this partner.",
        ),
        "webhook_secret_limit_reached": Message(
            fr="Ce partenaire a déjà deux secrets de webhook actifs : révoquez-en un avant "
            "d'en créer un autre.",
            en="This partner already has two active webhook secrets: revoke one before "
            "creating another.",
        ),
        "webhook_secret_not_found": Message(
            fr="Ce secret de webhook n'existe pas pour ce partenaire.",
            en="This webhook secret does not exist for this partner.",
        ),
        "webhook_secret_already_revoked": Message(
            fr="Ce secret de webhook est déjà révoqué.",
            en="This webhook secret is already revoked.",
        ),
        "webhook_secret_unavailable": Message(
            fr="Un secret de webhook ne peut pas être ouvert (clé de chiffrement différente ou "
            "données altérées) : contactez l'exploitant.",
            en="A webhook secret cannot be opened (another encryption key or altered data): "
            "contact the operator.",
        ),
        "webhook_signature_missing": Message(
            fr="Webhook non signé : les en-têtes webhook-id, webhook-timestamp et "
            "webhook-signature sont obligatoires.",
            en="Unsigned webhook: the webhook-id, webhook-timestamp and webhook-signature "
            "headers are required.",
        ),
        "webhook_headers_invalid": Message(
            fr="En-têtes de signature mal formés (webhook-id, webhook-timestamp en secondes, "
            "webhook-signature « v1,<base64> »).",
            en="Malformed signature headers (webhook-id, webhook-timestamp in seconds, "
            "webhook-signature 'v1,<base64>').",
        ),
        "webhook_timestamp_out_of_range": Message(
            fr="L'horodatage du webhook est à plus de 5 minutes de l'heure du serveur : "
            "signez la requête au moment de l'envoyer.",
            en="The webhook timestamp is more than 5 minutes away from the server's clock: "
            "sign the request when sending it.",
        ),
        "webhook_signature_invalid": Message(
            fr="La signature du webhook ne correspond à aucun secret actif du partenaire.",
            en="The webhook signature matches none of the partner's active secrets.",
        ),
        # Inbox and receipts: deliveries, POST /v1/badges (issuer_api.ingestion)
        "invalid_delivery": Message(
            fr="La livraison est mal formée : aucun badge n'a été enregistré (voir "
            "details.errors).",
            en="The delivery is malformed: no badge was stored (see details.errors).",
        ),
        "too_many_badges": Message(
            fr="Trop de badges dans une livraison (au plus {max_badges}) : envoyez-les en "
            "plusieurs fois.",
            en="Too many badges in one delivery (at most {max_badges}): send them in "
            "several calls.",
        ),
        "webhook_id_conflict": Message(
            fr="Ce webhook-id a déjà été reçu avec un autre contenu : utilisez un nouvel "
            "identifiant par message.",
            en="This webhook-id was already received with different content: use a new id "
            "for each message.",
        ),
        "receipt_not_found": Message(
            fr="Ce reçu de livraison n'existe pas.",
            en="This delivery receipt does not exist.",
        ),
        # Learners: records, export, erasure (issuer_api.learners)
        "learner_not_found": Message(
            fr="Aucun bénéficiaire ne correspond.",
            en="No learner matches.",
        ),
        "learner_query_invalid": Message(
            fr="Indiquez exactement un critère : email ou did.",
            en="Give exactly one criterion: email or did.",
        ),
        # Partner badge outcomes, shown in receipts (issuer_api.ingestion.acceptance)
        "not_verified": Message(
            fr="Le badge n'a pas passé la vérification (voir le contrôle en échec).",
            en="The badge failed verification (see the failing check).",
        ),
        "verification_unavailable": Message(
            fr="Le badge n'a pas pu être vérifié : un document nécessaire (DID, liste de "
            "statuts, badge hébergé) est resté inaccessible après plusieurs essais.",
            en="The badge could not be verified: a document it needs (DID, status list, "
            "hosted badge) stayed out of reach after several attempts.",
        ),
        "issuer_not_trusted": Message(
            fr="L'émetteur du badge ne fait pas partie des émetteurs de confiance du partenaire.",
            en="The badge's issuer is not one of the partner's trusted issuers.",
        ),
        "recipient_mismatch": Message(
            fr="Le badge n'est pas délivré au bénéficiaire indiqué dans l'envoi.",
            en="The badge was not awarded to the recipient named in the delivery.",
        ),
        "recipient_missing": Message(
            fr="L'envoi n'indique pas de bénéficiaire (e-mail ou DID).",
            en="The delivery names no recipient (email or DID).",
        ),
        "unsupported_payload": Message(
            fr="Seul un badge (un credential) est accepté ici, pas une présentation.",
            en="Only a badge (one credential) is accepted here, not a presentation.",
        ),
        "duplicate": Message(
            fr="Ce badge est déjà enregistré : rien n'a changé.",
            en="This badge is already stored: nothing changed.",
        ),
        "superseded": Message(
            fr="Une version plus récente de ce badge est déjà enregistrée : celle-ci est ignorée.",
            en="A newer version of this badge is already stored: this one is ignored.",
        ),
        "replaced_older": Message(
            fr="Ce badge remplace la version plus ancienne déjà enregistrée.",
            en="This badge replaces the older version already stored.",
        ),
        "recipient_conflict": Message(
            fr="Ce badge est déjà enregistré pour un autre bénéficiaire.",
            en="This badge is already stored for another learner.",
        ),
        "processing_failed": Message(
            fr="Le traitement de ce badge a échoué à plusieurs reprises : contactez l'exploitant.",
            en="Processing this badge failed repeatedly: contact the operator.",
        ),
        "fetch_forbidden": Message(
            fr="Un document nécessaire à la vérification du badge est à une adresse que le "
            "hub ne contacte jamais (réseau privé, boucle locale, schéma non autorisé) : le "
            "badge est refusé sans nouvel essai.",
            en="A document needed to verify the badge is at an address the hub never "
            "contacts (private network, loopback, scheme not allowed): the badge is refused "
            "without retrying.",
        ),
        "payload_erased": Message(
            fr="Le contenu de cet envoi a été effacé (droit à l'effacement) avant son traitement.",
            en="The content of this delivery was erased (right to erasure) before it was "
            "processed.",
        ),
        # Jobs: the job engine (issuer_api.jobs)
        # Référentiel and regional badges (issuer_api.regional)
        "invalid_referential": Message(
            fr="Le référentiel ne peut pas être utilisé : voir la liste des problèmes.",
            en="The référentiel cannot be used: see the list of issues.",
        ),
        "referential_version_not_found": Message(
            fr="Aucune version du référentiel ne porte ce numéro.",
            en="No référentiel version has this number.",
        ),
        "mapping_not_found": Message(
            fr="Aucune correspondance ne porte cet identifiant.",
            en="No mapping has this identifier.",
        ),
        "mapping_exists": Message(
            fr="Ce badge partenaire a déjà une correspondance pour cette compétence.",
            en="This partner badge already has a mapping for this competency.",
        ),
        "mapping_already_decided": Message(
            fr="Cette correspondance a déjà été approuvée ou refusée.",
            en="This mapping was already approved or rejected.",
        ),
        "mapping_unknown_target": Message(
            fr="Cette compétence ou ce niveau n'existe pas dans le référentiel actif.",
            en="This competency or level does not exist in the active référentiel.",
        ),
        "mapping_issuer_required": Message(
            fr="Un partenaire doit indiquer l'émetteur du badge (issuer_id).",
            en="A partner must name the badge's issuer (issuer_id).",
        ),
        "mapping_issuer_not_trusted": Message(
            fr="Ce partenaire n'a pas la confiance de la Région pour cet émetteur.",
            en="This partner is not trusted for this issuer.",
        ),
        "invalid_claim": Message(
            fr="Un badge de la demande ne peut pas être lu : voir le détail.",
            en="A badge of the claim cannot be read: see the details.",
        ),
        "claim_not_found": Message(
            fr="Aucune demande ne porte cet identifiant.",
            en="No claim has this identifier.",
        ),
        "badge_no_alignment": Message(
            fr="Ce badge n'est aligné sur aucune compétence du référentiel et aucune "
            "correspondance approuvée ne le vise.",
            en="This badge aligns to no competency of the référentiel and no approved mapping "
            "names it.",
        ),
        "badge_inactive": Message(
            fr="Ce badge est révoqué ou suspendu.",
            en="This badge is revoked or suspended.",
        ),
        "badge_expired": Message(
            fr="Ce badge a expiré.",
            en="This badge has expired.",
        ),
        "badge_not_yet_valid": Message(
            fr="Ce badge n'est pas encore valide.",
            en="This badge is not valid yet.",
        ),
        "badge_outside_window": Message(
            fr="Ce badge a été obtenu trop tôt pour la période que la règle retient.",
            en="This badge was earned too long ago for the period the rule considers.",
        ),
        "badge_duplicate": Message(
            fr="Le même badge du même émetteur est déjà compté.",
            en="The same badge from the same issuer is counted already.",
        ),
        # Outbound webhooks (issuer_api.outbound)
        "webhook_endpoint_not_found": Message(
            fr="Aucun point de réception de webhooks ne porte cet identifiant.",
            en="No webhook endpoint has this identifier.",
        ),
        "webhook_url_forbidden": Message(
            fr="Cette URL ne peut pas recevoir de webhooks : https obligatoire (http seulement "
            "vers un hôte autorisé), sans identifiants, et jamais une adresse privée non "
            "autorisée.",
            en="This URL cannot receive webhooks: https is required (http only to an allowed "
            "host), without credentials, and never a private address that is not allowed.",
        ),
        "webhook_endpoint_inactive": Message(
            fr="Ce point de réception est désactivé : réactivez-le d'abord (active: true).",
            en="This webhook endpoint is disabled: enable it first (active: true).",
        ),
        "outbound_message_not_found": Message(
            fr="Ce point de réception n'a aucun message portant cet identifiant.",
            en="This webhook endpoint has no message with this identifier.",
        ),
        "outbound_message_not_dead": Message(
            fr="Seul un message abandonné (dead) peut être renvoyé.",
            en="Only a dead message can be retried.",
        ),
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
