"""Partner credentials for tests: signed OB 3.0 badges (and OB 2.0 hosted badges) as a
partner's system would deliver them. Reused by the ingestion, aggregation and benchmark code.

A :class:`PartnerIssuer` is a did:key (Ed25519) issuer: nothing to publish, the verifier
resolves its key offline. It builds and signs OB 3.0 credentials::

    issuer = PartnerIssuer.create("campus-caen")              # deterministic key per name
    credential = issuer.credential(
        email="Camille.Martin@example.fr",                     # or did="did:example:…"
        achievement_id="https://campus-caen.example/achievements/sst",
        alignments=[alignment("https://referentiel.region.example/c/secourisme", "SEC-1")],
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    issuer.signed_json(credential)     # JSON text with an eddsa-rdfc-2022 proof
    issuer.signed_jwt(credential)      # compact VC-JWT (EdDSA)

The recipient is an ``IdentityObject`` with the salted SHA-256 of the email
(:func:`obcore.identity.make_identity_object`), or ``credentialSubject.id`` for a DID.
``credential_id`` defaults to a fresh ``urn:uuid:``; pass the same one twice to deliver
"the same credential" (OB 3.0 equality: same issuer, same id).

Revocation: ``status=issuer.status_entry(url, index)`` puts a ``BitstringStatusListEntry``
in the credential; :meth:`PartnerIssuer.status_list` builds the signed list credential to
serve at ``url`` (with ``revoked={index}`` to revoke). Serve it from
``tests/verification/localhttp.py``'s :class:`LocalServer` with ``Cache-Control: no-store``
and allow ``127.0.0.1`` in ``OBHUB_FETCH_ALLOWLIST`` (see ``tests/ingestion/conftest.py``).

Inbox items (what ``issuer_api.ingestion.inbox.store_delivery`` takes): :func:`json_item`,
:func:`jwt_item`, :func:`image_item` (a baked PNG), :func:`url_item`.

OB 2.0: :class:`Ob2HostedIssuer` writes the issuer Profile, BadgeClass (with alignments)
and hosted Assertion documents for a base URL (a :class:`LocalServer`): the Assertion is
then delivered by its URL (``url_item``) or as its JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from issuer_api.ingestion.inbox import InboxItem
from obcore import baking, statuslist
from obcore.did import did_key_for, did_key_vm_id
from obcore.identity import identity_hash, make_identity_object
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from obcore.proofs.vcjwt import sign_vc_jwt

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_V2 = "https://w3id.org/openbadges/v2"
SIGNED_AT = "2024-12-01T10:00:00Z"
DEFAULT_VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)

__all__ = [
    "Ob2HostedIssuer",
    "PartnerIssuer",
    "alignment",
    "baked_png",
    "image_item",
    "iso",
    "json_item",
    "jwt_item",
    "url_item",
]


def iso(value: datetime) -> str:
    """``2025-01-01T00:00:00Z``: the form credentials carry."""
    return di.format_datetime(value)


def alignment(
    target_url: str, target_code: str | None = None, target_name: str | None = None
) -> dict[str, Any]:
    """An OB 3.0 ``Alignment`` (what the regional référentiel mapping reads)."""
    aligned: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": target_name or target_code or target_url,
        "targetUrl": target_url,
    }
    if target_code is not None:
        aligned["targetCode"] = target_code
    return aligned


@dataclass(frozen=True)
class PartnerIssuer:
    """A partner's did:key issuer: builds and signs OB 3.0 credentials."""

    name: str
    key: KeyPair

    @classmethod
    def create(cls, name: str = "Campus Caen", *, seed: bytes | None = None) -> PartnerIssuer:
        """An issuer whose key is derived from ``name`` (or ``seed``): the same DID every run."""
        seed = seed if seed is not None else hashlib.sha256(name.encode("utf-8")).digest()
        key = KeyPair.from_ed25519_seed(seed)
        return cls(name, key.with_ids(did_key_vm_id(key.public), did_key_for(key.public)))

    @property
    def did(self) -> str:
        return did_key_for(self.key.public)

    def credential(
        self,
        *,
        email: str | None = None,
        did: str | None = None,
        salted: bool = True,
        achievement_id: str = "https://campus-caen.example/achievements/sst",
        achievement_name: str = "Sauveteur secouriste du travail",
        alignments: Sequence[Mapping[str, Any]] = (),
        credential_id: str | None = None,
        valid_from: datetime | None = DEFAULT_VALID_FROM,
        valid_until: datetime | None = None,
        awarded: datetime | None = None,
        status: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An unsigned OB 3.0 ``OpenBadgeCredential`` for ``email`` and/or ``did``."""
        if email is None and did is None:
            raise ValueError("a credential needs a recipient: email or did")
        subject: dict[str, Any] = {"type": ["AchievementSubject"]}
        if did is not None:
            subject["id"] = did
        if email is not None:
            subject["identifier"] = [
                make_identity_object(email, salt="pepper-" + uuid.uuid4().hex[:8])
                if salted
                else {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": identity_hash(email.strip().lower(), None),
                    "identityType": "emailAddress",
                }
            ]
        achievement: dict[str, Any] = {
            "id": achievement_id,
            "type": ["Achievement"],
            "name": achievement_name,
            "description": f"{achievement_name} ({self.name}).",
            "criteria": {"narrative": "Formation suivie et évaluation réussie."},
        }
        if alignments:
            achievement["alignment"] = [dict(a) for a in alignments]
        subject["achievement"] = achievement
        document: dict[str, Any] = {
            "@context": [VC_V2, OB_V3],
            "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": self.did, "type": ["Profile"], "name": self.name},
            "name": achievement_name,
            "credentialSubject": subject,
        }
        if valid_from is not None:
            document["validFrom"] = iso(valid_from)
        if valid_until is not None:
            document["validUntil"] = iso(valid_until)
        if awarded is not None:
            document["awardedDate"] = iso(awarded)
        if status is not None:
            document["credentialStatus"] = dict(status)
        return document

    def sign(self, credential: Mapping[str, Any]) -> dict[str, Any]:
        """The credential with an eddsa-rdfc-2022 Data Integrity proof."""
        return di.add_proof(credential, self.key, created=SIGNED_AT)

    def signed_json(self, credential: Mapping[str, Any]) -> str:
        return json.dumps(self.sign(credential), ensure_ascii=False)

    def signed_jwt(self, credential: Mapping[str, Any]) -> str:
        """The credential as a compact VC-JWT (EdDSA, ``kid`` = the did:key method)."""
        return sign_vc_jwt(credential, self.key)

    def status_entry(self, url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
        """A ``BitstringStatusListEntry`` pointing at the list published at ``url``."""
        return {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": url,
        }

    def status_list(
        self, url: str, *, purpose: str = "revocation", revoked: Iterable[int] = ()
    ) -> dict[str, Any]:
        """The signed ``BitstringStatusListCredential`` to serve at ``url``; bits in
        ``revoked`` are set (revoked, or suspended for a suspension list)."""
        bits = statuslist.Bitstring()
        for index in revoked:
            bits.set(index, 1)
        return self.sign(
            {
                "@context": [VC_V2],
                "id": url,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": self.did,
                "validFrom": "2024-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": f"{url}#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": purpose,
                    "encodedList": statuslist.encode(bits),
                },
            }
        )


# --------------------------------------------------------------------------- inbox items


def json_item(
    payload: str | Mapping[str, Any],
    *,
    email: str | None = None,
    did: str | None = None,
    reference: str | None = None,
) -> InboxItem:
    """A JSON badge as delivered, for the envelope recipient ``email`` or ``did``."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return InboxItem("json", text, *_recipient(email, did), reference)


def jwt_item(
    token: str, *, email: str | None = None, did: str | None = None, reference: str | None = None
) -> InboxItem:
    return InboxItem("jwt", token, *_recipient(email, did), reference)


def url_item(
    url: str, *, email: str | None = None, did: str | None = None, reference: str | None = None
) -> InboxItem:
    return InboxItem("url", url, *_recipient(email, did), reference)


def image_item(
    payload: str,
    *,
    email: str | None = None,
    did: str | None = None,
    reference: str | None = None,
) -> InboxItem:
    """``payload`` (JSON text or JWT) baked in a PNG, delivered as base64."""
    encoded = base64.b64encode(baked_png(payload)).decode("ascii")
    return InboxItem("image", encoded, *_recipient(email, did), reference)


def _recipient(email: str | None, did: str | None) -> tuple[Any, str | None]:
    if email is not None:
        return "email", email
    if did is not None:
        return "did", did
    return None, None


def baked_png(payload: str) -> bytes:
    """A one-pixel PNG with ``payload`` baked in (OB 3.0 ``openbadgecredential`` iTXt chunk)."""
    return baking.bake(_minimal_png(), payload)


def _minimal_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x7f"))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- OB 2.0


@dataclass
class Ob2HostedIssuer:
    """An OB 2.0 issuer hosting its Profile, BadgeClasses and Assertions under ``base``.

    ``documents`` maps a URL path to the JSON to serve there (put them in a
    ``LocalServer``'s routes). Hosted verification requires the Assertion's URL to be
    on the issuer Profile's host, which holds by construction.
    """

    base: str
    name: str = "Organisme OB 2.0"
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def issuer_url(self) -> str:
        return f"{self.base}/ob2/issuer.json"

    def __post_init__(self) -> None:
        self.documents["/ob2/issuer.json"] = {
            "@context": OB_V2,
            "type": "Issuer",
            "id": self.issuer_url,
            "name": self.name,
            "url": self.base,
            "email": "contact@organisme.example",
        }

    def badge_class(
        self,
        slug: str,
        *,
        name: str = "Habilitation électrique",
        alignments: Sequence[Mapping[str, Any]] = (),
    ) -> str:
        """Publish a BadgeClass (OB 2.0 ``alignment``: targetName/targetUrl/targetCode)."""
        url = f"{self.base}/ob2/badges/{slug}.json"
        document: dict[str, Any] = {
            "@context": OB_V2,
            "type": "BadgeClass",
            "id": url,
            "name": name,
            "description": f"{name} ({self.name}).",
            "image": f"{self.base}/ob2/badges/{slug}.png",
            "criteria": {"narrative": "Évaluation réussie."},
            "issuer": self.issuer_url,
        }
        if alignments:
            document["alignment"] = [
                {k: v for k, v in a.items() if k != "type"} for a in alignments
            ]
        self.documents[f"/ob2/badges/{slug}.json"] = document
        return url

    def assertion(
        self,
        badge_url: str,
        *,
        email: str,
        number: int | None = None,
        issued_on: datetime = DEFAULT_VALID_FROM,
        expires: datetime | None = None,
    ) -> str:
        """Publish a hosted Assertion for ``email`` (salted hash); return its URL."""
        number = number if number is not None else len(self.documents)
        url = f"{self.base}/ob2/assertions/{number}.json"
        salt = "sel-" + uuid.uuid4().hex[:8]
        document: dict[str, Any] = {
            "@context": OB_V2,
            "type": "Assertion",
            "id": url,
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": salt,
                "identity": identity_hash(email.strip().lower(), salt),
            },
            "badge": badge_url,
            "issuedOn": iso(issued_on),
            "verification": {"type": "hosted"},
        }
        if expires is not None:
            document["expires"] = iso(expires)
        self.documents[f"/ob2/assertions/{number}.json"] = document
        return url
