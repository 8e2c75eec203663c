"""Signing keys: Ed25519 as Multikey, P-256 and RSA as JWK.

A :class:`PublicKey` verifies, a :class:`KeyPair` also signs. Both convert to
and from the representations credentials use:

* Ed25519: Multikey ``publicKeyMultibase`` (``z6Mk…``, multicodec 0xed01) and
  ``secretKeyMultibase`` (multicodec 0x1300: seed ‖ public key, the format
  Digital Bazaar's ``ed25519-multikey`` exports), and OKP JWK;
* P-256: EC JWK (and Multikey ``zDn…``, compressed point, multicodec 0x1200);
* RSA: RSA JWK (2048 bits or more).

The exported key file (``obhub keys generate``) is a JSON object holding
``type``, ``id``/``verificationMethod``, ``controller``/``did``, the public key
(``publicKeyMultibase`` and/or ``publicKeyJwk``) and the secret part
(``secretKeyMultibase`` or ``privateKeyJwk``). ``repr`` never shows secrets.

JWK import and export, RFC 7638 thumbprints and JWK Sets go through jwcrypto
(:class:`jwcrypto.jwk.JWK`). This module keeps the policy jwcrypto leaves
open: the key types and curves accepted (OKP Ed25519, EC P-256, RSA of 2048 to
8192 bits), strict base64url members (one spelling per key), and no private
member in a public JWK. jwcrypto costs 0.2 to 0.3 ms per JWK import or
export (measured on one shared core), more than an Ed25519 verification, so a
key's JWK is computed once per :class:`PublicKey` and the JWKs read on the
verification path (header ``jwk``, did:jwk, JWK Sets) go through a bounded LRU
of imported keys (:func:`PublicKey.from_jwk`; keys are immutable, so sharing
is safe).
Signing and verification themselves call ``cryptography`` directly (see
:mod:`obcore.proofs.vcjwt` for the measurements), but for Ed25519 signatures, made by
libsodium (PyNaCl): 17 µs against OpenSSL's 27 µs for the 64 bytes an eddsa-rdfc-2022
proof signs, 30 against 36 µs for a 3.7 KB VC-JWT signing input (one shared core).
Ed25519 signing is deterministic (RFC 8032): both libraries give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from jwcrypto import jwk as jose_jwk
from jwcrypto.common import JWException
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from obcore import multibase
from obcore.errors import InvalidKeyError, MalformedInputError

KeyType = Literal["ed25519", "p256", "rsa"]
KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "p256", "rsa")

# JWS algorithm each key type signs with.
JWS_ALG: dict[KeyType, str] = {"ed25519": "EdDSA", "p256": "ES256", "rsa": "RS256"}

_MIN_RSA_BITS = 2048
_MAX_RSA_BITS = 8192
_MAX_E_BYTES = 8

_PublicKeyObj = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
_PrivateKeyObj = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# The members of each supported JWK kind, in the order they are written (RFC 8037, RFC 7518 §6).
_JWK_PUBLIC_MEMBERS: Final[dict[KeyType, tuple[str, ...]]] = {
    "ed25519": ("kty", "crv", "x"),
    "p256": ("kty", "crv", "x", "y"),
    "rsa": ("kty", "n", "e"),
}
_JWK_PRIVATE_MEMBERS: Final[dict[KeyType, tuple[str, ...]]] = {
    "ed25519": ("d",),
    "p256": ("d",),
    "rsa": ("d", "p", "q", "dp", "dq", "qi"),
}
_JWK_CACHE_SIZE: Final = 1024


def _b64_member(jwk: Mapping[str, Any], name: str) -> bytes:
    """A base64url JWK member, strictly decoded (``invalid_jwk`` when missing or malformed)."""
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidKeyError(f"JWK member '{name}' is missing or not a string", code="invalid_jwk")
    try:
        return multibase.b64url_decode(value)
    except MalformedInputError as exc:
        raise InvalidKeyError(f"JWK member '{name}' is not base64url", code="invalid_jwk") from exc


def _b64_to_int(value: Any, name: str) -> int:
    return int.from_bytes(_b64_member({name: value}, name), "big")


def _int_to_b64(value: int) -> str:
    return multibase.b64url_encode(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _jwk_key_type(jwk: Mapping[str, Any]) -> KeyType:
    """The supported key type a JWK describes, by ``kty`` and ``crv``."""
    kty = jwk.get("kty")
    if kty == "OKP":
        if jwk.get("crv") != "Ed25519":
            raise InvalidKeyError("only the Ed25519 OKP curve is supported", code="unsupported_key")
        return "ed25519"
    if kty == "EC":
        if jwk.get("crv") != "P-256":
            raise InvalidKeyError("only the P-256 EC curve is supported", code="unsupported_key")
        return "p256"
    if kty == "RSA":
        return "rsa"
    raise InvalidKeyError(f"unsupported JWK key type {kty!r}", code="unsupported_key")


def _jose_key(members: Mapping[str, Any]) -> jose_jwk.JWK:
    try:
        return jose_jwk.JWK(**members)
    except (JWException, ValueError, TypeError) as exc:
        raise InvalidKeyError(f"invalid JWK: {exc}", code="invalid_jwk") from exc


def _jose_export(key: _PublicKeyObj | _PrivateKeyObj, *, private: bool) -> dict[str, Any]:
    exported: dict[str, Any] = jose_jwk.JWK.from_pyca(key).export(private_key=private, as_dict=True)
    return exported


_MAX_MULTIBASE_KEYS = 1024
_MULTIBASE_KEYS: dict[str, tuple[type[PublicKey], PublicKey]] = {}


@dataclass(frozen=True, eq=False)
class PublicKey:
    """A public verification key of one of the supported types."""

    type: KeyType
    key: _PublicKeyObj
    _jwk: dict[str, str] | None = field(default=None, init=False, repr=False, compare=False)
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)

    # ---- constructors -------------------------------------------------
    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """Decode a Multikey ``publicKeyMultibase`` (Ed25519 ``z6Mk…`` or P-256 ``zDn…``).

        Decoded keys are memoised (a bounded memo: base58 decoding is slow and the
        same issuer keys come back on every verification); keys are immutable.
        """
        found = _MULTIBASE_KEYS.get(value)
        if found is not None and found[0] is cls:
            return found[1]
        key = cls._decode_multibase(value)
        if len(_MULTIBASE_KEYS) >= _MAX_MULTIBASE_KEYS:
            _MULTIBASE_KEYS.clear()
        _MULTIBASE_KEYS[value] = (cls, key)
        return key

    @classmethod
    def _decode_multibase(cls, value: str) -> PublicKey:
        try:
            raw = multibase.decode_z(value)
        except MalformedInputError as exc:
            raise InvalidKeyError(
                f"not a Multikey: {exc.message}", code="invalid_multikey"
            ) from exc
        if raw[:2] == multibase.ED25519_PUB and len(raw) == 34:
            return cls("ed25519", ed25519.Ed25519PublicKey.from_public_bytes(raw[2:]))
        if raw[:2] == multibase.P256_PUB and len(raw) == 35:
            try:
                point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
            except ValueError as exc:
                raise InvalidKeyError("invalid P-256 point", code="invalid_multikey") from exc
            return cls("p256", point)
        raise InvalidKeyError(
            "publicKeyMultibase is not an Ed25519 (z6Mk…) or P-256 (zDn…) Multikey",
            code="invalid_multikey",
        )

    @classmethod
    def from_ed25519_bytes(cls, raw: bytes) -> PublicKey:
        if len(raw) != 32:
            raise InvalidKeyError("an Ed25519 public key is 32 bytes", code="invalid_key")
        return cls("ed25519", ed25519.Ed25519PublicKey.from_public_bytes(raw))

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Read a public JWK. A JWK carrying private material is refused.

        Members other than the key's own (``kid``, ``alg``, ``use`` …) are ignored.
        """
        if not isinstance(jwk, Mapping):
            raise InvalidKeyError("a JWK must be a JSON object", code="invalid_jwk")
        if "d" in jwk or "p" in jwk or "q" in jwk:
            raise InvalidKeyError(
                "a public JWK must not contain private key material", code="jwk_has_private_key"
            )
        key_type = _jwk_key_type(jwk)
        members = tuple(jwk.get(name) for name in _JWK_PUBLIC_MEMBERS[key_type])
        if all(isinstance(value, str) for value in members):
            return _cached_public_from_jwk(key_type, members)
        return _public_from_jwk(
            key_type, dict(zip(_JWK_PUBLIC_MEMBERS[key_type], members, strict=True))
        )

    # ---- representations ----------------------------------------------
    def raw_ed25519(self) -> bytes:
        """The 32 bytes of an Ed25519 key (kept: every EdDSA verification asks for them)."""
        if self._raw is None:
            if not isinstance(self.key, ed25519.Ed25519PublicKey):
                raise InvalidKeyError("not an Ed25519 key", code="wrong_key_type")
            raw = self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            object.__setattr__(self, "_raw", raw)
            return raw
        return self._raw

    def to_multibase(self) -> str:
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            return multibase.encode_z(multibase.ED25519_PUB + self.raw_ed25519())
        if isinstance(self.key, ec.EllipticCurvePublicKey):
            point = self.key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            return multibase.encode_z(multibase.P256_PUB + point)
        raise InvalidKeyError(
            "RSA keys have no Multikey form here; use a JWK", code="wrong_key_type"
        )

    def to_jwk(self) -> dict[str, str]:
        """The public JWK: only ``kty crv x`` (OKP), ``kty crv x y`` (EC) or ``kty n e`` (RSA)."""
        if self._jwk is None:
            exported = _jose_export(self.key, private=False)
            jwk = {name: str(exported[name]) for name in _JWK_PUBLIC_MEMBERS[self.type]}
            object.__setattr__(self, "_jwk", jwk)
            return dict(jwk)
        return dict(self._jwk)

    def thumbprint(self) -> str:
        """The RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key."""
        return str(_jose_key(self.to_jwk()).thumbprint())

    def thumbprint_uri(self) -> str:
        """The RFC 9278 JWK thumbprint URI (``urn:ietf:params:oauth:jwk-thumbprint:sha-256:…``)."""
        return str(_jose_key(self.to_jwk()).thumbprint_uri())

    def same_key(self, other: PublicKey) -> bool:
        """Whether ``other`` is the same public key (compared by its JWK members)."""
        return self.type == other.type and self.to_jwk() == other.to_jwk()

    @property
    def jws_alg(self) -> str:
        return JWS_ALG[self.type]

    def to_pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    # ---- verification -------------------------------------------------
    def verify(self, signature: bytes, data: bytes, alg: str | None = None) -> bool:
        """Verify ``signature`` over ``data``; ``alg`` (JWS name) must suit the key type.

        ES256 signatures are the raw 64-byte r‖s form used by JWS.
        """
        expected = self.jws_alg
        if alg is not None and alg != expected:
            return False
        key = self.key
        try:
            if isinstance(key, ed25519.Ed25519PublicKey):
                key.verify(signature, data)
            elif isinstance(key, ec.EllipticCurvePublicKey):
                if len(signature) != 64:
                    return False
                r = int.from_bytes(signature[:32], "big")
                s = int.from_bytes(signature[32:], "big")
                key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
            else:
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"PublicKey(type={self.type!r})"


