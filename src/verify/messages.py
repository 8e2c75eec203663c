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
    "schema_language_values": {
        "fr": "Le badge est conforme au schéma Open Badges 3.0, à des textes multilingues "
        "près (objets de langue VCDM 2.0), signalés sans être bloquants.",
        "en": "The badge conforms to the Open Badges 3.0 schema except for language value "
        "objects (VCDM 2.0), which are reported, not treated as failures.",
    },
    "schema_language_value_objects": {
        "fr": "Des textes sont des objets de langue VCDM 2.0 ({@value, @language}), que le "
        "schéma Open Badges 3.0 ne prévoit pas : accepté, le badge ne déclarant pas ce schéma.",
        "en": "Some texts are VCDM 2.0 language value objects ({@value, @language}), which the "
        "Open Badges 3.0 schema does not foresee: accepted, as the badge does not declare it.",
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
    # --- network resolution (verify.fetch, verify.resolvers)
    "fetch_forbidden": {
        "fr": "Cette adresse n'est pas consultée (adresse privée ou non https).",
        "en": "This address is not fetched (private address or not https).",
    },
    "fetch_timeout": {
        "fr": "Le serveur n'a pas répondu à temps.",
        "en": "The server did not answer in time.",
    },
    "fetch_too_large": {
        "fr": "Le document téléchargé est trop volumineux.",
        "en": "The downloaded document is too large.",
    },
    "fetch_failed": {
        "fr": "Le document n'a pas pu être téléchargé.",
        "en": "The document could not be downloaded.",
    },
    "own_document_failed": {
        "fr": "Le service n'a pas pu produire ce document qu'il publie lui-même.",
        "en": "The service could not produce this document it publishes itself.",
    },
    "fetch_status": {
        "fr": "Le serveur a répondu par une erreur.",
        "en": "The server answered with an error.",
    },
    "fetch_content_type": {
        "fr": "Le serveur a renvoyé un type de contenu inattendu.",
        "en": "The server returned an unexpected content type.",
    },
    "fetch_too_many_redirects": {
        "fr": "Trop de redirections.",
        "en": "Too many redirects.",
    },
    "document_not_found": {
        "fr": "Le document qui publie la clé est introuvable.",
        "en": "The document publishing the key was not found.",
    },
    "invalid_document": {
        "fr": "Le document qui publie la clé est mal formé.",
        "en": "The document publishing the key is malformed.",
    },
    "did_document_id_mismatch": {
        "fr": "Le document DID ne porte pas l'identifiant demandé.",
        "en": "The DID document does not carry the requested identifier.",
    },
    "controller_document_id_mismatch": {
        "fr": "Le document de l'émetteur ne porte pas son adresse comme identifiant.",
        "en": "The controller document's id is not its URL.",
    },
    "verification_method_controller_mismatch": {
        "fr": "La clé est attribuée à un autre contrôleur que le document qui la publie.",
        "en": "The key names another controller than the document publishing it.",
    },
    "status_list_unavailable": {
        "fr": "La liste de statuts est introuvable.",
        "en": "The status list was not found.",
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
    "baked_payload_invalid": {
        "fr": "Le badge contenu dans l'image est invalide.",
        "en": "The badge carried by the image is invalid.",
    },
    "baked_payload_malformed": {
        "fr": "Le badge contenu dans l'image est mal formé.",
        "en": "The badge carried by the image is malformed.",
    },
    "baked_payload_too_large": {
        "fr": "Le badge contenu dans l'image est trop volumineux.",
        "en": "The badge carried by the image is too large.",
    },
    "baked_payload_unrecognized": {
        "fr": "Le contenu de l'image n'est ni un badge JSON ni un JWT.",
        "en": "The image content is neither a JSON badge nor a JWT.",
    },
    "bare_did_key_method": {
        "fr": "La clé est désignée par un did:key sans fragment.",
        "en": "The key is named by a did:key without a fragment.",
    },
    "canonicalization_timeout": {
        "fr": "Le badge est trop complexe à canoniser (délai dépassé).",
        "en": "The badge is too complex to canonicalize (time limit).",
    },
    "canonicalization_too_complex": {
        "fr": "Le badge est trop complexe à canoniser.",
        "en": "The badge is too complex to canonicalize.",
    },
    "error": {
        "fr": "Une erreur est survenue pendant la vérification.",
        "en": "An error occurred during verification.",
    },
    "image_too_large": {
        "fr": "L'image est trop volumineuse.",
        "en": "The image is too large.",
    },
    "invalid_credential": {
        "fr": "L'attestation est invalide.",
        "en": "The credential is invalid.",
    },
    "invalid_date_time": {
        "fr": "Une date n'est pas au format ISO 8601 avec fuseau horaire.",
        "en": "A date is not ISO 8601 with a time zone.",
    },
    "invalid_did": {
        "fr": "L'identifiant décentralisé (DID) est invalide.",
        "en": "The decentralized identifier (DID) is invalid.",
    },
    "invalid_email": {
        "fr": "L'adresse électronique est invalide.",
        "en": "The email address is invalid.",
    },
    "invalid_identity_type": {
        "fr": "Le type d'identifiant du titulaire est invalide.",
        "en": "The recipient identifier type is invalid.",
    },
    "invalid_jwk": {
        "fr": "La clé publique (JWK) est invalide.",
        "en": "The public key (JWK) is invalid.",
    },
    "invalid_kek": {
        "fr": "La clé de chiffrement des clés est invalide.",
        "en": "The key-encryption key is invalid.",
    },
    "invalid_key": {
        "fr": "La clé est invalide.",
        "en": "The key is invalid.",
    },
    "invalid_key_file": {
        "fr": "Le fichier de clé est invalide.",
        "en": "The key file is invalid.",
    },
    "invalid_kid": {
        "fr": "L'identifiant de clé (kid) est invalide.",
        "en": "The key identifier (kid) is invalid.",
    },
    "invalid_multikey": {
        "fr": "La clé publique (Multikey) est invalide.",
        "en": "The public key (Multikey) is invalid.",
    },
    "invalid_proof": {
        "fr": "La preuve est invalide.",
        "en": "The proof is invalid.",
    },
    "invalid_sealed_key": {
        "fr": "La clé chiffrée est invalide.",
        "en": "The sealed key is invalid.",
    },
    "invalid_url": {
        "fr": "L'adresse (URL) est invalide.",
        "en": "The URL is invalid.",
    },
    "invalid_verification_method": {
        "fr": "La méthode de vérification est invalide.",
        "en": "The verification method is invalid.",
    },
    "jwt_alg_key_mismatch": {
        "fr": "L'algorithme du JWT ne correspond pas au type de clé.",
        "en": "The JWT algorithm does not match the key type.",
    },
    "jwt_ambiguous_payload": {
        "fr": "Le JWT contient deux attestations (ambiguïté).",
        "en": "The JWT carries two credentials (ambiguous).",
    },
    "jwt_key_mismatch": {
        "fr": "La clé jointe au JWT n'est pas celle qu'il désigne.",
        "en": "The key attached to the JWT is not the one it names.",
    },
    "jwt_missing_issuer": {
        "fr": "Le JWT n'indique pas d'émetteur.",
        "en": "The JWT names no issuer.",
    },
    "jwt_no_credential": {
        "fr": "Le JWT ne contient aucune attestation.",
        "en": "The JWT carries no credential.",
    },
    "jwt_reserved_claim": {
        "fr": "L'attestation utilise un nom réservé aux JWT.",
        "en": "The credential uses a name reserved by JWT.",
    },
    "jwt_typ_not_allowed": {
        "fr": "Le type (typ) du JWT n'est pas autorisé.",
        "en": "The JWT type (typ) is not allowed.",
    },
    "key_decryption_failed": {
        "fr": "La clé chiffrée n'a pas pu être déchiffrée.",
        "en": "The sealed key could not be decrypted.",
    },
    "malformed_base64url": {
        "fr": "Une valeur n'est pas en base64url valide.",
        "en": "A value is not valid base64url.",
    },
    "malformed_credential": {
        "fr": "L'attestation est mal formée.",
        "en": "The credential is malformed.",
    },
    "malformed_input": {
        "fr": "Le document est mal formé.",
        "en": "The document is malformed.",
    },
    "malformed_multibase": {
        "fr": "Une valeur multibase est invalide.",
        "en": "A multibase value is invalid.",
    },
    "malformed_profile": {
        "fr": "Le profil de l'émetteur est mal formé.",
        "en": "The issuer profile is malformed.",
    },
    "malformed_status": {
        "fr": "Le statut déclaré par le badge est mal formé.",
        "en": "The status the badge declares is malformed.",
    },
    "missing_context": {
        "fr": "Le document n'a pas de @context.",
        "en": "The document has no @context.",
    },
    "missing_credential_id": {
        "fr": "L'attestation n'a pas d'identifiant.",
        "en": "The credential has no identifier.",
    },
    "missing_issuer_id": {
        "fr": "L'émetteur n'a pas d'identifiant.",
        "en": "The issuer has no identifier.",
    },
    "missing_key_reference": {
        "fr": "Aucune clé n'est désignée (ni kid ni jwk).",
        "en": "No key is named (neither kid nor jwk).",
    },
    "not_single_subject": {
        "fr": "Le badge doit avoir un seul titulaire.",
        "en": "The badge must have exactly one subject.",
    },
    "png_crc_mismatch": {
        "fr": "L'image PNG est corrompue (somme de contrôle).",
        "en": "The PNG image is corrupt (checksum).",
    },
    "png_malformed": {
        "fr": "L'image PNG est mal formée.",
        "en": "The PNG image is malformed.",
    },
    "png_too_many_chunks": {
        "fr": "L'image PNG contient trop de blocs.",
        "en": "The PNG image has too many chunks.",
    },
    "safe_mode_violation": {
        "fr": "Le badge contient des données non définies par ses contextes.",
        "en": "The badge contains data its contexts do not define.",
    },
    "schema_unavailable": {
        "fr": "Le schéma de référence n'est pas disponible.",
        "en": "The reference schema is not available.",
    },
    "status_entry_malformed": {
        "fr": "L'entrée de statut du badge est mal formée.",
        "en": "The badge's status entry is malformed.",
    },
    "status_index_invalid": {
        "fr": "L'index de statut est invalide.",
        "en": "The status index is invalid.",
    },
    "status_index_out_of_range": {
        "fr": "L'index de statut dépasse la taille de la liste.",
        "en": "The status index is beyond the list.",
    },
    "status_list_full": {
        "fr": "La liste de statuts est pleine.",
        "en": "The status list is full.",
    },
    "status_list_malformed": {
        "fr": "La liste de statuts est mal formée.",
        "en": "The status list is malformed.",
    },
    "status_list_too_large": {
        "fr": "La liste de statuts est trop volumineuse une fois décompressée.",
        "en": "The status list is too large once decompressed.",
    },
    "status_list_too_small": {
        "fr": "La liste de statuts est trop courte.",
        "en": "The status list is too short.",
    },
    "status_list_type_mismatch": {
        "fr": "La liste de statuts n'est pas du type attendu.",
        "en": "The status list is not of the expected type.",
    },
    "status_purpose_mismatch": {
        "fr": "La liste de statuts n'a pas la finalité attendue.",
        "en": "The status list does not have the expected purpose.",
    },
    "status_size_invalid": {
        "fr": "La taille des entrées de statut est invalide.",
        "en": "The status entry size is invalid.",
    },
    "status_size_mismatch": {
        "fr": "La taille des entrées ne correspond pas à la liste.",
        "en": "The entry size does not match the list.",
    },
    "status_type_unsupported": {
        "fr": "Ce type de statut n'est pas pris en charge.",
        "en": "This status type is not supported.",
    },
    "status_value_out_of_range": {
        "fr": "La valeur de statut est hors limites.",
        "en": "The status value is out of range.",
    },
    "svg_encoding_unsupported": {
        "fr": "L'encodage de l'image SVG n'est pas pris en charge.",
        "en": "The SVG encoding is not supported.",
    },
    "svg_forbidden_xml": {
        "fr": "L'image SVG contient des constructions XML interdites.",
        "en": "The SVG image contains forbidden XML constructs.",
    },
    "svg_malformed": {
        "fr": "L'image SVG est mal formée.",
        "en": "The SVG image is malformed.",
    },
    "svg_namespace_conflict": {
        "fr": "L'image SVG déclare un espace de noms en conflit.",
        "en": "The SVG image declares a conflicting namespace.",
    },
    "too_many_blank_nodes": {
        "fr": "Le badge contient trop de nœuds anonymes.",
        "en": "The badge contains too many blank nodes.",
    },
    "unknown_vc_context": {
        "fr": "Le premier contexte n'est pas celui des attestations vérifiables.",
        "en": "The first context is not the Verifiable Credentials context.",
    },
    "unresolvable": {
        "fr": "Une référence n'a pas pu être résolue.",
        "en": "A reference could not be resolved.",
    },
    "unsupported_key": {
        "fr": "Ce type de clé n'est pas pris en charge.",
        "en": "This key type is not supported.",
    },
    "unsupported_verification_method": {
        "fr": "Ce type de méthode de vérification n'est pas pris en charge.",
        "en": "This verification method type is not supported.",
    },
    "verification_method_not_found": {
        "fr": "La clé désignée est absente du document de l'émetteur.",
        "en": "The named key is not in the issuer's document.",
    },
    "weak_key": {
        "fr": "La clé est trop faible.",
        "en": "The key is too weak.",
    },
    "wrong_kek": {
        "fr": "La clé a été chiffrée avec une autre clé de chiffrement.",
        "en": "The key was sealed with another key-encryption key.",
    },
    "wrong_purpose": {
        "fr": "Ce contenu chiffré était destiné à un autre usage.",
        "en": "This sealed content was sealed for another purpose.",
    },
    "wrong_key_type": {
        "fr": "Le type de clé ne convient pas à cette preuve.",
        "en": "The key type does not suit this proof.",
    },
    "proof_context_mismatch": {
        "fr": "Le contexte de la preuve ne correspond pas à celui du badge.",
        "en": "The proof's context does not match the badge's.",
    },
    "status_list_issuer_differs": {
        "fr": "La liste de statuts est publiée par une autre clé que l'émetteur.",
        "en": "The status list is published by another key than the issuer.",
    },
    "status_list_id_differs": {
        "fr": "La liste de statuts porte un autre identifiant que son adresse.",
        "en": "The status list's id differs from its address.",
    },
    "status_list_below_minimum_length": {
        "fr": "La liste de statuts est plus courte que le minimum recommandé.",
        "en": "The status list is shorter than the recommended minimum.",
    },
    "legacy_cryptosuite_name": {
        "fr": "La preuve utilise l'ancien nom de suite eddsa-2022.",
        "en": "The proof uses the legacy suite name eddsa-2022.",
    },
    # Open Badges 2.0 (verify.ob2) and presentations (verify.presentation)
    "ob2_documents_unavailable": {
        "fr": "Un badge Open Badges 2.0 se vérifie en ligne, ce qui n'est pas possible ici.",
        "en": "An Open Badges 2.0 badge is verified online, which is not possible here.",
    },
    "ob2_document_unavailable": {
        "fr": "Un document lié au badge (classe, émetteur, clé) n'a pas pu être obtenu.",
        "en": "A document the badge links to (class, issuer, key) could not be obtained.",
    },
    "ob2_hosted_verified": {
        "fr": "Le badge est bien publié par son émetteur, à l'identique.",
        "en": "The badge is published by its issuer, unchanged.",
    },
    "ob2_hosted_mismatch": {
        "fr": "Le badge fourni diffère de celui que publie son émetteur.",
        "en": "The badge given differs from the one its issuer publishes.",
    },
    "ob2_hosted_not_found": {
        "fr": "L'émetteur ne publie pas ce badge à son adresse.",
        "en": "The issuer does not publish this badge at its address.",
    },
    "ob2_hosted_gone": {
        "fr": "L'émetteur a retiré ce badge (410 Gone).",
        "en": "The issuer has withdrawn this badge (410 Gone).",
    },
    "ob2_hosted_unreachable": {
        "fr": "Le badge publié par l'émetteur n'a pas pu être obtenu.",
        "en": "The badge its issuer publishes could not be obtained.",
    },
    "ob2_hosted_id_not_url": {
        "fr": "Un badge hébergé doit avoir pour identifiant son adresse web.",
        "en": "A hosted badge's id must be its web address.",
    },
    "ob2_issuer_verified": {
        "fr": "Le badge est publié dans le périmètre déclaré par l'émetteur.",
        "en": "The badge is published within the scope the issuer declares.",
    },
    "ob2_origin_mismatch": {
        "fr": "Le badge est publié hors du domaine autorisé par l'émetteur.",
        "en": "The badge is published outside the domain its issuer allows.",
    },
    "ob2_badge_missing": {
        "fr": "Le badge ne désigne aucune classe de badge.",
        "en": "The badge names no badge class.",
    },
    "ob2_badge_mismatch": {
        "fr": "La classe de badge obtenue porte un autre identifiant.",
        "en": "The badge class obtained has another id.",
    },
    "ob2_issuer_missing": {
        "fr": "La classe de badge ne désigne aucun émetteur.",
        "en": "The badge class names no issuer.",
    },
    "ob2_issuer_mismatch": {
        "fr": "Le profil d'émetteur obtenu porte un autre identifiant.",
        "en": "The issuer profile obtained has another id.",
    },
    "ob2_key_mismatch": {
        "fr": "Le document de clé obtenu porte un autre identifiant.",
        "en": "The key document obtained has another id.",
    },
    "ob2_key_not_listed": {
        "fr": "La clé de signature n'est pas déclarée par l'émetteur.",
        "en": "The signing key is not declared by the issuer.",
    },
    "ob2_key_owner_mismatch": {
        "fr": "La clé de signature appartient à un autre propriétaire que l'émetteur.",
        "en": "The signing key belongs to another owner than the issuer.",
    },
    "ob2_no_key": {
        "fr": "L'émetteur ne publie aucune clé de signature.",
        "en": "The issuer publishes no signing key.",
    },
    "ob2_signature_missing": {
        "fr": "Ce badge signé est fourni sans sa signature (JWS).",
        "en": "This signed badge is given without its signature (JWS).",
    },
    "ob2_missing_context": {
        "fr": "Un badge Open Badges 2.0 doit déclarer le contexte Open Badges 2.0.",
        "en": "An Open Badges 2.0 badge must declare the Open Badges 2.0 context.",
    },
    "ob2_unknown_context": {
        "fr": "Le badge déclare des contextes d'extension inconnus (non consultés).",
        "en": "The badge declares unknown extension contexts (not fetched).",
    },
    "ob2_not_applicable": {
        "fr": "Ce contrôle ne s'applique pas aux badges Open Badges 2.0.",
        "en": "This check does not apply to Open Badges 2.0 badges.",
    },
    "ob2_unknown_verification": {
        "fr": "Le badge n'indique pas comment le vérifier (hébergé ou signé).",
        "en": "The badge does not say how to verify it (hosted or signed).",
    },
    "presentation_unsigned": {
        "fr": "La présentation n'est pas signée : seuls les badges qu'elle contient sont vérifiés.",
        "en": "The presentation is not signed: only the badges it carries are verified.",
    },
    "presentation_nested": {
        "fr": "Une présentation ne peut pas contenir une autre présentation.",
        "en": "A presentation cannot carry another presentation.",
    },
    "presentation_empty": {
        "fr": "La présentation ne contient aucun badge.",
        "en": "The presentation carries no badge.",
    },
    "presentation_too_large": {
        "fr": "La présentation contient trop de badges.",
        "en": "The presentation carries too many badges.",
    },
    "credentials_valid": {
        "fr": "Tous les badges de la présentation sont valides.",
        "en": "Every badge in the presentation is valid.",
    },
    "credential_invalid": {
        "fr": "Au moins un badge de la présentation n'est pas valide.",
        "en": "At least one badge in the presentation is not valid.",
    },
    "credential_unchecked": {
        "fr": "Au moins un badge de la présentation n'a pas pu être vérifié.",
        "en": "At least one badge in the presentation could not be verified.",
    },
    "holder_bound": {
        "fr": "La présentation est signée par son détenteur.",
        "en": "The presentation is signed by its holder.",
    },
    "holder_key_mismatch": {
        "fr": "La présentation est signée par une clé qui n'est pas celle du détenteur.",
        "en": "The presentation is signed by a key that is not the holder's.",
    },
    "no_holder": {
        "fr": "La présentation ne nomme pas son détenteur.",
        "en": "The presentation does not name its holder.",
    },
    "no_validity_period": {
        "fr": "Aucune période de validité.",
        "en": "No validity period.",
    },
    "inline_context_too_large": {
        "fr": "Les contextes JSON-LD écrits dans le badge sont trop volumineux.",
        "en": "The JSON-LD contexts written inside the badge are too large.",
    },
}


def message(code: str, lang: Lang, fallback: str | None = None) -> str:
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry[lang]
    return fallback or code
