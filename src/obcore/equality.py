"""Open Badges 3.0 credential equality and comparison (``equality-and-comparison.md``).

Two credentials are *the same credential* when their ``issuer.id`` and ``id`` are
equal "after unescaping of any percent encoded characters [RFC 3986] and
truncation of leading and trailing whitespace". Of two equal credentials the one
with the newer ``validFrom`` (``issuanceDate`` in VCDM 1.1) is the up-to-date
representation; this is how an upsert replaces a credential.

Normalisation details (the specification leaves them open):

* Percent-decoding is UTF-8 (:func:`urllib.parse.unquote_to_bytes`). If the
  decoded bytes are not valid UTF-8 the identifier is kept undecoded, so two
  different malformed identifiers never collapse into one.
* Whitespace is trimmed after decoding (so ``%20`` at the ends is trimmed too),
  using :meth:`str.strip`. Nothing else is normalised: no case folding of
  scheme or host, no path normalisation.
* Dates compare as instants (``…T01:00:00+01:00`` equals ``…T00:00:00Z``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeAlias
from urllib.parse import unquote_to_bytes

from obcore.errors import MalformedInputError
from obcore.model import Credential, parse_datetime

__all__ = ["CredentialLike", "credential_key", "newer", "normalize_identifier", "same_credential"]

CredentialLike: TypeAlias = Mapping[str, Any] | Credential
"""A credential as a JSON object or as a parsed model."""


def normalize_identifier(value: str) -> str:
    """Percent-decode (UTF-8) then trim leading and trailing whitespace."""
    try:
        decoded = unquote_to_bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        decoded = value
    return decoded.strip()


def _raw_ids(doc: CredentialLike) -> tuple[object, object]:
    if isinstance(doc, Credential):
        return doc.issuer_id, doc.id
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return issuer_id, doc.get("id")


def credential_key(doc: CredentialLike) -> tuple[str, str]:
    """``(normalised issuer id, normalised credential id)``: equal keys = same credential.

    Raises :class:`MalformedInputError` with code ``missing_issuer_id`` or
    ``missing_credential_id`` when either is absent, not a string, or empty once
    normalised.
    """
    raw_issuer_id, raw_credential_id = _raw_ids(doc)
    issuer_id = normalize_identifier(raw_issuer_id) if isinstance(raw_issuer_id, str) else ""
    if not issuer_id:
        raise MalformedInputError(
            "credential equality needs an issuer id (issuer or issuer.id)",
            code="missing_issuer_id",
        )
    credential_id = (
        normalize_identifier(raw_credential_id) if isinstance(raw_credential_id, str) else ""
    )
    if not credential_id:
        raise MalformedInputError(
            "credential equality needs the credential id", code="missing_credential_id"
        )
    return issuer_id, credential_id


def same_credential(a: CredentialLike, b: CredentialLike) -> bool:
    """Whether ``a`` and ``b`` are the same credential (same issuer id and id, normalised)."""
    return credential_key(a) == credential_key(b)


def _valid_from(doc: CredentialLike) -> datetime:
    if isinstance(doc, Credential):
        value = doc.validFrom if doc.validFrom is not None else doc.issuanceDate
    else:
        value = doc.get("validFrom", doc.get("issuanceDate"))
    if not isinstance(value, str):
        raise MalformedInputError(
            "comparing credentials needs validFrom (or issuanceDate for VCDM 1.1)",
            code="missing_valid_from",
        )
    try:
        return parse_datetime(value)
    except ValueError as error:
        raise MalformedInputError(str(error), code="malformed_credential") from None


def newer(a: CredentialLike, b: CredentialLike) -> bool:
    """Whether ``a`` is strictly more up to date than ``b`` (later ``validFrom``).

    Meaningful for two representations of the same credential
    (:func:`same_credential`); equal dates are not "newer", so an upsert with the
    same ``validFrom`` keeps the stored copy. Uses ``issuanceDate`` when a VCDM 1.1
    credential has no ``validFrom``. Raises :class:`MalformedInputError`
    (``missing_valid_from``, ``malformed_credential``) if a date is absent or
    unparsable.
    """
    return _valid_from(a) > _valid_from(b)
