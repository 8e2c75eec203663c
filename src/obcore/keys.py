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
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from obcore import multibase
from obcore.errors import InvalidKeyError, MalformedInputError

KeyType = Literal["ed25519", "p256", "rsa"]
KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "p256", "rsa")

# JWS algorithm each key type signs with.
JWS_ALG: dict[KeyType, str] = {"ed25519": "EdDSA", "p256": "ES256", "rsa": "RS256"}

_MIN_RSA_BITS = 2048
_MAX_RSA_BITS = 8192

_PublicKeyObj = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
_PrivateKeyObj = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _int_to_b64(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return multibase.b64url_encode(value.to_bytes(size, "big"))


def _b64_to_int(value: Any, name: str) -> int:
    if not isinstance(value, str) or not value:
        raise InvalidKeyError(f"JWK member '{name}' is missing or not a string", code="invalid_jwk")
    return int.from_bytes(multibase.b64url_decode(value), "big")


_MAX_MULTIBASE_KEYS = 1024
_MULTIBASE_KEYS: dict[str, tuple[type[PublicKey], PublicKey]] = {}


@dataclass(frozen=True, eq=False)
class PublicKey:
    """A public verification key of one of the supported types."""

    type: KeyType
    key: _PublicKeyObj

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
        """Read a public JWK. A JWK carrying private material is refused."""
        if not isinstance(jwk, Mapping):
            raise InvalidKeyError("a JWK must be a JSON object", code="invalid_jwk")
        if "d" in jwk or "p" in jwk or "q" in jwk:
            raise InvalidKeyError(
                "a public JWK must not contain private key material", code="jwk_has_private_key"
            )
        return _public_from_jwk(jwk)

    # ---- representations ----------------------------------------------
    def raw_ed25519(self) -> bytes:
        if not isinstance(self.key, ed25519.Ed25519PublicKey):
            raise InvalidKeyError("not an Ed25519 key", code="wrong_key_type")
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

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
        key = self.key
        if isinstance(key, ed25519.Ed25519PublicKey):
            return {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": multibase.b64url_encode(self.raw_ed25519()),
            }
        if isinstance(key, ec.EllipticCurvePublicKey):
            nums = key.public_numbers()
            return {
                "kty": "EC",
                "crv": "P-256",
                "x": _int_to_b64(nums.x, 32),
                "y": _int_to_b64(nums.y, 32),
            }
        rnums = key.public_numbers()
        return {"kty": "RSA", "n": _int_to_b64(rnums.n), "e": _int_to_b64(rnums.e)}

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


def _public_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    kty = jwk.get("kty")
    if kty == "OKP":
        if jwk.get("crv") != "Ed25519":
            raise InvalidKeyError("only the Ed25519 OKP curve is supported", code="unsupported_key")
        return PublicKey.from_ed25519_bytes(multibase.b64url_decode(str(jwk.get("x", ""))))
    if kty == "EC":
        if jwk.get("crv") != "P-256":
            raise InvalidKeyError("only the P-256 EC curve is supported", code="unsupported_key")
        try:
            nums = ec.EllipticCurvePublicNumbers(
                _b64_to_int(jwk.get("x"), "x"), _b64_to_int(jwk.get("y"), "y"), ec.SECP256R1()
            )
            return PublicKey("p256", nums.public_key())
        except ValueError as exc:
            raise InvalidKeyError("EC JWK is not a point on P-256", code="invalid_jwk") from exc
    if kty == "RSA":
        n = _b64_to_int(jwk.get("n"), "n")
        e = _b64_to_int(jwk.get("e"), "e")
        if not _MIN_RSA_BITS <= n.bit_length() <= _MAX_RSA_BITS:
            raise InvalidKeyError("RSA keys must have 2048 to 8192 bits", code="weak_key")
        try:
            return PublicKey("rsa", rsa.RSAPublicNumbers(e, n).public_key())
        except ValueError as exc:
            raise InvalidKeyError("invalid RSA JWK", code="invalid_jwk") from exc
    raise InvalidKeyError(f"unsupported JWK key type {kty!r}", code="unsupported_key")


@dataclass(frozen=True, eq=False)
class KeyPair:
    """A private signing key with its public half and, optionally, its identifiers."""

    type: KeyType
    private: _PrivateKeyObj
    id: str | None = None  # verification method id
    controller: str | None = None

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
        return KeyPair(self.type, self.private, id=id, controller=controller)

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: pure Ed25519, ES256 (raw r‖s) or RS256 (PKCS#1 v1.5, SHA-256)."""
        key = self.private
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
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
        jwk = self.public.to_jwk()
        key = self.private
        if isinstance(key, ed25519.Ed25519PrivateKey):
            jwk["d"] = multibase.b64url_encode(self.ed25519_seed())
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            jwk["d"] = _int_to_b64(key.private_numbers().private_value, 32)
        else:
            nums = key.private_numbers()
            jwk.update(
                d=_int_to_b64(nums.d),
                p=_int_to_b64(nums.p),
                q=_int_to_b64(nums.q),
                dp=_int_to_b64(nums.dmp1),
                dq=_int_to_b64(nums.dmq1),
                qi=_int_to_b64(nums.iqmp),
            )
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
    """Read a private JWK (OKP Ed25519, EC P-256 or RSA)."""
    pub = _public_from_jwk(
        {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
    )
    d = _b64_to_int(jwk.get("d"), "d")
    try:
        if pub.type == "ed25519":
            pair = KeyPair.from_ed25519_seed(multibase.b64url_decode(str(jwk["d"])))
        elif pub.type == "p256":
            if not isinstance(pub.key, ec.EllipticCurvePublicKey):  # pragma: no cover
                raise InvalidKeyError("EC JWK did not yield an EC key", code="invalid_jwk")
            pair = KeyPair(
                "p256", ec.EllipticCurvePrivateNumbers(d, pub.key.public_numbers()).private_key()
            )
        else:
            if not isinstance(pub.key, rsa.RSAPublicKey):  # pragma: no cover
                raise InvalidKeyError("RSA JWK did not yield an RSA key", code="invalid_jwk")
            pnums = pub.key.public_numbers()
            p = _b64_to_int(jwk.get("p"), "p")
            q = _b64_to_int(jwk.get("q"), "q")
            pair = KeyPair(
                "rsa",
                rsa.RSAPrivateNumbers(
                    p=p,
                    q=q,
                    d=d,
                    dmp1=rsa.rsa_crt_dmp1(d, p),
                    dmq1=rsa.rsa_crt_dmq1(d, q),
                    iqmp=rsa.rsa_crt_iqmp(p, q),
                    public_numbers=pnums,
                ).private_key(),
            )
    except ValueError as exc:
        raise InvalidKeyError("the private JWK is inconsistent", code="invalid_jwk") from exc
    if pair.public.to_jwk() != pub.to_jwk():
        raise InvalidKeyError("the private JWK does not match its public part", code="invalid_jwk")
    return pair
