"""W3C VC Data Model 2.0 rules a credential must meet whatever its proof.

Each rule is a normative statement of VCDM 2.0 (section cited on the rule). They apply to
what obhub signs (``/credentials/issue`` refuses a violation: 400) and to what it
verifies (``/credentials/verify`` reports the violation and does not verify): a proof
can only vouch for a credential that is one.

:func:`violations` returns every violation as a :class:`Violation` (stable ``code``,
English ``detail`` naming the property); messages for people come from the caller's
catalogue, by code.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from obcore import multibase
from obcore.errors import ObcoreError
from obcore.model import datetime_has_timezone, parse_datetime

# RFC 3986 §3: an absolute URI is a scheme, ":", then no whitespace.
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*")
_SRI: Final = re.compile(r"(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})")
_SRI_LENGTHS: Final = {"sha256": 32, "sha384": 48, "sha512": 64}
LANGUAGE_VALUE_KEYS: Final = frozenset({"@value", "@language", "@direction"})
TYPED_PROPERTIES: Final = (
    "credentialStatus",
    "termsOfUse",
    "evidence",
    "refreshService",
    "credentialSchema",
)
MAX_ITEMS: Final = 100

# Digests of resources as their publishers fix them, so that a relatedResource naming one
# can be checked without the network. VCDM 2.0 §B.1 (Base Context) gives the SHA2-256
# digest of the file at https://www.w3.org/ns/credentials/v2 ("the hexadecimal encoded
# SHA2-256 digest value of the base context file"); the SHA2-384 one is that file's SRI
# value. obhub's bundled copy is the same context, not the same bytes.
PUBLISHED_DIGESTS: Final[dict[str, dict[str, bytes]]] = {
    "https://www.w3.org/ns/credentials/v2": {
        "sha256": bytes.fromhex("24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9"),
        "sha384": base64.b64decode(
            "NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
        ),
    },
}


@dataclass(frozen=True)
class Violation:
    code: str
    detail: str


def is_url(value: Any) -> bool:
    """A URL as VCDM 2.0 §4.4 means it: an absolute URI (RFC 3986)."""
    return isinstance(value, str) and len(value) <= 4096 and _URL.fullmatch(value) is not None


def _items(value: Any) -> list[Any]:
    return (value if isinstance(value, list) else [value])[:MAX_ITEMS]


def _check_context(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.3: ``@context`` is an ordered set of URLs and objects, the VC context first."""
    context = document.get("@context")
    if not isinstance(context, list) or not context:
        yield Violation("invalid_context", "@context must be a non-empty array")
        return
    for item in context[:MAX_ITEMS]:
        if not (isinstance(item, Mapping) or is_url(item)):
            yield Violation("invalid_context", "each @context item must be a URL or an object")
            return


