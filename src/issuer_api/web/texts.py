"""Words of the ``/verifier`` page, in French (first) and English.

The server renders the page with them, and hands the same table to the page's script
(a JSON data block), so a result drawn by the browser reads exactly like one drawn by
the server. Dates are written by :func:`format_datetime` here and by its twin in
``static/verifier.js``: day, month name, year, then the time in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from issuer_api.i18n import Language

TEXTS: Final[dict[Language, dict[str, str]]] = {
    "fr": {
        "site_name": "La Normandie badge les compétences",
        "title": "Vérifier un badge",
        "h1": "Vérifier un badge numérique",
        "skip": "Aller au contenu",
        "intro": (
            "Vérifiez qu'un badge Open Badges 3.0 est authentique, qu'il n'a pas été "
            "modifié et qu'il est toujours valide. Collez le badge, déposez son image "
            "ou son fichier, ou indiquez son adresse."
        ),
        "switch_label": "English version",
        "switch_text": "English",
        "form_title": "Badge à vérifier",
        "one_source": (
            "Utilisez une seule des trois façons ci-dessous. Si plusieurs sont remplies, "
            "le fichier passe en premier, puis le texte collé, puis l'adresse."
        ),
        "paste_label": "Coller le badge (JSON ou jeton JWT)",
        "paste_hint": "Le contenu commence par « { » (JSON) ou par « eyJ » (JWT).",
        "file_label": "Ou déposer un fichier",
        "file_hint": "Image PNG ou SVG contenant le badge, ou fichier .json ou .jwt.",
        "url_label": "Ou indiquer l'adresse du badge",
        "url_hint": "Adresse commençant par https://",
        "recipient_label": "Titulaire attendu (facultatif)",
        "recipient_hint": (
            "Adresse e-mail ou identifiant DID de la personne qui doit avoir reçu le badge."
        ),
        "submit": "Vérifier le badge",
        "busy": "Vérification en cours…",
        "error_prefix": "Erreur :",
        "error_empty": (
            "Aucun badge à vérifier : collez un badge, choisissez un fichier ou indiquez "
            "une adresse."
        ),
        "error_url": "L'adresse doit commencer par https:// ou http://.",
        "error_network": "Le service de vérification ne répond pas. Réessayez plus tard.",
        "url_unavailable": (
            "La vérification à partir d'une adresse n'est pas encore disponible, ou "
            "l'adresse n'a pas pu être lue. Téléchargez le badge puis déposez le fichier, "
            "ou collez son contenu."
        ),
        "result_title": "Résultat de la vérification",
        "badge_image_alt": "Image du badge « {name} »",
        "badge_image_alt_unnamed": "Image du badge",
        "issuer_image_alt": "Logo de l'émetteur « {name} »",
        "unnamed_badge": "Badge sans nom",
        "issuer": "Émetteur",
        "recipient": "Titulaire",
        "achievement": "Réussite",
        "criteria": "Critères",
        "awarded": "Délivré le",
        "valid_from": "Valide à partir du",
        "valid_until": "Valide jusqu'au",
        "format": "Format",
        "format_baked": "image {image} (badge {inner})",
        "hashed_identifier": "identifiant masqué ({type})",
        "plain_identifier": "identifiant ({type})",
        "checks_title": "Contrôles effectués",
        "label_sep": " : ",
        "notices_title": "Remarques",
        "endorsements_title": "Recommandations",
        "endorsement_unnamed": "Recommandation",
        "status_valid": "valide",
        "status_invalid": "invalide",
        "status_indeterminate": "non vérifiable",
        "status_skipped": "sans objet",
        "check_parse": "Lecture du badge",
        "check_contexts": "Vocabulaire (contextes JSON-LD)",
        "check_safe_mode": "Propriétés définies",
        "check_schema": "Conformité au format Open Badges 3.0",
        "check_proof": "Signature",
        "check_issuer": "Clé de l'émetteur",
        "check_refresh": "Service de mise à jour",
        "check_status": "Révocation",
        "check_validity": "Période de validité",
        "check_endorsements": "Recommandations",
        "check_recipient": "Titulaire",
        "date_at": "{date} à {time} UTC",
        "months": (
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        ),
        "first_day": "1er",
        "footer": (
            "obhub — vérification de badges Open Badges 3.0. Le badge est vérifié sur ce "
            "serveur et n'est pas conservé."
        ),
        "api_hint": "Pour les logiciels : POST /verify (documentation de l'API : /docs).",
        "email": "e-mail",
    },
    "en": {
        "site_name": "La Normandie badge les compétences",
        "title": "Verify a badge",
        "h1": "Verify a digital badge",
        "skip": "Skip to content",
        "intro": (
            "Check that an Open Badges 3.0 badge is authentic, has not been altered and "
            "is still valid. Paste the badge, drop its image or file, or give its address."
        ),
        "switch_label": "Version française",
        "switch_text": "Français",
        "form_title": "Badge to verify",
        "one_source": (
            "Use only one of the three ways below. If several are filled in, the file "
            "comes first, then the pasted text, then the address."
        ),
        "paste_label": "Paste the badge (JSON or JWT)",
        "paste_hint": "The content starts with “{” (JSON) or with “eyJ” (JWT).",
        "file_label": "Or upload a file",
        "file_hint": "PNG or SVG image carrying the badge, or a .json or .jwt file.",
        "url_label": "Or give the badge's address",
        "url_hint": "Address starting with https://",
        "recipient_label": "Expected recipient (optional)",
        "recipient_hint": "Email address or DID of the person who should have received the badge.",
        "submit": "Verify the badge",
        "busy": "Verifying…",
        "error_prefix": "Error:",
        "error_empty": "Nothing to verify: paste a badge, choose a file or give an address.",
        "error_url": "The address must start with https:// or http://.",
        "error_network": "The verification service does not answer. Please try again later.",
        "url_unavailable": (
            "Verifying from an address is not available yet, or the address could not be "
            "read. Download the badge and upload the file, or paste its content."
        ),
        "result_title": "Verification result",
        "badge_image_alt": "Image of the badge “{name}”",
        "badge_image_alt_unnamed": "Badge image",
        "issuer_image_alt": "Logo of the issuer “{name}”",
        "unnamed_badge": "Unnamed badge",
        "issuer": "Issuer",
        "recipient": "Recipient",
        "achievement": "Achievement",
        "criteria": "Criteria",
        "awarded": "Awarded on",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
        "format": "Format",
        "format_baked": "{image} image ({inner} badge)",
        "hashed_identifier": "hidden identifier ({type})",
        "plain_identifier": "identifier ({type})",
        "checks_title": "Checks performed",
        "label_sep": ": ",
        "notices_title": "Notices",
        "endorsements_title": "Endorsements",
        "endorsement_unnamed": "Endorsement",
        "status_valid": "valid",
        "status_invalid": "invalid",
        "status_indeterminate": "could not be checked",
        "status_skipped": "not applicable",
        "check_parse": "Reading the badge",
        "check_contexts": "Vocabulary (JSON-LD contexts)",
        "check_safe_mode": "Defined properties",
        "check_schema": "Open Badges 3.0 format",
        "check_proof": "Signature",
        "check_issuer": "Issuer's key",
        "check_refresh": "Refresh service",
        "check_status": "Revocation",
        "check_validity": "Validity period",
        "check_endorsements": "Endorsements",
        "check_recipient": "Recipient",
        "date_at": "{date}, {time} UTC",
        "months": (
            "January February March April May June July August September October November December"
        ),
        "first_day": "1",
        "footer": (
            "obhub — Open Badges 3.0 verification. The badge is verified on this server "
            "and is not kept."
        ),
        "api_hint": "For software: POST /verify (API documentation: /docs).",
        "email": "email",
    },
}

STATUS_ICONS: Final = {"valid": "✔", "invalid": "✘", "indeterminate": "?", "skipped": "·"}
VERDICT_ICONS: Final = {"valid": "✔", "invalid": "✘", "indeterminate": "?"}
FORMAT_NAMES: Final = {
    "json": "JSON",
    "vc-jwt": "VC-JWT",
    "ob2": "Open Badges 2.0",
    "png": "PNG",
    "svg": "SVG",
}
# identityType values of OB 3.0 (IdentifierTypeEnum) shown in plain words.
IDENTITY_TYPES: Final = {"emailAddress": "email"}


def text(lang: Language, key: str, **params: str) -> str:
    value = TEXTS[lang][key]
    return value.format(**params) if params else value


def identity_type(lang: Language, value: object) -> str:
    name = str(value) if value is not None else "?"
    word = IDENTITY_TYPES.get(name)
    return TEXTS[lang][word] if word else name


def format_name(lang: Language, fmt: str) -> str:
    """``baked-png+json`` -> ``image PNG (badge JSON)``; known names; else as given."""
    if fmt.startswith("baked-") and "+" in fmt:
        image, inner = fmt[len("baked-") :].split("+", 1)
        return text(
            lang,
            "format_baked",
            image=FORMAT_NAMES.get(image, image),
            inner=FORMAT_NAMES.get(inner, inner),
        )
    return FORMAT_NAMES.get(fmt, fmt)


def format_datetime(value: object, lang: Language) -> str | None:
    """``2025-01-09T15:06:31Z`` -> ``9 janvier 2025 à 15:06 UTC``; None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    months = TEXTS[lang]["months"].split()
    day = TEXTS[lang]["first_day"] if moment.day == 1 else str(moment.day)
    date = f"{day} {months[moment.month - 1]} {moment.year}"
    return text(lang, "date_at", date=date, time=f"{moment.hour:02d}:{moment.minute:02d}")