@lru_cache(maxsize=_JWK_CACHE_SIZE)
def _cached_public_from_jwk(key_type: KeyType, members: tuple[str, ...]) -> PublicKey:
    return _public_from_jwk(
        key_type, dict(zip(_JWK_PUBLIC_MEMBERS[key_type], members, strict=True))
    )


def _public_from_jwk(key_type: KeyType, jwk: Mapping[str, Any]) -> PublicKey:
    """Check a public JWK's members strictly, then let jwcrypto build the key."""
    if key_type == "ed25519":
        if len(_b64_member(jwk, "x")) != 32:
            raise InvalidKeyError("an Ed25519 public key is 32 bytes", code="invalid_key")
    elif key_type == "p256":
        for name in ("x", "y"):
            if len(_b64_member(jwk, name)) > 32:
                raise InvalidKeyError(f"EC JWK member '{name}' is too long", code="invalid_jwk")
    else:
        modulus = _b64_member(jwk, "n")
        bits = int.from_bytes(modulus, "big").bit_length()
        if not _MIN_RSA_BITS <= bits <= _MAX_RSA_BITS:
            raise InvalidKeyError("RSA keys must have 2048 to 8192 bits", code="weak_key")
        # RFC 7518 §6.3.1 wants minimal octets; one leading zero (a signed
        # big-endian encoding some libraries write) is tolerated, no more, so
        # the members (and the imported-key cache entries) stay bounded.
        if len(modulus) > (bits + 7) // 8 + 1 or len(_b64_member(jwk, "e")) > _MAX_E_BYTES:
            raise InvalidKeyError(
                "RSA JWK n has leading zero octets or e is longer than 8 bytes", code="invalid_jwk"
            )
    try:
        key = _jose_key(jwk).get_op_key("verify")
    except (JWException, ValueError, TypeError) as exc:
        raise InvalidKeyError(f"the JWK is not a valid {key_type} key", code="invalid_jwk") from exc
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise InvalidKeyError("the JWK is not a public key", code="invalid_jwk")  # pragma: no cover
    return PublicKey(key_type, key)