def _check_identifier(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.4: the credential's ``id``, when present, is a single URL."""
    if "id" in document and not is_url(document["id"]):
        yield Violation("invalid_identifier", "id must be a single URL")


def _check_subject(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.8: a credential MUST contain a ``credentialSubject``: one or more objects."""
    subject = document.get("credentialSubject")
    items = subject if isinstance(subject, list) else [subject]
    if not items or not all(isinstance(item, Mapping) for item in items[:MAX_ITEMS]):
        yield Violation(
            "invalid_credential_subject", "credentialSubject must be one or more objects"
        )


def _type_is_valid(value: Any) -> bool:
    """§4.5: a type is a term or URL (a string), or a non-empty array of them."""
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, str) and item for item in value)
    )


def _check_type(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.5: ``type`` includes ``VerifiableCredential``."""
    value = document.get("type")
    if not _type_is_valid(value) or "VerifiableCredential" not in _items(value):
        yield Violation("invalid_type", "type must be an array including VerifiableCredential")


def _check_typed_objects(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.5: ``credentialStatus``, ``termsOfUse``, ``evidence``, ``refreshService`` and
    ``credentialSchema`` objects MUST specify a ``type``; §4.4: an ``id``, when present, is
    one URL; §4.11: each ``credentialSchema`` has an ``id`` (a URL)."""
    for name in TYPED_PROPERTIES:
        if name not in document:
            continue
        for item in _items(document[name]):
            if not isinstance(item, Mapping):
                yield Violation("invalid_property", f"{name} must be an object or an array of them")
                break
            if not _type_is_valid(item.get("type")):
                yield Violation("missing_type", f"each {name} object must have a type")
                break
            if ("id" in item or name == "credentialSchema") and not is_url(item.get("id")):
                yield Violation("invalid_identifier", f"{name}.id must be a single URL")
                break


def _is_language_value(value: Any) -> bool:
    """§11.1: a language value object is ``@value`` with ``@language``/``@direction``."""
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("@value"), str)
        and set(value) <= LANGUAGE_VALUE_KEYS
        and all(isinstance(value[k], str) for k in value)
    )


def _check_text(owner: str, node: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.6: ``name`` and ``description`` are strings or language value objects."""
    for name in ("name", "description"):
        if name not in node:
            continue
        value = node[name]
        if isinstance(value, str):
            continue
        if not all(_is_language_value(item) for item in _items(value)) or value == []:
            yield Violation(
                "invalid_text", f"{owner}{name} must be a string or language value objects"
            )


def _check_issuer(document: Mapping[str, Any], *, in_jwt: bool) -> Iterable[Violation]:
    """§4.7: ``issuer`` is a URL, or an object whose ``id`` is a URL. In a VC-JWT the
    ``iss`` claim may carry it instead (VC-JOSE-COSE; VC-JWT 1.1 ``vc`` claim)."""
    issuer = document.get("issuer")
    if issuer is None and in_jwt:
        return
    if isinstance(issuer, Mapping):
        if not is_url(issuer.get("id")):
            yield Violation("invalid_issuer", "issuer.id must be a URL")
        yield from _check_text("issuer.", issuer)
    elif not is_url(issuer):
        yield Violation("invalid_issuer", "issuer must be a URL or an object with an id")


def _datetime(document: Mapping[str, Any], name: str) -> tuple[datetime | None, bool]:
    """A dateTimeStamp (XML Schema: a date-time *with* its time zone); a date-time without
    one is not read as UTC, it is refused."""
    value = document.get(name)
    if value is None:
        return None, True
    if not isinstance(value, str):
        return None, False
    try:
        if not datetime_has_timezone(value):
            return None, False
        return parse_datetime(value), True
    except ValueError:
        return None, False


def _check_validity(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§4.9: ``validFrom``/``validUntil`` are dateTimeStamps, and ``validFrom`` is the
    same as or earlier than ``validUntil``."""
    start, start_ok = _datetime(document, "validFrom")
    end, end_ok = _datetime(document, "validUntil")
    if not start_ok:
        yield Violation("invalid_datetime", "validFrom must be a date-time with a time zone")
    if not end_ok:
        yield Violation("invalid_datetime", "validUntil must be a date-time with a time zone")
    if start is not None and end is not None and end < start:
        yield Violation("validity_period_reversed", "validUntil is earlier than validFrom")


def _sri_digest(value: Any) -> tuple[str, bytes] | None:
    if not isinstance(value, str):
        return None
    match = _SRI.fullmatch(value)
    if match is None:
        return None
    try:
        digest = base64.b64decode(match.group(2), validate=True)
    except binascii.Error:
        return None
    algorithm = match.group(1)
    return (algorithm, digest) if len(digest) == _SRI_LENGTHS[algorithm] else None


def _multibase_digest(value: Any) -> bytes | None:
    """A multibase digest: ``u`` (base64url, as VCDM 2.0 §5.3 shows) or ``z`` (base58btc)."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    try:
        if value.startswith("u"):
            return multibase.decode_u(value)
        if value.startswith("z"):
            return multibase.decode_z(value)
    except ObcoreError:
        return None
    return None


def _check_related_resource(document: Mapping[str, Any]) -> Iterable[Violation]:
    """§5.3 Integrity of Related Resources: one or more objects, each with an ``id`` (a
    URL, unique among them) and a ``digestSRI`` or ``digestMultibase``; a digest that does
    not match the resource is an error (checked here for the resources whose published
    digest obhub holds, :data:`PUBLISHED_DIGESTS`: it fetches nothing)."""
    if "relatedResource" not in document:
        return
    seen: set[str] = set()
    for item in _items(document["relatedResource"]):
        if not isinstance(item, Mapping):
            yield Violation("invalid_related_resource", "relatedResource items must be objects")
            return
        resource = item.get("id")
        if not isinstance(resource, str) or not is_url(resource):
            yield Violation("invalid_related_resource", "each relatedResource needs an id (URL)")
            return
        if resource in seen:
            yield Violation("invalid_related_resource", f"relatedResource {resource} is repeated")
            return
        seen.add(resource)
        if "digestSRI" not in item and "digestMultibase" not in item:
            yield Violation(
                "invalid_related_resource",
                "each relatedResource needs a digestSRI or a digestMultibase",
            )
            return
        known = PUBLISHED_DIGESTS.get(resource, {})
        if "digestSRI" in item:
            sri = _sri_digest(item["digestSRI"])
            if sri is None:
                yield Violation("invalid_related_resource", "digestSRI is not an SRI digest")
                return
            if sri[0] in known and known[sri[0]] != sri[1]:
                yield Violation("related_resource_digest_mismatch", f"digestSRI of {resource}")
                return
        if "digestMultibase" in item:
            digest = _multibase_digest(item["digestMultibase"])
            if digest is None:
                yield Violation("invalid_related_resource", "digestMultibase is not multibase")
                return
            if "sha256" in known and len(digest) == 32 and known["sha256"] != digest:
                yield Violation(
                    "related_resource_digest_mismatch", f"digestMultibase of {resource}"
                )
                return


def violations(document: Mapping[str, Any], *, in_jwt: bool = False) -> list[Violation]:
    """Every VCDM 2.0 rule ``document`` breaks (empty: none). ``in_jwt``: the credential
    a VC-JWT carries, whose issuer may be the ``iss`` claim instead."""
    found: list[Violation] = []
    for rule in (
        _check_context,
        _check_identifier,
        _check_type,
        _check_subject,
        _check_typed_objects,
        _check_validity,
        _check_related_resource,
    ):
        found.extend(rule(document))
    found.extend(_check_issuer(document, in_jwt=in_jwt))
    found.extend(_check_text("", document))
    return found
