"""Issuers: profiles, identity (DIDs) and signing keys. Services flush; the request commits.

Identity
========

An issuer's OB 3.0 ``id`` is a DID, chosen by the deployment:

* **did:web** when ``OBHUB_PUBLIC_BASE_URL`` is set (production). The Region is the
  did:web of the base URL itself (``https://badges.normandie.fr`` →
  ``did:web:badges.normandie.fr``, document at ``/.well-known/did.json``, or at
  ``{base}/did.json`` when the base URL has a path); every other issuer is
  ``{region DID}:issuers:{slug}`` (document at ``{base}/issuers/{slug}/did.json``).
  Verification methods are ``{did}#key-<n>``. Keys can be rotated: the new key signs,
  retired keys stay in the document (``verificationMethod`` *and* ``assertionMethod``)
  so every credential they signed keeps verifying, and the identity never changes.
  P-256 and RSA keys (VC-JWT ES256/RS256) are published as ``JsonWebKey``.
* **did:key** when no public base URL is set (local development). The identity *is*
  the issuer's first key (Ed25519): ``did:key:z6Mk…``, verification method
  ``did:key:z6Mk…#z6Mk…``, document derived from the id, stable as long as that key
  exists (keys are never deleted). Such an identity cannot survive a key change, so
  **did:web is required for rotation to keep the identity**, and for P-256/RSA keys:
  both are refused here with ``did_web_required``.

Switching a deployment from did:key to did:web changes every issuer's id; credentials
already issued keep verifying (a did:key resolves itself), but they name the old id.

Keys are generated per issuer; the private part is sealed under the key-encryption key
(:mod:`obcore.keywrap`) and only unsealed to sign. Key changes are written to the
audit log.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import uuid
from collections import OrderedDict
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from issuer_api.audit import add_audit_event
from issuer_api.errors import ApiError
from issuer_api.issuers import repository
from issuer_api.issuers.schemas import (
    EXTRA_PROFILE_FIELDS,
    IssuerCreate,
    IssuerRecord,
    IssuerUpdate,
    KeyRecord,
    ProfileFields,
)
from issuer_api.models import Issuer, SigningKey
from issuer_api.models.base import utcnow
from issuer_api.region import store as region_store
from issuer_api.settings import Settings
from obcore import contexts, did, keywrap
from obcore.errors import ObcoreError
from obcore.keys import JWS_ALG, KEY_TYPES, KeyPair, KeyType, PublicKey

logger = logging.getLogger(__name__)

REGION_SLUG: Final = "region"
RESERVED_SLUGS: Final = frozenset({REGION_SLUG})

SYSTEM_ACTOR: Final = "system"
PROFILE_CONTEXT: Final = (contexts.VC_V2, contexts.OB_V3)


# --------------------------------------------------------------------------- errors


class IssuerNotFoundError(ApiError):
    status_code = 404
    code = "issuer_not_found"


class IssuerSlugTakenError(ApiError):
    status_code = 409
    code = "issuer_slug_taken"


class DidWebRequiredError(ApiError):
    """The operation (rotation, P-256/RSA keys) needs a did:web identity."""

    status_code = 409
    code = "did_web_required"


class DidDocumentNotFoundError(ApiError):
    status_code = 404
    code = "did_document_not_found"


class IssuerHasNoKeyError(ApiError):
    status_code = 409
    code = "issuer_has_no_key"


class SigningKeyUnavailableError(ApiError):
    """A sealed key cannot be opened: another KEK, or altered data. An operator problem."""

    status_code = 500
    code = "signing_key_unavailable"


class UnsupportedKeyTypeError(ApiError):
    status_code = 422
    code = "unsupported_key_type"


class ConcurrentUpdateError(ApiError):
    status_code = 409
    code = "concurrent_update"


# --------------------------------------------------------------------------- URLs and DIDs


def public_base_url(settings: Settings) -> str | None:
    """``OBHUB_PUBLIC_BASE_URL`` without a trailing slash, or None (local development)."""
    if settings.public_base_url is None:
        return None
    return str(settings.public_base_url).rstrip("/")


def local_base_url(settings: Settings) -> str:
    """Where the service answers without a public base URL (``obhub serve``'s address)."""
    return str(settings.local_base_url).rstrip("/")


def base_url(settings: Settings) -> str:
    """The base of the URLs obhub mints outside a request (jobs, achievement ids): the
    public base URL, or the address the service listens on (:func:`local_base_url`)."""
    return public_base_url(settings) or local_base_url(settings)


def uses_did_web(settings: Settings) -> bool:
    return settings.public_base_url is not None


def _ordered_keys(issuer: Issuer) -> list[SigningKey]:
    return sorted(issuer.keys, key=lambda key: key.number)


def identity_key(issuer: Issuer) -> SigningKey:
    """The issuer's first key: its identity under did:key."""
    keys = _ordered_keys(issuer)
    if not keys:
        raise IssuerHasNoKeyError(details={"issuer": issuer.slug})
    return keys[0]


def public_key(key: SigningKey) -> PublicKey:
    return PublicKey.from_jwk(key.public_jwk)


def region_did(settings: Settings) -> str | None:
    """The Region's did:web, or None without a public base URL."""
    base = public_base_url(settings)
    return did.did_web_for_url(base) if base is not None else None


def issuer_did(issuer: Issuer, settings: Settings) -> str:
    """The issuer's OB 3.0 id: its did:web, or the did:key of its first key (see module doc)."""
    root = region_did(settings)
    if root is None:
        return _did_key_of(json.dumps(identity_key(issuer).public_jwk, sort_keys=True))
    return root if issuer.is_region else f"{root}:issuers:{issuer.slug}"


@functools.lru_cache(maxsize=256)
def _did_key_of(public_jwk: str) -> str:
    """The did:key of a public JWK (as sorted JSON): a pure function, asked several times
    for every credential issued under did:key (key import and multibase each time)."""
    return did.did_key_for(PublicKey.from_jwk(json.loads(public_jwk)))


def verification_method_id(issuer: Issuer, key: SigningKey, settings: Settings) -> str | None:
    """``{did}#key-<n>`` under did:web; under did:key the first key's ``did:key:z…#z…``
    (None for any other key: it has no place in a did:key document)."""
    issuer_id = issuer_did(issuer, settings)
    if uses_did_web(settings):
        return f"{issuer_id}#{key.fragment}"
    if key.id != identity_key(issuer).id:
        return None
    return f"{issuer_id}#{issuer_id.removeprefix('did:key:')}"


def profile_url(issuer: Issuer, settings: Settings) -> str:
    return f"{base_url(settings)}/issuers/{issuer.slug}"


def did_document_url(issuer: Issuer, settings: Settings) -> str | None:
    """Where obhub serves the issuer's did:web document (None under did:key).

    did:web maps a DID without a path to ``/.well-known/did.json`` and one with a path
    to ``{path}/did.json``: the Region's document moves to ``{base}/did.json`` when the
    public base URL has a path (obhub mounted behind a reverse proxy prefix).
    """
    base = public_base_url(settings)
    if base is None:
        return None
    if not issuer.is_region:
        return f"{base}/issuers/{issuer.slug}/did.json"
    has_path = urlsplit(base).path.strip("/") != ""
    return f"{base}/did.json" if has_path else f"{base}/.well-known/did.json"


# --------------------------------------------------------------------------- documents


def profile_document(issuer: Issuer, settings: Settings) -> dict[str, Any]:
    """The OB 3.0 Profile embedded as ``issuer`` in credentials (no ``@context``)."""
    document: dict[str, Any] = {
        "id": issuer_did(issuer, settings),
        "type": ["Profile"],
        "name": issuer.name,
    }
    for field in ("url", "email", "description"):
        value = getattr(issuer, field)
        if value:
            document[field] = value
    if issuer.image:
        document["image"] = {"id": issuer.image, "type": "Image"}
    for field in EXTRA_PROFILE_FIELDS:
        if field in issuer.extra:
            document[field] = issuer.extra[field]
    return document


def public_profile(issuer: Issuer, settings: Settings) -> dict[str, Any]:
    """The Profile as a standalone JSON-LD document (``GET /issuers/{slug}``)."""
    return {"@context": list(PROFILE_CONTEXT), **profile_document(issuer, settings)}


def _verification_method(vm_id: str, controller: str, key: SigningKey) -> dict[str, Any]:
    if key.key_type == "ed25519":
        return {
            "id": vm_id,
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": public_key(key).to_multibase(),
        }
    return {
        "id": vm_id,
        "type": "JsonWebKey",
        "controller": controller,
        "publicKeyJwk": key.public_jwk,
    }


def did_document(issuer: Issuer, settings: Settings) -> dict[str, Any]:
    """The issuer's DID document.

    did:web (a public base URL is set): every key, active or retired, may assert.
    did:key (none set): the document the did:key method derives from the issuer's
    first key, served so tools can fetch it like any other.
    """
    if not uses_did_web(settings):
        return did.resolve_did_key(issuer_did(issuer, settings))
    subject = issuer_did(issuer, settings)
    methods = [
        _verification_method(f"{subject}#{key.fragment}", subject, key)
        for key in _ordered_keys(issuer)
    ]
    context = [did.DID_CONTEXT, did.MULTIKEY_CONTEXT]
    if any(method["type"] == "JsonWebKey" for method in methods):
        context.append(did.JWK_CONTEXT)
    return {
        "@context": context,
        "id": subject,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


async def region_did_document(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    """``/.well-known/did.json``: the Region's document (did:web, or its did:key document)."""
    region = await repository.get_region(session)
    if region is None or not region.keys:
        raise DidDocumentNotFoundError()
    return did_document(region, settings)


async def issuer_did_document(
    session: AsyncSession, settings: Settings, ref: str
) -> dict[str, Any]:
    """``/issuers/{slug}/did.json``. The Region's document is not here but at the root."""
    issuer = await get_issuer(session, ref)
    document = did_document(issuer, settings)
    if issuer.is_region:
        url = did_document_url(issuer, settings)
        raise DidDocumentNotFoundError(details={"did": document["id"], "document_url": url})
    return document


async def jwks_document(session: AsyncSession, settings: Settings) -> dict[str, Any]:
    """Every issuer's published keys as a JWK Set; ``kid`` = verification method id."""
    pairs: list[tuple[str, PublicKey]] = []
    for issuer in await repository.all_issuers(session):
        for key in _ordered_keys(issuer):
            vm_id = verification_method_id(issuer, key, settings)
            if vm_id is not None:
                pairs.append((vm_id, public_key(key)))
    return did.jwks(pairs)


def key_record(issuer: Issuer, key: SigningKey, settings: Settings) -> KeyRecord:
    return KeyRecord(
        verification_method=verification_method_id(issuer, key, settings),
        key_type=_key_type(key.key_type),
        alg=JWS_ALG[_key_type(key.key_type)],
        status="retired" if key.status == "retired" else "active",
        public_jwk=key.public_jwk,
        created_at=key.created_at,
        retired_at=key.retired_at,
    )


def issuer_record(issuer: Issuer, settings: Settings) -> IssuerRecord:
    extra = issuer.extra
    return IssuerRecord(
        id=issuer.id,
        slug=issuer.slug,
        did=issuer_did(issuer, settings),
        is_region=issuer.is_region,
        profile_url=profile_url(issuer, settings),
        did_document_url=did_document_url(issuer, settings),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image=issuer.image,
        phone=extra.get("phone"),
        address=extra.get("address"),
        otherIdentifier=extra.get("otherIdentifier"),
        official=extra.get("official"),
        keys=[key_record(issuer, key, settings) for key in _ordered_keys(issuer)],
        created_at=issuer.created_at,
        updated_at=issuer.updated_at,
    )


def _key_type(value: str) -> KeyType:
    for key_type in KEY_TYPES:
        if key_type == value:
            return key_type
    raise UnsupportedKeyTypeError(details={"key_type": value[:20]})


# --------------------------------------------------------------------------- lookups


def _looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def get_issuer(session: AsyncSession, ref: str) -> Issuer:
    """The issuer whose internal id (UUID) or slug is ``ref``; 404 ``issuer_not_found``."""
    issuer: Issuer | None = None
    if len(ref) <= 64:
        if _looks_like_uuid(ref):
            issuer = await repository.get_by_id(session, ref)
        if issuer is None:
            issuer = await repository.get_by_slug(session, ref)
    if issuer is None:
        raise IssuerNotFoundError()
    return issuer


async def get_issuer_by_did(session: AsyncSession, settings: Settings, issuer_id: str) -> Issuer:
    """The issuer whose OB 3.0 id (its DID, as :func:`issuer_did` computes it) is
    ``issuer_id``; 404 ``issuer_not_found``."""
    for issuer in await repository.all_issuers(session):
        if (issuer.keys or uses_did_web(settings)) and issuer_did(issuer, settings) == issuer_id:
            return issuer
    raise IssuerNotFoundError()


async def list_issuers(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[Issuer], int]:
    return await repository.page(session, limit=limit, offset=offset)


# --------------------------------------------------------------------------- keys


async def _generate_key(number: int, key_type: KeyType, kek: bytes) -> SigningKey:
    # RSA generation takes tens of milliseconds or more: off the event loop.
    pair = await asyncio.to_thread(KeyPair.generate, key_type)
    return SigningKey(
        number=number,
        fragment=f"key-{number}",
        key_type=key_type,
        public_jwk=pair.public.to_jwk(),
        sealed_private=keywrap.seal_keypair(pair, kek),
        status="active",
    )


async def _refresh_keys(session: AsyncSession, issuer: Issuer) -> list[SigningKey]:
    """Lock the issuer and reload its keys (a concurrent request may have added one)."""
    await repository.lock(session, issuer.id)
    keys = await repository.keys_of(session, issuer.id)
    set_committed_value(issuer, "keys", keys)
    return keys


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request won the unique constraint
        raise ConcurrentUpdateError() from exc


_UNSEALED_MAX: Final = 64
_unsealed: OrderedDict[tuple[str, str, str, str, bytes], KeyPair] = OrderedDict()
"""Unsealed signing keys of this process, by key row and exact sealed envelope and KEK
fingerprint, least recently used evicted first. Unsealing (AES-GCM, key import, public
key comparison) ran for every credential; a key row's envelope never changes, and a
rotation makes another key active (another row), so what is cached is always the key the
database names. Never logged, never leaves the process."""


def _unseal(key: SigningKey, kek: bytes) -> KeyPair:
    envelope = key.sealed_private
    cache_key = (
        key.id,
        key.key_type,
        str(envelope.get("iv")),
        str(envelope.get("ciphertext")),
        hashlib.sha256(kek).digest(),
    )
    cached = _unsealed.get(cache_key)
    if cached is not None:
        _unsealed.move_to_end(cache_key)
        return cached
    try:
        pair = keywrap.unseal_keypair(envelope, kek)
    except ObcoreError as exc:
        logger.exception("cannot unseal a signing key", extra={"key": key.id, "code": exc.code})
        raise SigningKeyUnavailableError() from None
    if pair.type != key.key_type or pair.public.to_jwk() != key.public_jwk:
        logger.error("a sealed key does not match its public key", extra={"key": key.id})
        raise SigningKeyUnavailableError()
    _unsealed[cache_key] = pair
    while len(_unsealed) > _UNSEALED_MAX:
        _unsealed.popitem(last=False)
    return pair


def _active(issuer: Issuer, key_type: str) -> SigningKey | None:
    return next(
        (k for k in _ordered_keys(issuer) if k.key_type == key_type and k.status == "active"),
        None,
    )


async def active_signing_key(
    session: AsyncSession,
    issuer: Issuer,
    settings: Settings,
    kek: bytes,
    key_type: str = "ed25519",
) -> KeyPair:
    """The issuer's current signing key, unsealed, with ``.id`` = its verification method
    id and ``.controller`` = the issuer's DID.

    Under did:web the active key of ``key_type`` is created on first use (P-256 for
    ES256, RSA for RS256 VC-JWTs). Under did:key the only key is the identity key;
    asking for another type raises ``did_web_required``.
    """
    wanted = _key_type(key_type)
    if uses_did_web(settings):
        key = _active(issuer, wanted) or await _create_active_key(session, issuer, wanted, kek)
    else:
        key = identity_key(issuer)
        if key.key_type != wanted:
            raise DidWebRequiredError(details={"key_type": wanted})
    vm_id = verification_method_id(issuer, key, settings)
    return _unseal(key, kek).with_ids(vm_id, issuer_did(issuer, settings))


async def _create_active_key(
    session: AsyncSession, issuer: Issuer, key_type: KeyType, kek: bytes
) -> SigningKey:
    keys = await _refresh_keys(session, issuer)
    existing = _active(issuer, key_type)
    if existing is not None:  # created meanwhile by a concurrent request
        return existing
    key = await _generate_key(max((k.number for k in keys), default=0) + 1, key_type, kek)
    issuer.keys.append(key)
    await _flush(session)
    add_audit_event(
        session,
        actor=SYSTEM_ACTOR,
        action="issuer.key_created",
        target_type="issuer",
        target_id=issuer.id,
        data={"key_type": key_type, "fragment": key.fragment},
    )
    return key


async def rotate_key(
    session: AsyncSession,
    issuer: Issuer,
    settings: Settings,
    kek: bytes,
    key_type: KeyType,
    *,
    actor: str,
    reason: str | None = None,
) -> tuple[SigningKey, list[SigningKey]]:
    """Retire the active key of ``key_type`` (if any) and make a new one active.

    Retired keys stay published. Needs did:web (see the module docstring). Returns the
    new key and the keys retired.
    """
    if not uses_did_web(settings):
        raise DidWebRequiredError(details={"operation": "rotate"})
    keys = await _refresh_keys(session, issuer)
    now = utcnow()
    retired = [k for k in keys if k.key_type == key_type and k.status == "active"]
    for key in retired:
        key.status = "retired"
        key.retired_at = now
    await _flush(session)  # retire first: one active key per type
    new_key = await _generate_key(max((k.number for k in keys), default=0) + 1, key_type, kek)
    issuer.keys.append(new_key)
    await _flush(session)
    add_audit_event(
        session,
        actor=actor,
        action="issuer.key_rotated",
        target_type="issuer",
        target_id=issuer.id,
        reason=reason,
        data={
            "key_type": key_type,
            "active": verification_method_id(issuer, new_key, settings),
            "retired": [verification_method_id(issuer, k, settings) for k in retired],
        },
    )
    await session.flush()
    return new_key, retired


# --------------------------------------------------------------------------- profiles


def _extra_from(fields: ProfileFields, names: set[str], current: dict[str, Any]) -> dict[str, Any]:
    extra = dict(current)
    for name in EXTRA_PROFILE_FIELDS:
        if name not in names:
            continue
        value = getattr(fields, name)
        if value is None:
            extra.pop(name, None)
        elif name == "address":
            extra[name] = {"type": ["Address"], **value.model_dump(exclude_none=True)}
        elif name == "otherIdentifier":
            extra[name] = [
                {"type": "IdentifierEntry", **entry.model_dump(exclude_none=True)}
                for entry in value
            ]
        else:
            extra[name] = value
    return extra


async def create_issuer(
    session: AsyncSession, settings: Settings, kek: bytes, data: IssuerCreate, *, actor: str
) -> Issuer:
    """A new (partner) issuer with an Ed25519 key, plus any other key type asked for."""
    if data.slug in RESERVED_SLUGS or await repository.slug_exists(session, data.slug):
        raise IssuerSlugTakenError(details={"slug": data.slug})
    key_types: list[KeyType] = ["ed25519", *(t for t in data.key_types if t != "ed25519")]
    if len(set(key_types)) > 1 and not uses_did_web(settings):
        raise DidWebRequiredError(details={"key_types": list(dict.fromkeys(key_types))})
    issuer = Issuer(
        id=str(uuid.uuid4()),
        slug=data.slug,
        name=data.name,
        url=data.url,
        email=data.email,
        description=data.description,
        image=data.image,
        is_region=False,
        extra=_extra_from(data, data.model_fields_set, {}),
    )
    for number, key_type in enumerate(dict.fromkeys(key_types), start=1):
        issuer.keys.append(await _generate_key(number, key_type, kek))
    repository.add(session, issuer)
    await _flush(session)
    add_audit_event(
        session,
        actor=actor,
        action="issuer.created",
        target_type="issuer",
        target_id=issuer.id,
        data={"slug": issuer.slug, "key_types": list(dict.fromkeys(key_types))},
    )
    await session.flush()
    return issuer


async def update_issuer(
    session: AsyncSession, issuer: Issuer, data: IssuerUpdate, *, actor: str
) -> Issuer:
    """Change the fields sent; ``null`` clears one. The slug (part of the DID) is fixed."""
    sent = set(data.model_fields_set)
    if not sent:
        return issuer
    for name in ("name", "url", "email", "description", "image"):
        if name in sent:
            setattr(issuer, name, getattr(data, name))
    issuer.extra = _extra_from(data, sent, issuer.extra)
    issuer.updated_at = utcnow()
    add_audit_event(
        session,
        actor=actor,
        action="issuer.updated",
        target_type="issuer",
        target_id=issuer.id,
        data={"fields": sorted(sent)},
    )
    await _flush(session)
    return issuer


async def bootstrap_region(session: AsyncSession, settings: Settings, kek: bytes) -> Issuer:
    """Create the Region issuer (slug ``region``) with an Ed25519 key if it does not exist
    yet; idempotent (``obhub migrate`` runs it every time).

    Its name and website are the Region's identity at that moment (console, else
    configuration, else Région Normandie). An existing issuer is never renamed here: its
    profile is changed with ``PATCH /issuers/{id}`` (badges already issued keep the name
    they were signed with)."""
    region = await repository.get_region(session)
    if region is None:
        identity = await region_store.load(session, settings)
        if await repository.slug_exists(session, REGION_SLUG):
            raise IssuerSlugTakenError(details={"slug": REGION_SLUG})
        region = Issuer(
            id=str(uuid.uuid4()),
            slug=REGION_SLUG,
            name=identity.name,
            url=identity.website,
            is_region=True,
            extra={},
        )
        repository.add(session, region)
        add_audit_event(
            session,
            actor=SYSTEM_ACTOR,
            action="issuer.created",
            target_type="issuer",
            target_id=region.id,
            data={"slug": REGION_SLUG, "bootstrap": True},
        )
    if not region.keys:
        region.keys.append(await _generate_key(1, "ed25519", kek))
    await _flush(session)
    return region