def jwk_set(keys: Iterable[tuple[str, PublicKey]]) -> dict[str, Any]:
    """A JSON Web Key Set (RFC 7517 §5) of ``(kid, key)`` pairs, with ``alg`` and ``use: sig``.

    Built with :class:`jwcrypto.jwk.JWKSet`; the keys keep the order given.
    """
    keyset = jose_jwk.JWKSet()
    order: dict[str, int] = {}
    for position, (kid, key) in enumerate(keys):
        order.setdefault(kid, position)
        keyset.add(_jose_key({**key.to_jwk(), "kid": kid, "alg": key.jws_alg, "use": "sig"}))
    exported: dict[str, Any] = keyset.export(private_keys=False, as_dict=True)
    exported["keys"].sort(key=lambda item: order[item["kid"]])
    return exported


@dataclass(frozen=True, eq=False)
class KeyPair:
    """A private signing key with its public half and, optionally, its identifiers."""

    type: KeyType
    private: _PrivateKeyObj
    id: str | None = None  # verification method id
    controller: str | None = None
    _sodium_secret: bytes | None = field(default=None, init=False, repr=False)
    """libsodium's form of an Ed25519 secret key (seed ‖ public key), made at first use."""

    @classmethod
    def generate(cls, key_type: KeyType = "ed25519") -> KeyPair:
        if key_type == "ed25519":
            return cls("ed25519", ed25519.Ed25519PrivateKey.generate())
        if key_type == "p256":
            return cls("p256", ec.generate_private_key(ec.SECP256R1()))
        if key_type == "rsa":
            return cls("rsa", rsa.generate_private_key(public_exponent=65537, key_size=3072))
        raise InvalidKeyError(f"unknown key type {key_type!r}", code="unsupported_key")

    @classmethod
    def from_ed25519_seed(cls, seed: bytes) -> KeyPair:
        if len(seed) != 32:
            raise InvalidKeyError("an Ed25519 seed is 32 bytes", code="invalid_key")
        return cls("ed25519", ed25519.Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.type, self.private.public_key())

    @property
    def jws_alg(self) -> str:
        return JWS_ALG[self.type]

    def with_ids(self, id: str | None, controller: str | None) -> KeyPair:
        pair = KeyPair(self.type, self.private, id=id, controller=controller)
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            # Made once per key, not once per copy (a service names its cached keys anew
            # for each credential).
            object.__setattr__(pair, "_sodium_secret", self._sodium())
        return pair

    def _sodium(self) -> bytes:
        secret = self._sodium_secret
        if secret is None:
            secret = crypto_sign_seed_keypair(self.ed25519_seed())[1]
            object.__setattr__(self, "_sodium_secret", secret)  # the same key, another form
        return secret

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: pure Ed25519, ES256 (raw r‖s) or RS256 (PKCS#1 v1.5, SHA-256)."""
        key = self.private
        if isinstance(key, ed25519.Ed25519PrivateKey):
            signature: bytes = crypto_sign(data, self._sodium())[:64]  # signature ‖ message
            return signature
        if isinstance(key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def ed25519_seed(self) -> bytes:
        if not isinstance(self.private, ed25519.Ed25519PrivateKey):
            raise InvalidKeyError("not an Ed25519 key", code="wrong_key_type")
        return self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    def private_jwk(self) -> dict[str, str]:
        """The private JWK: the public members, then ``d`` (and the RSA CRT members)."""
        exported = _jose_export(self.private, private=True)
        jwk = self.public.to_jwk()
        jwk.update((name, str(exported[name])) for name in _JWK_PRIVATE_MEMBERS[self.type])
        return jwk

    # ---- the key file format ------------------------------------------
    def export(self) -> dict[str, Any]:
        """Export as a key file (includes the SECRET key: store it encrypted)."""
        out: dict[str, Any] = {}
        if self.id:
            out["id"] = self.id
            out["verificationMethod"] = self.id
        if self.controller:
            out["controller"] = self.controller
            if self.controller.startswith("did:"):
                out["did"] = self.controller
        if self.type == "ed25519":
            out["type"] = "Multikey"
            out["publicKeyMultibase"] = self.public.to_multibase()
            out["secretKeyMultibase"] = multibase.encode_z(
                multibase.ED25519_PRIV + self.ed25519_seed() + self.public.raw_ed25519()
            )
        else:
            out["type"] = "JsonWebKey"
        out["publicKeyJwk"] = self.public.to_jwk()
        if self.type != "ed25519":
            out["privateKeyJwk"] = self.private_jwk()
        return out

    @classmethod
    def from_export(cls, data: Mapping[str, Any]) -> KeyPair:
        """Read a key file written by :meth:`export` or by Digital Bazaar tools.

        Every public form the file states (``publicKeyMultibase``,
        ``publicKeyJwk``) must match the secret key: a mismatched file is refused.
        """
        pair = cls._secret_from_export(data)
        stated_mb = data.get("publicKeyMultibase")
        if stated_mb is not None and (
            not isinstance(stated_mb, str) or stated_mb != pair.public.to_multibase()
        ):
            raise InvalidKeyError(
                "publicKeyMultibase does not match the secret key", code="invalid_key_file"
            )
        stated_jwk = data.get("publicKeyJwk")
        if stated_jwk is not None:
            try:
                matches = PublicKey.from_jwk(stated_jwk).to_jwk() == pair.public.to_jwk()
            except InvalidKeyError:
                matches = False
            if not matches:
                raise InvalidKeyError(
                    "publicKeyJwk does not match the secret key", code="invalid_key_file"
                )
        return pair

    @classmethod
    def _secret_from_export(cls, data: Mapping[str, Any]) -> KeyPair:
        if not isinstance(data, Mapping):
            raise InvalidKeyError("a key file must hold a JSON object", code="invalid_key_file")
        vm = data.get("id") or data.get("verificationMethod")
        controller = data.get("controller") or data.get("did")
        vm = vm if isinstance(vm, str) else None
        controller = controller if isinstance(controller, str) else None
        secret = data.get("secretKeyMultibase")
        if isinstance(secret, str):
            raw = multibase.decode_z(secret)
            if raw[:2] != multibase.ED25519_PRIV or len(raw) not in (34, 66):
                raise InvalidKeyError(
                    "secretKeyMultibase is not an Ed25519 secret key", code="invalid_key_file"
                )
            pair = cls.from_ed25519_seed(raw[2:34])
            if len(raw) == 66 and raw[34:] != pair.public.raw_ed25519():
                raise InvalidKeyError("secret and public key do not match", code="invalid_key_file")
            return pair.with_ids(vm, controller)
        jwk = data.get("privateKeyJwk")
        if jwk is None and isinstance(data.get("d"), str):
            jwk = data  # a bare private JWK
        if isinstance(jwk, Mapping):
            return private_from_jwk(jwk).with_ids(vm, controller)
        raise InvalidKeyError("the key file holds no private key", code="invalid_key_file")

    def dumps(self) -> str:
        return json.dumps(self.export(), indent=2)

    def __repr__(self) -> str:
        return f"KeyPair(type={self.type!r}, id={self.id!r})"


def private_from_jwk(jwk: Mapping[str, Any]) -> KeyPair:
    """Read a private JWK (OKP Ed25519, EC P-256 or RSA; RSA CRT members computed if absent)."""
    if not isinstance(jwk, Mapping):
        raise InvalidKeyError("a JWK must be a JSON object", code="invalid_jwk")
    key_type = _jwk_key_type(jwk)
    pub = _public_from_jwk(key_type, {k: jwk.get(k) for k in _JWK_PUBLIC_MEMBERS[key_type]})
    members: dict[str, Any] = {k: jwk.get(k) for k in _JWK_PUBLIC_MEMBERS[key_type]}
    members["d"] = multibase.b64url_encode(_b64_member(jwk, "d"))
    if key_type == "ed25519" and len(_b64_member(jwk, "d")) != 32:
        raise InvalidKeyError("an Ed25519 seed is 32 bytes", code="invalid_key")
    if key_type == "rsa":
        d = _b64_to_int(jwk.get("d"), "d")
        p = _b64_to_int(jwk.get("p"), "p")
        q = _b64_to_int(jwk.get("q"), "q")
        crt = {
            "dp": rsa.rsa_crt_dmp1(d, p),
            "dq": rsa.rsa_crt_dmq1(d, q),
            "qi": rsa.rsa_crt_iqmp(p, q),
        }
        members.update(p=jwk["p"], q=jwk["q"])
        for name, value in crt.items():
            given = jwk.get(name)
            members[name] = given if given is not None else _int_to_b64(value)
            if _b64_to_int(members[name], name) != value:
                raise InvalidKeyError("the private JWK is inconsistent", code="invalid_jwk")
    try:
        private = _jose_key(members).get_op_key("sign")
    except (JWException, ValueError, TypeError) as exc:
        raise InvalidKeyError("the private JWK is inconsistent", code="invalid_jwk") from exc
    if not isinstance(
        private, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    ):
        raise InvalidKeyError(
            "the JWK is not a private key", code="invalid_jwk"
        )  # pragma: no cover
    pair = KeyPair(key_type, private)
    if not pair.public.same_key(pub):
        raise InvalidKeyError("the private JWK does not match its public part", code="invalid_jwk")
    return pair
