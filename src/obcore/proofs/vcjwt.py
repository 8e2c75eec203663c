"""VC-JWT: the Open Badges 3.0 "JSON Web Token Proof Format" (OB 3.0 §8.2).

A VC-JWT is a compact JWS (RFC 7515) whose payload carries the credential:

* **payload style** (VCDM 2.0, what OB 3.0 describes): the payload *is* the
  credential JSON plus the registered claims ``iss`` (issuer id), ``jti``
  (credential id), ``sub`` (credentialSubject id), ``nbf`` (validFrom),
  ``iat`` (= ``nbf``) and ``exp`` (validUntil, when set);
* **vc-claim style** (VCDM 1.1 JWT encoding): the payload is
  ``{iss, jti, sub, nbf, exp?, vc: credential}``.

:func:`sign_vc_jwt` builds one, :func:`verify_vc_jwt` checks one and returns a
:class:`JwtResult`. Key *binding* (is the key's controller the issuer?) is not
checked here: the verification pipeline does it with ``JwtResult.resolved``.

Signature check
    Done directly on the JWS signing input once this module has taken the
    algorithm from its allow-list and matched it to the key type: EdDSA with
    libsodium (PyNaCl, ~110 µs against ~175 µs for OpenSSL on a 4 KB signing
    input, and stricter: it refuses small-order keys; see
    :func:`_signature_verifies`), ES256 and RS256 with
    :meth:`obcore.keys.PublicKey.verify` (``cryptography``). The figures below
    were measured before the switch to libsodium. jwcrypto (the project's JOSE
    library: JWK import/export, thumbprints and JWK Sets in :mod:`obcore.keys`)
    is the reference this path is tested against, on every vector, on tokens
    each side signs for the other and on tampered tokens
    (``tests/core/test_vcjwt_jwcrypto.py``); it is not on the hot path because
    ``bench/vcjwt.py`` shows it slower there. Median CPU time per operation on
    one shared core (3.6 KB OB 3.0 credential): EdDSA verify 0.31 ms here
    (including did:key resolution and the claim checks) against 0.36 ms for
    jwcrypto's ``JWS.deserialize``/``verify`` alone (key already imported, no
    resolution, no claims) and 0.2 ms more for jwcrypto to import a header
    ``jwk``; ES256 verify 0.23 ms against 0.28 ms; EdDSA sign 0.23 ms against
    0.24 ms, ES256 sign 0.14 ms against 0.21 ms; RS256 is the RSA operation on
    both sides. The direct path also leaves nothing to library defaults
    (``alg`` taken from the token, ``crit``/``b64`` handling, lenient base64).
    Parsing is the rest of the cost; see :func:`_b64url_decode` and
    :func:`_json_object` for how it stays strict and cheap. Instructions per
    EdDSA verification of the 3.6 KB bench credential (callgrind, did:key
    resolved from its cache): 1,184,000, of which libsodium 809,000 (SHA-512
    of the signing input 141,000), the JSON parse ~150,000, base64url ~9,000.

Decisions (each has a test in ``tests/core/test_vcjwt.py``)
    * Algorithms: only ``EdDSA`` (Ed25519), ``ES256`` (P-256) and ``RS256``.
      ``none``, ``HS*``, ``PS*``, ``ES384`` … are refused
      (``jwt_alg_not_allowed``) before any key is looked at, so the
      "public key as HMAC secret" confusion cannot happen. The key type must
      match the algorithm (``jwt_alg_key_mismatch``).
    * Header: only ``alg``, ``kid``, ``jwk`` and ``typ`` (OB 3.0 §8.2). No
      exception was needed: every real token we hold (1EdTech validator samples,
      Digital Bazaar signer, Velocity) uses only these members. ``crit`` is
      always refused, so extensions such as RFC 7797 ``b64`` cannot apply.
    * ``typ``: OB 3.0 says it MUST be ``JWT`` when present; compared
      case-insensitively (RFC 7515 §4.1.9). ``vc+jwt``/``vc+ld+json+jwt`` belong
      to VC-JOSE-COSE, a different format, and are refused (``jwt_typ_not_allowed``).
    * Encoding: segments must be unpadded, canonical base64url (no ``=``, no
      ``+``/``/``, no stray bits in the last character, so a signature has one
      encoding only); JSON must be UTF-8, without ``NaN``/``Infinity``, lone
      surrogates or **duplicate member names** (refused, although RFC 7515
      permits accepting them: they are the classic parser-differential trick).
      Leading and trailing ASCII whitespace around the token (a newline at the
      end of a ``.jwt`` file or an iTXt chunk) is ignored.
    * Payload style is recognised by a ``vc`` object (vc-claim) or a top-level
      ``@context`` (payload); a payload with both is ambiguous and refused
      (``jwt_ambiguous_payload``), one with neither carries no credential
      (``jwt_no_credential``).
    * Credential extracted from the payload style: the payload minus the JWT
      registered claims ``iss sub aud exp nbf iat jti``. In that style these
      names belong to the JWT layer (a credential property of the same name
      could not be told from the claim), so removing them restores the
      credential the issuer signed, and an embedded proof over it still
      verifies. The VC v2 context defines most of them for VC-JOSE-COSE, but
      not ``jti`` (the 1EdTech validator adds it to its local OB context), so
      keeping them would also fail the safe-mode check. :func:`sign_vc_jwt`
      refuses a credential that has such a member (or ``vc``) in the payload
      style, so the round trip is exact.
    * Claims: a claim present in the token must agree with the credential
      (``jwt_claims_mismatch``): ``iss`` = issuer id, ``jti`` = id, ``sub`` = a
      credentialSubject id, ``nbf``/``exp`` = the issuance/expiry date compared
      as instants at second precision. A claim missing from the token, or a
      field missing from the credential, is tolerated: the 1EdTech samples omit
      ``sub`` and the validator accepts them. ``aud`` and ``iat`` are not
      compared. When the token has ``exp`` but the credential no expiry date,
      the pipeline should apply :attr:`JwtResult.expires_at` (OB 3.0: "exp sets
      validUntil").
    * Dates: the credential's data model picks the fields: a VCDM 1.1 credential
      (first context ``https://www.w3.org/2018/credentials/v1``) uses
      ``issuanceDate``/``expirationDate``, any other ``validFrom``/``validUntil``;
      if the preferred field is absent the other one is used (Digital Bazaar
      signs VCDM 2.0 credentials in the vc-claim style, Velocity VCDM 1.1
      credentials carrying ``validFrom``). Signing requires a timezone in the
      date; verification reads a date without one as UTC.
    * Keys: ``kid`` is resolved by the caller's resolver (its errors
      propagate); a header ``jwk`` must hold no private member
      (``jwk_has_private_key``). With both, ``kid`` wins and the ``jwk`` must be
      the same key (``jwt_key_mismatch``). With neither the key cannot be found:
      ``ResolutionError("jwt_no_key_reference")``, i.e. "could not check".
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal, NoReturn

import pybase64
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from obcore import jsontext
from obcore.errors import (
    InvalidKeyError,
    LimitExceededError,
    MalformedInputError,
    ProofError,
    ResolutionError,
    SignatureError,
)
from obcore.keys import KeyPair, KeyType, PublicKey
from obcore.model import node_id
from obcore.resolve import MethodResolver, ResolvedMethod

__all__ = [
    "ALLOWED_ALGS",
    "ALLOWED_HEADER_MEMBERS",
    "MAX_TOKEN_BYTES",
    "REGISTERED_CLAIMS",
    "JwtResult",
    "VcStyle",
    "sign_vc_jwt",
    "verify_vc_jwt",
]

VcStyle = Literal["payload", "vc-claim"]

MAX_TOKEN_BYTES: Final = 1 << 20  # 1 MiB
_ED25519_SIGNATURE_BYTES: Final = 64
_MAX_CACHED_HEADERS: Final = 256
_MAX_CACHED_HEADER_CHARS: Final = 4096  # at most 1 MiB of remembered headers
_HEADERS: Final[dict[str, tuple[dict[str, Any], str]]] = {}

# JWS algorithm → the only key type allowed to use it.
_ALG_KEY_TYPE: Final[dict[str, KeyType]] = {"EdDSA": "ed25519", "ES256": "p256", "RS256": "rsa"}
ALLOWED_ALGS: Final = frozenset(_ALG_KEY_TYPE)
ALLOWED_HEADER_MEMBERS: Final = frozenset({"alg", "kid", "jwk", "typ"})
# RFC 7519 §4.1 registered claims; never credential properties.
REGISTERED_CLAIMS: Final = ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")
_RESERVED_PAYLOAD_MEMBERS: Final = frozenset({*REGISTERED_CLAIMS, "vc"})
# JWK members that carry private (or symmetric) key material (RFC 7518 §6).
_PRIVATE_JWK_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

_VCDM1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"
_PADDING: Final = {0: "", 2: "==", 3: "="}
_B64_INDEX: Final = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}
# Low bits of the last character that encode no data, by segment length mod 4.
_STRAY_BITS: Final = {2: 0b1111, 3: 0b11}
_ASCII_WS: Final = " \t\r\n"
_DATE_TIME: Final = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt](?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?P<frac>\.\d+)?(?P<tz>[Zz]|[+-]\d{2}:\d{2})?"
)


@dataclass(frozen=True)
class JwtResult:
    """A VC-JWT whose signature verified and whose claims agree with its credential.

    ``claims`` holds the JWT claims: the registered claims present in a
    payload-style token, every member but ``vc`` in a vc-claim token.
    ``verification_method`` is the ``kid`` or ``"jwk"`` for a bare header key
    (then ``resolved`` is ``None``); ``key`` is the key that verified.
    """

    credential: dict[str, Any]
    header: dict[str, Any]
    claims: dict[str, Any]
    alg: str
    verification_method: str
    resolved: ResolvedMethod | None
    vc_style: VcStyle
    key: PublicKey

    @property
    def not_before(self) -> datetime | None:
        """The ``nbf`` claim as an aware UTC datetime, if present."""
        return _numeric_date_to_datetime(self.claims.get("nbf"))

    @property
    def expires_at(self) -> datetime | None:
        """The ``exp`` claim as an aware UTC datetime, if present."""
        return _numeric_date_to_datetime(self.claims.get("exp"))


# ---- signing -----------------------------------------------------------------


def sign_vc_jwt(
    credential: Mapping[str, Any],
    key: KeyPair,
    *,
    kid: str | None = None,
    include_jwk: bool = False,
    typ: str | None = "JWT",
    vc_claim: bool = False,
) -> str:
    """Sign ``credential`` as an OB 3.0 VC-JWT and return the compact JWS.

    The algorithm follows the key type (EdDSA, ES256, RS256). The header holds
    ``alg``, ``typ`` (unless ``None``), ``kid`` (default ``key.id``) and, with
    ``include_jwk``, the *public* JWK; one of ``kid``/``jwk`` is required. The
    credential is signed as given (an embedded ``proof`` stays); ``vc_claim``
    selects the VCDM 1.1 ``vc`` claim instead of the credential-as-payload form.
    """
    if not isinstance(credential, Mapping):
        raise MalformedInputError("a credential must be a JSON object", code="invalid_credential")
    cred = dict(credential)
    header: dict[str, Any] = {"alg": key.jws_alg}
    if typ is not None:
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise ProofError(f"typ must be 'JWT' (OB 3.0), not {typ!r}", code="jwt_typ_not_allowed")
        header["typ"] = typ
    kid = kid if kid is not None else key.id
    if kid is not None:
        if not isinstance(kid, str) or not kid:
            raise InvalidKeyError("kid must be a non-empty string", code="invalid_kid")
        header["kid"] = kid
    if include_jwk:
        header["jwk"] = key.public.to_jwk()
    if "kid" not in header and "jwk" not in header:
        raise InvalidKeyError(
            "a VC-JWT needs a key reference: give the key an id, pass kid or include_jwk",
            code="missing_key_reference",
        )
    claims = _claims_for(cred)
    if vc_claim:
        payload: dict[str, Any] = {**claims, "vc": cred}
    else:
        clash = sorted(_RESERVED_PAYLOAD_MEMBERS.intersection(cred))
        if clash:
            raise MalformedInputError(
                f"the credential has member(s) {clash} that a payload-style VC-JWT reserves; "
                "use vc_claim=True",
                code="jwt_reserved_claim",
            )
        if "@context" not in cred:
            raise MalformedInputError("the credential has no @context", code="jwt_no_credential")
        payload = {**cred, **claims}
    signing_input = _b64(_json_bytes(header)) + "." + _b64(_json_bytes(payload))
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + _b64(signature)


def _claims_for(cred: Mapping[str, Any]) -> dict[str, Any]:
    issuer = node_id(cred.get("issuer"))
    if issuer is None:
        raise MalformedInputError(
            "the credential has no issuer id (needed for iss)", code="jwt_missing_issuer"
        )
    claims: dict[str, Any] = {"iss": issuer}
    cred_id = cred.get("id")
    if cred_id is not None:
        if not isinstance(cred_id, str):
            raise MalformedInputError(
                "the credential id must be a string", code="invalid_credential"
            )
        claims["jti"] = cred_id
    subjects = _subject_ids(cred)
    if len(subjects) == 1:
        claims["sub"] = subjects[0]
    start_field, end_field = _date_fields(cred)
    if start_field is not None:
        nbf = _signing_numeric_date(cred[start_field], start_field)
        claims["nbf"] = nbf
        claims["iat"] = nbf
    if end_field is not None:
        claims["exp"] = _signing_numeric_date(cred[end_field], end_field)
    return claims


def _signing_numeric_date(value: Any, field: str) -> int:
    parsed = _parse_date_time(value)
    if parsed is None or parsed[1] is False:
        raise MalformedInputError(
            f"{field} must be a date-time with a timezone", code="invalid_date_time"
        )
    return parsed[0]


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    try:
        return jsontext.dumps_compact(value, _json_default)
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
        raise MalformedInputError(
            f"the credential is not JSON: {exc}", code="invalid_credential"
        ) from exc


def _json_default(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _b64(data: bytes) -> str:
    return pybase64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# ---- verification --------------------------------------------------------------


def verify_vc_jwt(
    token: str, resolver: MethodResolver, *, max_token_bytes: int = MAX_TOKEN_BYTES
) -> JwtResult:
    """Verify an OB 3.0 VC-JWT and return the credential it carries.

    Steps: parse strictly; check the header (algorithm allow-list, members,
    ``typ``, header ``jwk``); find the key (``kid`` through ``resolver``, or the
    header ``jwk``); check the key type against ``alg``; verify the signature
    over the JWS signing input (RFC 7515 §5.2); extract the credential; check
    that the claims agree with it. Raises :class:`~obcore.errors.MalformedInputError`,
    :class:`~obcore.errors.ProofError`, :class:`~obcore.errors.InvalidKeyError`,
    :class:`~obcore.errors.ResolutionError` or :class:`~obcore.errors.SignatureError`.
    """
    if not isinstance(token, str):
        raise MalformedInputError("a compact JWS is a string", code="malformed_jwt")
    if len(token) > max_token_bytes:
        raise LimitExceededError(f"the token exceeds {max_token_bytes} bytes", code="malformed_jwt")
    token = token.strip(_ASCII_WS)
    if not token.isascii():
        raise MalformedInputError("a compact JWS is ASCII only", code="malformed_jwt")
    # Three finds (memchr) instead of a split: a split scans the token character by character.
    first, last = token.find("."), token.rfind(".")
    if first == last or token.find(".", first + 1, last) != -1:
        raise MalformedInputError(
            "a compact JWS has three dot-separated parts", code="malformed_jwt"
        )

    header, alg = _header(token[:first])
    payload = _json_object(_b64url_decode(token[first + 1 : last], "payload"), "payload")
    signature = _b64url_decode(token[last + 1 :], "signature")
    vc_style, credential, claims = _split_payload(payload)

    kid = header.get("kid")
    # A header jwk is read before anything is resolved, so a bad one fails locally.
    header_key = PublicKey.from_jwk(header["jwk"]) if "jwk" in header else None
    resolved: ResolvedMethod | None = None
    if kid is not None:
        resolved = resolver(kid, "assertionMethod")
        key = resolved.key
        if header_key is not None and not header_key.same_key(key):
            raise ProofError("the header jwk is not the key kid names", code="jwt_key_mismatch")
        method = kid
    elif header_key is not None:
        key = header_key
        method = "jwk"
    else:
        raise ResolutionError(
            "the JOSE header has neither kid nor jwk: the signing key cannot be found",
            code="jwt_no_key_reference",
        )
    if key.type != _ALG_KEY_TYPE[alg]:
        raise ProofError(
            f"alg {alg} cannot be used with a {key.type} key", code="jwt_alg_key_mismatch"
        )
    signing_input = token[:last].encode("ascii")
    if not _signature_verifies(key, signature, signing_input, alg):
        raise SignatureError("the VC-JWT signature does not verify", code="invalid_signature")

    _check_claims(claims, credential)
    return JwtResult(
        credential=credential,
        header=header,
        claims=claims,
        alg=alg,
        verification_method=method,
        resolved=resolved,
        vc_style=vc_style,
        key=key,
    )


def _header(segment: str) -> tuple[dict[str, Any], str]:
    """The decoded, checked JOSE header and its algorithm, remembered per encoded segment.

    Every token an issuer signs with one key carries the same header segment,
    so a bounded map from the segment to the checked header skips its base64url
    decoding, strict JSON parsing and rule checks (~10 µs of a ~200 µs EdDSA
    verification). Only headers that passed every check and are short enough
    (an RSA-2048 ``jwk`` header is ~600 characters) are kept, so a bad
    header is refused with the same error each time; callers get their own copy.
    """
    cached = _HEADERS.get(segment)
    if cached is None:
        header = _json_object(_b64url_decode(segment, "header"), "header")
        alg = _check_header(header)
        if len(segment) > _MAX_CACHED_HEADER_CHARS:
            return header, alg
        if len(_HEADERS) >= _MAX_CACHED_HEADERS:
            _HEADERS.clear()
        _HEADERS[segment] = cached = (header, alg)
    header, alg = cached
    return (copy.deepcopy(header) if "jwk" in header else dict(header)), alg


def _signature_verifies(key: PublicKey, signature: bytes, signing_input: bytes, alg: str) -> bool:
    """The JWS signature check; EdDSA through libsodium (PyNaCl), the rest through ``cryptography``.

    Why libsodium for EdDSA: its Ed25519 verification takes ~110 µs where
    OpenSSL (through ``cryptography``) takes ~175 µs for the same 4 KB signing
    input on one shared core, and the signature check is half of a VC-JWT
    verification. It is not laxer: libsodium refuses everything OpenSSL
    refuses (non-canonical ``S``, wrong lengths) and also small-order public
    keys and ``R`` points, which no honest signer produces. Agreement with
    jwcrypto (OpenSSL) on signed, foreign and tampered tokens is tested in
    ``tests/core/test_vcjwt_jwcrypto.py`` and ``tests/core/test_vcjwt_fastpath.py``.
    """
    if alg == "EdDSA" and key.type == "ed25519":
        if len(signature) != _ED25519_SIGNATURE_BYTES:
            return False
        try:
            crypto_sign_open(signature + signing_input, key.raw_ed25519())
        except BadSignatureError:
            return False
        return True
    return key.verify(signature, signing_input, alg)


def _malformed(message: str) -> NoReturn:
    raise MalformedInputError(message, code="malformed_jwt")


def _b64url_decode(segment: str, what: str) -> bytes:
    """Strict, canonical, unpadded base64url (RFC 7515 §2).

    ``+``, ``/`` and ``=`` are refused first; pybase64 (SIMD) then decodes
    with the ``-_`` alphabet and ``validate``, refusing any other character;
    the stray low bits of the last character must be zero, so a segment has
    one spelling (cheaper than re-encoding). The standard library's
    ``a2b_base64`` with the ``-_`` → ``+/`` translation took 131,000 of the
    1,347,000 instructions of an EdDSA verification of the 3.6 KB bench
    credential (callgrind), ~10 µs; pybase64 takes ~1 µs.
    """
    size = len(segment)
    if size % 4 == 1 or "+" in segment or "/" in segment or "=" in segment:
        _malformed(f"the JWS {what} is not unpadded base64url")
    try:
        raw = pybase64.b64decode(segment + _PADDING[size % 4], altchars="-_", validate=True)
    except ValueError:  # binascii.Error included; a non-ASCII str is a ValueError
        _malformed(f"the JWS {what} is not unpadded base64url")
    if size % 4 and _B64_INDEX[segment[-1]] & _STRAY_BITS[size % 4]:
        _malformed(f"the JWS {what} is not canonical base64url")
    return raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        names = [name for name, _ in pairs]
        dup = next(name for name in names if names.count(name) > 1)
        raise ValueError(f"duplicate member name {dup!r}")
    return obj


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


# One decoder for every token: it keeps no state between calls, so threads share it.
_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
)


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    """Parse strict JSON: UTF-8, no ``NaN``/``Infinity``, no duplicate names, no lone surrogate.

    One parse does every check: its object hook builds each object from its
    members and refuses it when the object has fewer members than names
    (a duplicate), and ``NaN``/``Infinity`` are refused as the parser meets
    them. The hook costs ~40% more than a plain parse of the 3.6 KB bench
    credential, but less than the text scans that let a plain parse stand in
    for it before (counting ``":``, looking for whitespace after a ``"``;
    callgrind).
    """
    try:
        text = raw.decode("utf-8")
        value = _DECODER.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        _malformed(f"the JWS {what} is not valid JSON: {exc}")
    if not isinstance(value, dict):
        _malformed(f"the JWS {what} is not a JSON object")
    if jsontext.may_hold_surrogates(text) and jsontext.has_unpaired_surrogate(value):
        _malformed(f"the JWS {what} holds a lone UTF-16 surrogate")
    return value


def _check_header(header: dict[str, Any]) -> str:
    """Apply the OB 3.0 header rules; return the (allowed) algorithm."""
    if "crit" in header:
        raise ProofError(
            "the JOSE header has crit: no extension is supported", code="jwt_header_not_allowed"
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
        raise ProofError(
            f"alg {alg!r} is not allowed (only {', '.join(sorted(ALLOWED_ALGS))})",
            code="jwt_alg_not_allowed",
        )
    extra = sorted(set(header) - ALLOWED_HEADER_MEMBERS)
    if extra:
        raise ProofError(
            f"JOSE header members {extra} are not allowed (OB 3.0: alg, kid, jwk, typ)",
            code="jwt_header_not_allowed",
        )
    if "typ" in header:
        typ = header["typ"]
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise ProofError(
                f"typ {typ!r} is not allowed (OB 3.0: JWT)", code="jwt_typ_not_allowed"
            )
    if "kid" in header:
        kid = header["kid"]
        if not isinstance(kid, str) or not kid:
            _malformed("kid must be a non-empty string")
    if "jwk" in header:
        jwk = header["jwk"]
        if not isinstance(jwk, dict):
            raise InvalidKeyError("the header jwk must be a JSON object", code="invalid_jwk")
        private = sorted(_PRIVATE_JWK_MEMBERS.intersection(jwk))
        if private:
            raise InvalidKeyError(
                f"the header jwk holds private key material {private}", code="jwk_has_private_key"
            )
    return alg


def _split_payload(payload: dict[str, Any]) -> tuple[VcStyle, dict[str, Any], dict[str, Any]]:
    """(style, credential, claims) of a freshly parsed payload, which this takes apart in place."""
    if "vc" in payload:
        if "@context" in payload:
            raise MalformedInputError(
                "the payload is both a credential (@context) and a vc claim holder",
                code="jwt_ambiguous_payload",
            )
        credential = payload["vc"]
        if not isinstance(credential, dict):
            raise MalformedInputError("the vc claim is not a JSON object", code="jwt_no_credential")
        del payload["vc"]
        return "vc-claim", credential, payload
    if "@context" not in payload:
        raise MalformedInputError(
            "the payload carries no credential (no @context, no vc)", code="jwt_no_credential"
        )
    claims: dict[str, Any] = {k: payload.pop(k) for k in REGISTERED_CLAIMS if k in payload}
    return "payload", payload, claims


# ---- claims ↔ credential --------------------------------------------------------


def _mismatch(claim: str, message: str) -> NoReturn:
    raise ProofError(f"JWT claim {claim}: {message}", code="jwt_claims_mismatch")


def _check_claims(claims: Mapping[str, Any], credential: Mapping[str, Any]) -> None:
    for name in ("iss", "jti", "sub"):
        if name in claims and not isinstance(claims[name], str):
            _malformed(f"the {name} claim must be a string")
    seconds: dict[str, int] = {}
    for name in ("nbf", "exp", "iat"):
        if name in claims:
            value = _numeric_date(claims[name])
            if value is None:
                _malformed(f"the {name} claim must be a NumericDate")
            seconds[name] = value

    issuer = node_id(credential.get("issuer"))
    if "iss" in claims and issuer is not None and claims["iss"] != issuer:
        _mismatch("iss", "is not the credential issuer id")
    if "jti" in claims and "id" in credential and claims["jti"] != credential["id"]:
        _mismatch("jti", "is not the credential id")
    if "sub" in claims:
        subjects = _subject_ids(credential)
        if subjects and claims["sub"] not in subjects:
            _mismatch("sub", "is not the credentialSubject id")
    start_field, end_field = _date_fields(credential)
    for claim, field in (("nbf", start_field), ("exp", end_field)):
        if claim not in seconds or field is None:
            continue
        parsed = _parse_date_time(credential[field])
        if parsed is None:
            _mismatch(claim, f"the credential {field} is not a date-time")
        if seconds[claim] != parsed[0]:
            _mismatch(claim, f"does not match the credential {field}")


def _subject_ids(cred: Mapping[str, Any]) -> list[str]:
    subject = cred.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    ids = [s.get("id") for s in subjects if isinstance(s, Mapping)]
    return [i for i in ids if isinstance(i, str)]


def _date_fields(cred: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The (start, end) date fields present, preferring the credential's data model."""
    context = cred.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first == _VCDM1_CONTEXT:
        starts, ends = ("issuanceDate", "validFrom"), ("expirationDate", "validUntil")
    else:
        starts, ends = ("validFrom", "issuanceDate"), ("validUntil", "expirationDate")
    start = next((f for f in starts if f in cred), None)
    end = next((f for f in ends if f in cred), None)
    return start, end


