"""Recipient identity: salted identity hashes (OB 3.0 IdentityObject, OB 2.0 recipient).

OB 3.0 ``identityHash`` (and OB 2.0 ``identity``) =
``"sha256$" + hex(SHA-256(UTF-8(value + salt)))``; ``md5$`` is allowed by the
specifications and accepted when *reading*, never produced by default. An
unhashed identity object carries the plaintext in ``identityHash``.

Email normalisation. The specifications do not define one, but issuers and
verifiers must hash the *same* string. :func:`normalize_email` strips surrounding
whitespace and lowercases the whole address (local part included: RFC 5321 lets
the local part be case-sensitive, but no real mailbox provider treats it so, and a
recipient typing ``Alice@Example.org`` must still match). Issuance hashes the
normalised address; matching tries the value as given *and* its normalised form,
so credentials hashed by other issuers from a non-normalised address still match.
Lowercasing uses :meth:`str.lower` (not ``casefold``, which would turn ``ß`` into
``ss`` and change the address).

Hash comparison is constant-time (:func:`hmac.compare_digest`) and ignores the
case of the hexadecimal digest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

from obcore.errors import MalformedInputError

__all__ = [
    "IDENTITY_TYPES",
    "HashAlgorithm",
    "identity_hash",
    "is_valid_identity_type",
    "make_identity_object",
    "matches",
    "new_salt",
    "normalize_email",
    "ob2_recipient_matches",
]

HashAlgorithm: TypeAlias = Literal["sha256", "md5"]

IDENTITY_TYPES: Final = frozenset(
    {
        "name",
        "sourcedId",
        "systemId",
        "productId",
        "userName",
        "accountId",
        "emailAddress",
        "nationalIdentityNumber",
        "isbn",
        "issn",
        "lisSourcedId",
        "oneRosterSourcedId",
        "sisSourcedId",
        "ltiContextId",
        "ltiDeploymentId",
        "ltiToolId",
        "ltiPlatformId",
        "ltiUserId",
        "identifier",
    }
)
"""OB 3.0 ``IdentifierTypeEnum`` (as in the bundled 1EdTech schema); ``ext:…`` is also allowed."""

_EMAIL_TYPES: Final = frozenset({"emailAddress", "email"})
"""Identity types whose value is an email address ("email" is the OB 2.0 name, also seen in
OB 3.0 credentials that mistakenly use it)."""

_SALT_BYTES: Final = 16


def identity_hash(value: str, salt: str | None, algorithm: HashAlgorithm = "sha256") -> str:
    """``algorithm$hex(digest(UTF-8(value + salt)))``; ``salt=None`` hashes ``value`` alone.

    >>> identity_hash("a@example.com", "Kosher")[:15]
    'sha256$b5809d8a'
    """
    data = (value + (salt or "")).encode("utf-8")
    if algorithm == "sha256":
        digest = hashlib.sha256(data).hexdigest()
    elif algorithm == "md5":
        digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    else:
        raise ValueError(f"unsupported identity hash algorithm {algorithm!r}")
    return f"{algorithm}${digest}"


def normalize_email(email: str) -> str:
    """Strip surrounding whitespace and lowercase the whole address (see the module docstring).

    Raises :class:`MalformedInputError` (``invalid_email``) unless the result has a
    non-empty local part and domain around a single ``@`` and no whitespace.
    """
    normalized = email.strip().lower()
    local, at, domain = normalized.rpartition("@")
    if not at or not local or not domain or "@" in local or any(c.isspace() for c in normalized):
        raise MalformedInputError(f"not an email address: {email[:80]!r}", code="invalid_email")
    return normalized


def new_salt() -> str:
    """A fresh random salt: 16 bytes from :mod:`secrets`, hex-encoded (32 characters)."""
    return secrets.token_hex(_SALT_BYTES)


def is_valid_identity_type(identity_type: str) -> bool:
    """Whether ``identity_type`` is in the OB 3.0 enum or an ``ext:`` extension value."""
    return identity_type in IDENTITY_TYPES or (
        identity_type.startswith("ext:") and len(identity_type) > 4
    )


def make_identity_object(
    value: str,
    identity_type: str = "emailAddress",
    *,
    salt: str | None = None,
    hashed: bool = True,
) -> dict[str, Any]:
    """Build an OB 3.0 ``IdentityObject`` dict for issuing.

    Email addresses are normalised first (:func:`normalize_email`). When
    ``hashed`` (the default) the value is hashed with SHA-256 and ``salt`` (a
    fresh :func:`new_salt` if not given); otherwise ``identityHash`` holds the
    plaintext and no salt is written. Raises :class:`MalformedInputError`
    (``invalid_identity_type``, ``invalid_email``) on bad input and
    :class:`ValueError` when a salt is given for an unhashed identity.
    """
    if not is_valid_identity_type(identity_type):
        raise MalformedInputError(
            f"unknown identityType {identity_type!r}: use an OB 3.0 value "
            "(emailAddress, sourcedId, …) or an 'ext:' extension",
            code="invalid_identity_type",
        )
    if identity_type == "emailAddress":
        value = normalize_email(value)
    if not hashed:
        if salt is not None:
            raise ValueError("a salt is meaningless for an unhashed identity")
        return {
            "type": "IdentityObject",
            "hashed": False,
            "identityHash": value,
            "identityType": identity_type,
        }
    salt = new_salt() if salt is None else salt
    return {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": identity_hash(value, salt),
        "identityType": identity_type,
        "salt": salt,
    }


def _candidates(value: str, is_email: bool) -> list[str]:
    """The value as given, plus its normalised form for email identities."""
    candidates = [value]
    if is_email:
        try:
            normalized = normalize_email(value)
        except MalformedInputError:
            return candidates
        if normalized != value:
            candidates.append(normalized)
    return candidates


def _split_hash(stored: str) -> tuple[HashAlgorithm, bytes] | None:
    algorithm, sep, digest = stored.partition("$")
    algorithm = algorithm.lower()
    if not sep or not digest:
        return None
    if algorithm == "sha256":
        return "sha256", digest.lower().encode("utf-8")
    if algorithm == "md5":
        return "md5", digest.lower().encode("utf-8")
    return None


def _identity_matches(
    *, hashed: object, stored: object, salt: object, value: str, is_email: bool
) -> bool:
    if not isinstance(stored, str) or not isinstance(hashed, bool):
        return False
    if salt is not None and not isinstance(salt, str):
        return False
    candidates = _candidates(value, is_email)
    if not hashed:
        if is_email:
            stored_forms = set(_candidates(stored, is_email=True))
            return any(candidate in stored_forms for candidate in candidates)
        return value == stored
    split = _split_hash(stored.strip())
    if split is None:
        return False
    algorithm, expected = split
    found = False
    for candidate in candidates:
        computed = identity_hash(candidate, salt, algorithm).partition("$")[2].encode("ascii")
        # Evaluate every candidate (no short-circuit) so timing does not depend on which matched.
        found = hmac.compare_digest(expected, computed) | found
    return found


def matches(
    identity_object: Mapping[str, Any], value: str, identity_type: str | None = None
) -> bool:
    """OB 3.0 verification step "recipient": does ``identity_object`` identify ``value``?

    If ``identity_type`` is given, the object's ``identityType`` must equal it.
    ``hashed`` true: ``value`` is hashed with the object's ``salt`` using the
    algorithm named in ``identityHash`` (``sha256$`` or ``md5$``) and compared in
    constant time, case-insensitively on the hex digest. ``hashed`` false: the
    plaintext is compared. For email identities (``emailAddress``, or the
    non-conformant ``email``) the normalised address is tried too. A malformed
    object never matches (no exception).
    """
    object_type = identity_object.get("identityType")
    if identity_type is not None and object_type != identity_type:
        return False
    return _identity_matches(
        hashed=identity_object.get("hashed"),
        stored=identity_object.get("identityHash"),
        salt=identity_object.get("salt"),
        value=value,
        is_email=object_type in _EMAIL_TYPES,
    )


def ob2_recipient_matches(recipient: Mapping[str, Any], value: str) -> bool:
    """OB 2.0: does the Assertion ``recipient`` (``type``/``hashed``/``salt``/``identity``) match?

    Same rules as :func:`matches`; ``type`` ``email`` enables email normalisation.
    """
    return _identity_matches(
        hashed=recipient.get("hashed"),
        stored=recipient.get("identity"),
        salt=recipient.get("salt"),
        value=value,
        is_email=recipient.get("type") in _EMAIL_TYPES,
    )