# --------------------------------------------------------------------------- badge page
# Words of the public page of an issued badge (``/badges/{id}``, web/credential_page.py).
# Its script gets them merged over TEXTS (check and status labels come from there).

BADGE_TEXTS: Final[dict[Language, dict[str, str]]] = {
    "fr": {
        "badge_title": "Badge numérique",
        "not_found_title": "Badge introuvable",
        "not_found_text": (
            "Aucun badge ne correspond à cette adresse. Vérifiez le lien reçu, ou "
            "vérifiez un badge que vous avez en main sur la page de vérification."
        ),
        "not_found_link": "Vérifier un badge",
        "erased_title": "Badge effacé",
        "erased_text": (
            "Ce badge a été révoqué, puis effacé à la demande de son titulaire : il n'est "
            "plus publié."
        ),
        "state_valid": "Ce badge est valide.",
        "state_valid_detail": (
            "Il n'est ni suspendu ni révoqué, et il est dans sa période de validité."
        ),
        "state_suspended": "Ce badge est suspendu.",
        "state_suspended_detail": "Son émetteur l'a suspendu : il n'est pas valide pour l'instant.",
        "state_revoked": "Ce badge a été révoqué.",
        "state_revoked_detail": "Son émetteur l'a révoqué le {date} : il n'est plus valide.",
        "state_expired": "Ce badge a expiré.",
        "state_expired_detail": "Il était valide jusqu'au {date}.",
        "state_not_yet_valid": "Ce badge n'est pas encore valide.",
        "state_not_yet_valid_detail": "Il sera valide à partir du {date}.",
        "state_checked": "État lu dans le registre de l'émetteur le {date}.",
        "badge_image_alt": "Image du badge « {name} »",
        "issuer": "Émetteur",
        "issuer_profile": "profil de l'émetteur",
        "issuer_website": "site web",
        "awarded": "Délivré le",
        "expires": "Expire le",
        "criteria": "Critères d'obtention",
        "criteria_link": "Détail des critères",
        "competency": "Compétence",
        "competency_level": "{competency} — niveau « {level} »",
        "referential": "Référentiel",
        "referential_version": "{name}, version {version} (n° {number})",
        "identifier": "Identifiant du badge",
        "evidence_title": "Badges partenaires pris en compte",
        "evidence_intro": (
            "Ce badge régional a été attribué automatiquement au vu des badges suivants, "
            "délivrés par des partenaires de la Région."
        ),
        "evidence_title_plain": "Preuves",
        "evidence_unnamed": "Badge partenaire",
        "evidence_issuer": "Émetteur",
        "evidence_id": "Identifiant",
        "evidence_digest": "Empreinte SHA-256",
        "verify_title": "Vérifier ce badge",
        "verify_intro": (
            "La vérification contrôle la signature du badge, son émetteur et son statut "
            "(révocation, suspension), comme le ferait n'importe quel vérificateur Open "
            "Badges 3.0."
        ),
        "verify_now": "Vérifier maintenant",
        "share_title": "Télécharger et partager",
        "download_json": "Télécharger le badge (JSON signé)",
        "download_jwt": "Télécharger le badge (jeton VC-JWT)",
        "download_svg": "Télécharger l'image SVG (badge intégré)",
        "download_png": "Télécharger l'image PNG (badge intégré)",
        "download_hint": (
            "Les images contiennent le badge signé : on peut les déposer telles quelles "
            "dans un portefeuille de badges ou sur la page de vérification."
        ),
        "linkedin": "Ajouter à mon profil LinkedIn",
        "linkedin_hint": "(s'ouvre dans une nouvelle fenêtre)",
        "page_link": "Adresse de cette page",
        "copy_link": "Copier le lien",
        "copied": "Lien copié.",
        "copy_failed": "Copie impossible : sélectionnez l'adresse et copiez-la.",
        "og_description": "Badge Open Badges 3.0 délivré par {issuer}.",
        "badge_footer": (
            "obhub — badges numériques Open Badges 3.0. Cette page est publique ; elle "
            "ne montre aucune donnée personnelle du titulaire."
        ),
        "regional_not_found": "Badge régional inconnu.",
    },
    "en": {
        "badge_title": "Digital badge",
        "not_found_title": "Badge not found",
        "not_found_text": (
            "No badge matches this address. Check the link you were given, or verify a "
            "badge you have on the verification page."
        ),
        "not_found_link": "Verify a badge",
        "erased_title": "Badge erased",
        "erased_text": (
            "This badge was revoked, then erased at its holder's request: it is no longer "
            "published."
        ),
        "state_valid": "This badge is valid.",
        "state_valid_detail": (
            "It is neither suspended nor revoked, and it is within its validity period."
        ),
        "state_suspended": "This badge is suspended.",
        "state_suspended_detail": "Its issuer suspended it: it is not valid for now.",
        "state_revoked": "This badge has been revoked.",
        "state_revoked_detail": "Its issuer revoked it on {date}: it is no longer valid.",
        "state_expired": "This badge has expired.",
        "state_expired_detail": "It was valid until {date}.",
        "state_not_yet_valid": "This badge is not valid yet.",
        "state_not_yet_valid_detail": "It will be valid from {date}.",
        "state_checked": "Status read from the issuer's register on {date}.",
        "badge_image_alt": "Image of the badge “{name}”",
        "issuer": "Issuer",
        "issuer_profile": "issuer profile",
        "issuer_website": "website",
        "awarded": "Awarded on",
        "expires": "Expires on",
        "criteria": "Criteria",
        "criteria_link": "Criteria in detail",
        "competency": "Competency",
        "competency_level": "{competency} — level “{level}”",
        "referential": "Framework",
        "referential_version": "{name}, version {version} (no. {number})",
        "identifier": "Badge identifier",
        "evidence_title": "Partner badges taken into account",
        "evidence_intro": (
            "This regional badge was awarded automatically on the strength of the "
            "following badges, issued by the Region's partners."
        ),
        "evidence_title_plain": "Evidence",
        "evidence_unnamed": "Partner badge",
        "evidence_issuer": "Issuer",
        "evidence_id": "Identifier",
        "evidence_digest": "SHA-256 digest",
        "verify_title": "Verify this badge",
        "verify_intro": (
            "Verification checks the badge's signature, its issuer and its status "
            "(revocation, suspension), as any Open Badges 3.0 verifier would."
        ),
        "verify_now": "Verify now",
        "share_title": "Download and share",
        "download_json": "Download the badge (signed JSON)",
        "download_jwt": "Download the badge (VC-JWT token)",
        "download_svg": "Download the SVG image (badge baked in)",
        "download_png": "Download the PNG image (badge baked in)",
        "download_hint": (
            "The images carry the signed badge: they can be dropped as they are into a "
            "badge wallet or onto the verification page."
        ),
        "linkedin": "Add to my LinkedIn profile",
        "linkedin_hint": "(opens in a new window)",
        "page_link": "Address of this page",
        "copy_link": "Copy the link",
        "copied": "Link copied.",
        "copy_failed": "Could not copy: select the address and copy it.",
        "og_description": "Open Badges 3.0 badge issued by {issuer}.",
        "badge_footer": (
            "obhub — Open Badges 3.0 digital badges. This page is public; it shows no "
            "personal data of the holder."
        ),
        "regional_not_found": "Unknown regional badge.",
    },
}
STATE_ICONS: Final = {
    "valid": "✔",
    "suspended": "!",
    "revoked": "✘",
    "expired": "!",
    "not_yet_valid": "…",
}


def badge_text(lang: Language, key: str, **params: str) -> str:
    """A word of the badge page (:data:`BADGE_TEXTS`), then of the verifier (:data:`TEXTS`)."""
    value = BADGE_TEXTS[lang].get(key)
    if value is None:
        value = TEXTS[lang][key]
    return value.format(**params) if params else value