def _parse_date_time(value: Any) -> tuple[int, bool] | None:
    """An XSD/RFC 3339 date-time → (seconds since the epoch, had a timezone).

    Fractions are truncated (JWT NumericDates compare at second precision), a
    leap second ``:60`` counts as the next second, no timezone is read as UTC.
    """
    if not isinstance(value, str):
        return None
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None
    date, hours, minutes, second, fraction, tz = match.groups()
    seconds = int(second)
    if seconds > 60:
        return None
    if fraction is None and seconds < 60 and tz is not None and tz != "z" and value[10] == "T":
        text = value  # already a form fromisoformat reads, to the same instant
    else:
        offset = "+00:00" if tz is None or tz in "Zz" else tz
        text = f"{date}T{hours}:{minutes}:{min(seconds, 59):02d}{offset}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return int(parsed.timestamp()) + (seconds == 60), tz is not None


def _numeric_date(value: Any) -> int | None:
    """A JWT NumericDate (RFC 7519 §2) truncated to whole seconds, or None."""
    if type(value) is int:  # the usual case, first (not a bool: its type is bool)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return math.floor(value)


def _numeric_date_to_datetime(value: Any) -> datetime | None:
    seconds = _numeric_date(value)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def decode_unverified(token: str, *, max_token_bytes: int = MAX_TOKEN_BYTES) -> dict[str, Any]:
    """The credential a VC-JWT carries, WITHOUT checking anything but its shape.

    For display and diagnosis only (a report shows what a badge that failed
    verification claims); never trust the result.
    """
    if not isinstance(token, str) or len(token) > max_token_bytes:
        raise MalformedInputError("not a compact JWS of acceptable size", code="malformed_jwt")
    parts = token.strip(_ASCII_WS).split(".")
    if len(parts) != 3:
        raise MalformedInputError(
            "a compact JWS has three dot-separated parts", code="malformed_jwt"
        )
    payload = _json_object(_b64url_decode(parts[1], "payload"), "payload")
    if isinstance(payload.get("vc"), dict) or "@context" in payload:
        _, credential, _ = _split_payload(payload)
        return credential
    return payload
