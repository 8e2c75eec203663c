"""VC-API rules: what ``/credentials/issue`` accepts, how verification is reported.

Issue
    The credential may be VCDM 2.0 or 1.1 and must meet the VC Data Model rules
    (:mod:`verify.vcdm`: contexts, types, issuer, typed objects, names, validity period,
    related resources). It must not carry a ``proof`` (this instance is configured to
    refuse existing proofs, one of the behaviours the VC-API allows). A plain credential
    keeps the ``credentialStatus`` entries it brings (this service adds its own after
    them) and the issuer object it names; an Open Badge may bring no status entry (its
    schema allows one: this service's) and shows the issuer Profile this service holds
    (the caller's object is replaced). The issuer is
    ``options.issuer`` (obhub extension), else the credential's ``issuer`` (which must be
    the DID of an issuer of this service), else the client's own issuer, else the
    Region; the client must be allowed to act for it, and a credential naming another
    issuer is refused (400, as the VC-API specifies). Missing ``issuer`` is filled with
    the issuer's DID; a VCDM 1.1 credential gets ``issuanceDate`` (required there) and
    the Data Integrity and Bitstring Status List contexts (the 1.1 context defines
    neither); an Open Badge gets ``validFrom`` if it has none. Open Badges get one status
    entry (revocation: the OB 3.0 schema allows only one) and must pass the OB 3.0
    schema; other credentials get revocation and suspension entries. Signing is
    ``eddsa-rdfc-2022`` in JSON-LD safe mode; a document that cannot be signed safely
    (undefined terms, unknown contexts) is the caller's error: 400.

Verify
    The obhub verification pipeline runs with no network access: keys resolve through
    did:key / did:jwk and the DID documents of this service's own issuers, status lists
    through this service's own published lists (read from the database). Anything else
    is "could not check". The VC-API result lists the checks performed, the errors (one
    line per failed check) and warnings; ``details`` carries obhub's full per-check
    report. ``options.checks`` limits the verdict to the checks named (plus parsing,
    JSON-LD safety and the VC Data Model rules, which every verdict needs). A credential
    is a JSON object or a VC-JWT: JSON sent as a string is refused (400).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api import verification
from issuer_api.achievements import service as achievements
from issuer_api.auth.deps import AuthenticatedClient, ensure_can_act_for
from issuer_api.credentials import flows, repository
from issuer_api.credentials import service as credentials
from issuer_api.errors import ApiError
from issuer_api.issuers import service as issuers
from issuer_api.issuers.service import IssuerNotFoundError
from issuer_api.models import IssuedCredential, Issuer
from issuer_api.models.base import new_id
from issuer_api.settings import Settings
from issuer_api.statuslists import service as statuslists
from issuer_api.statuslists.service import Purpose, Slot, StatusListCache
from issuer_api.vcapi.schemas import (
    CheckDetail,
    IssueOptions,
    StatusItem,
    StatusTarget,
    UpdateStatusRequest,
    VerificationResult,
)
from obcore import contexts, did, jsontext
from obcore.errors import ObcoreError, ResolutionError
from obcore.model import node_id, parse_datetime, type_names
from obcore.proofs import dataintegrity as di
from obcore.proofs import vcjwt
from obcore.resolve import LocalResolver
from obcore.schema import validate_credential
from verify import vcdm
from verify.messages import Lang
from verify.pipeline import VerifyOptions, verify
from verify.report import Check, Report

STATUS_CONTEXT: Final = "https://www.w3.org/ns/credentials/status/v1"
OB_TYPES: Final = frozenset({"OpenBadgeCredential", "AchievementCredential"})
STATUS_TYPES: Final = frozenset(
    {
        "BitstringStatusListEntry",
        "BitstringStatusList",
        "BitstringStatusListCredential",
        "StatusList2021Entry",
        "StatusList2021Credential",
    }
)
ENVELOPED_JWT_PREFIXES: Final = ("data:application/vc+jwt,", "data:application/jwt,")
MAX_DIDS: Final = 32
MAX_STATUS_LISTS: Final = 32
STRUCTURAL_CHECKS: Final = frozenset({"parse", "contexts", "safe_mode"})
CHECK_ALIASES: Final[dict[str, frozenset[str]]] = {
    "proof": frozenset({"proof", "issuer"}),
    "status": frozenset({"status"}),
    "credentialstatus": frozenset({"status"}),
    "expiration": frozenset({"validity"}),
    "validity": frozenset({"validity"}),
    "validfrom": frozenset({"validity"}),
    "validuntil": frozenset({"validity"}),
    "issuancedate": frozenset({"validity"}),
    "expirationdate": frozenset({"validity"}),
    "schema": frozenset({"schema"}),
    "credentialschema": frozenset({"schema"}),
    "issuer": frozenset({"issuer"}),
    "recipient": frozenset({"recipient"}),
}


class InvalidCredentialInputError(ApiError):
    """The credential sent to ``/credentials/issue`` cannot be issued as it is."""

    status_code = 400
    code = "invalid_credential"


class IssuerMismatchError(ApiError):
    status_code = 400
    code = "issuer_mismatch"


class OwnStatusListClaimedError(ApiError):
    """A caller's ``credentialStatus`` entry points at a status list this service holds:
    the credential's status would follow another credential's bit."""

    status_code = 400
    code = "status_list_reserved"


class CredentialIdTakenError(ApiError):
    """This issuer already issued a credential with that ``id``: ids identify one credential."""

    status_code = 409
    code = "credential_id_taken"


class InvalidPresentationError(ApiError):
    status_code = 400
    code = "invalid_presentation"


class UnsupportedStatusTypeError(ApiError):
    status_code = 400
    code = "unsupported_status_type"


def _is_subject(value: Any) -> bool:
    """VCDM 2.0 §4.8: one or more (non-empty) objects."""
    if isinstance(value, Mapping):
        return bool(value)
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, Mapping) and bool(item) for item in value)
    )


def _invalid(reason: str, **details: Any) -> InvalidCredentialInputError:
    return InvalidCredentialInputError(details={"reason": reason, **details})


# --------------------------------------------------------------------------- issue


async def _issuer_for(
    session: AsyncSession,
    settings: Settings,
    client: AuthenticatedClient,
    named: str | None,
    options: IssueOptions,
) -> Issuer:
    if options.issuer is not None:
        ref = options.issuer
        if ref.startswith("did:"):
            return await issuers.get_issuer_by_did(session, settings, ref)
        return await issuers.get_issuer(session, ref)
    if named is not None:
        try:
            return await issuers.get_issuer_by_did(session, settings, named)
        except IssuerNotFoundError:
            raise IssuerMismatchError(details={"issuer": named[:200]}) from None
    if client.issuer_id is not None:
        return await issuers.get_issuer(session, client.issuer_id)
    return await issuers.get_issuer(session, issuers.REGION_SLUG)


def _prepare(document: dict[str, Any], issuer_did: str, now: datetime) -> tuple[bool, bool]:
    """Complete ``document`` in place; return (is VCDM 1.1, is an Open Badge)."""
    context = document.get("@context")
    if (
        not isinstance(context, list)
        or not context
        or context[0]
        not in (
            contexts.VC_V1,
            contexts.VC_V2,
        )
    ):
        raise _invalid("@context must be an array starting with the VC v2 (or v1) context")
    if "VerifiableCredential" not in type_names(document.get("type")):
        raise _invalid("type must include VerifiableCredential")
    if "proof" in document:
        raise _invalid("the credential already has a proof: send it unsigned")
    is_open_badge = bool(type_names(document.get("type")) & OB_TYPES)
    if "credentialStatus" in document and is_open_badge:
        # The OB 3.0 schema allows one status entry: this service's revocation entry.
        raise _invalid("credentialStatus is assigned by this service: leave it out")
    if not _is_subject(document.get("credentialSubject")):
        raise _invalid("credentialSubject must be an object, or a non-empty array of objects")
    named = node_id(document.get("issuer"))
    if named is None:
        raise _invalid("issuer is required: a URL, or an object with an id")
    if named != issuer_did:
        raise IssuerMismatchError(details={"issuer": str(named)[:200], "expected": issuer_did})
    found = vcdm.violations(document)
    if found:
        raise InvalidCredentialInputError(
            details={"reason": found[0].detail, "rule": found[0].code}
        )
    legacy = context[0] == contexts.VC_V1
    stamp = di.format_datetime(now)
    if legacy:
        for extra in (contexts.DATA_INTEGRITY_V2, STATUS_CONTEXT):
            if extra not in context:
                context.append(extra)
        document.setdefault("issuanceDate", stamp)
    elif is_open_badge:
        document.setdefault("validFrom", stamp)
    return legacy, is_open_badge


def _window(document: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    def parsed(*names: str) -> datetime | None:
        for name in names:
            value = document.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise _invalid(f"{name} must be a date-time string")
            try:
                return parse_datetime(value)
            except ValueError:
                raise _invalid(f"{name} is not a valid date-time") from None
        return None

    return parsed("validFrom", "issuanceDate"), parsed("validUntil", "expirationDate")


_EMAIL_LIKE: Final = re.compile(r"^(mailto:)?[^@\s/:]+@[^@\s/]+$", re.IGNORECASE)


def _refuse_plaintext_emails(document: Mapping[str, Any]) -> None:
    """Recipient emails are personal data: only salted hashes are stored or signed here."""
    subject = document.get("credentialSubject")
    for item in subject if isinstance(subject, list) else [subject]:
        if not isinstance(item, Mapping):
            continue
        subject_id = item.get("id")
        if isinstance(subject_id, str) and _EMAIL_LIKE.match(subject_id.strip()):
            raise _invalid(
                "a recipient email must be a hashed IdentityObject (identifier), never an id"
            )
        identifiers = item.get("identifier")
        for ident in identifiers if isinstance(identifiers, list) else [identifiers]:
            if (
                isinstance(ident, Mapping)
                and ident.get("identityType") in ("emailAddress", "email")
                and ident.get("hashed") is not True
            ):
                raise _invalid("a recipient email identifier must be hashed (hashed: true)")


async def _check_attribution(
    session: AsyncSession, settings: Settings, issuer: Issuer, document: Mapping[str, Any]
) -> None:
    """An issuer may not present another issuer's achievement (or creator) as its own."""
    issuer_did = issuers.issuer_did(issuer, settings)
    subject = document.get("credentialSubject")
    for item in subject if isinstance(subject, list) else [subject]:
        achievement = item.get("achievement") if isinstance(item, Mapping) else None
        if not isinstance(achievement, Mapping):
            continue
        achievement_id = achievement.get("id")
        if isinstance(achievement_id, str) and "/achievements/" in achievement_id:
            try:
                version = await achievements.resolve_version(session, achievement_id)
            except ApiError:
                version = None  # not one of ours: an external achievement
            if version is not None and version.achievement.issuer_id != issuer.id:
                raise credentials.AchievementOfAnotherIssuerError()
        creator = achievement.get("creator")
        creator_id = creator.get("id") if isinstance(creator, Mapping) else creator
        if isinstance(creator_id, str) and creator_id != issuer_did:
            try:
                await issuers.get_issuer_by_did(session, settings, creator_id)
            except IssuerNotFoundError:
                continue  # an outside creator is allowed (OB 3.0 creator may differ)
            raise _invalid("the achievement's creator is another issuer of this service")


def _recipient(document: Mapping[str, Any]) -> tuple[str, str | None]:
    subject = document.get("credentialSubject")
    first = subject[0] if isinstance(subject, list) and subject else subject
    subject_id = first.get("id") if isinstance(first, Mapping) else None
    if isinstance(subject_id, str) and subject_id:
        return ("did" if did.is_did(subject_id) else "id"), subject_id[:300]
    return "none", None


def _check_open_badge(document: Mapping[str, Any]) -> None:
    result = validate_credential(document)
    if result.applicable and not result.valid:
        raise InvalidCredentialInputError(
            code="schema_invalid",
            details={
                "schema": result.schema_id,
                "issues": [{"path": i.path, "message": i.message} for i in result.issues],
            },
        )


async def _refuse_own_status_lists(session: AsyncSession, given: Any) -> None:
    """The caller's own status entries (VCDM 2.0 §4.10) must not point at one of this
    service's lists: only the service assigns a bit of its lists, to one credential."""
    entries = given if isinstance(given, list) else [given]
    urls = {
        url[:2000]
        for entry in entries
        if isinstance(entry, Mapping)
        and isinstance(url := entry.get("statusListCredential"), str)
        and url
    }
    held = await statuslists.held_urls(session, urls)
    if held:
        raise OwnStatusListClaimedError(details={"statusListCredential": sorted(held)[0][:300]})


async def issue(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    client: AuthenticatedClient,
    *,
    credential: Mapping[str, Any],
    options: IssueOptions,
    base_url: str,
) -> IssuedCredential:
    """``POST /credentials/issue`` (see the module docstring)."""
    document = copy.deepcopy(dict(credential))
    issuer = await _issuer_for(session, settings, client, node_id(document.get("issuer")), options)
    ensure_can_act_for(client, issuer.id)
    issuer_did = issuers.issuer_did(issuer, settings)
    now = statuslists.now_utc()
    _, is_open_badge = _prepare(document, issuer_did, now)
    _refuse_plaintext_emails(document)
    await _check_attribution(session, settings, issuer, document)
    if is_open_badge and isinstance(document.get("issuer"), Mapping):
        # An Open Badge shows the Profile this service holds, not the caller's. A plain
        # VC keeps the issuer object it was given (VCDM 2.0 §4.7: the issuer's own words).
        document["issuer"] = issuers.profile_document(issuer, settings)
    valid_from, valid_until = _window(document)
    uri = document.get("id") if isinstance(document.get("id"), str) else options.credentialId
    if uri is not None and len(uri) > 500:
        raise _invalid("the credential id is longer than 500 characters")
    purposes: tuple[Purpose, ...] = (
        ("revocation",) if is_open_badge else ("revocation", "suspension")
    )
    await _refuse_own_status_lists(session, document.get("credentialStatus"))
    key = await issuers.active_signing_key(session, issuer, settings, kek)
    credential_id = new_id()

    def build(slots: Sequence[Slot]) -> dict[str, Any]:
        built = copy.deepcopy(document)
        given = built.get("credentialStatus")
        # VCDM 2.0 §4.10: the caller's own status entries are kept, this service's added.
        entries = [*(given if isinstance(given, list) else [given] if given else [])]
        entries.extend(slot.entry() for slot in slots)
        built["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        return built

    try:
        signed, slots = await flows.sign_with_status(
            session,
            issuer_id=issuer.id,
            credential_id=credential_id,
            base_url=base_url,
            base_is_configured=settings.public_base_url is not None,
            purposes=purposes,
            build=build,
            key=key,
            fmt="di",
            check=_check_open_badge if is_open_badge else None,
        )
    except ObcoreError as exc:  # the document cannot be signed safely: the caller's error
        raise InvalidCredentialInputError(
            code=exc.code, message_key="invalid_credential", details={"reason": exc.message[:500]}
        ) from None
    if uri is not None and any(
        found.issuer_id == issuer.id for found in await repository.by_uri(session, uri)
    ):
        raise CredentialIdTakenError(details={"id": uri})
    recipient_type, recipient = _recipient(document)
    row = flows.new_row(
        credential_id=credential_id,
        issuer_id=issuer.id,
        client_id=client.client_id,
        signed=signed,
        fmt="di",
        slots=slots,
        recipient_type=recipient_type,
        recipient=recipient,
        credential_uri=uri,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    await repository.insert(session, row)
    return row


# --------------------------------------------------------------------------- status


def _wanted(body: UpdateStatusRequest) -> list[tuple[Purpose, bool]]:
    """The (purpose, bit value) pairs the request sets."""
    status = body.credentialStatus
    if isinstance(status, StatusTarget):
        if status.type not in STATUS_TYPES:
            raise UnsupportedStatusTypeError(details={"type": status.type[:100]})
        if body.status is None:
            raise ApiError(
                code="invalid_request",
                status_code=400,
                details={"reason": "status (true or false) is required"},
            )
        return [(status.statusPurpose, body.status)]
    if body.status is not None:
        raise ApiError(
            code="invalid_request",
            status_code=400,
            details={"reason": "status applies to the object form of credentialStatus"},
        )
    pairs: list[tuple[Purpose, bool]] = []
    for item in status:
        pairs.append(_pair(item))
    return pairs


def _pair(item: StatusItem) -> tuple[Purpose, bool]:
    if item.type not in STATUS_TYPES:
        raise UnsupportedStatusTypeError(details={"type": item.type[:100]})
    if item.status == "revoked":
        return "revocation", True
    if item.status == "suspended":
        return "suspension", True
    return "suspension", False  # unsuspended / active


async def update_status(
    session: AsyncSession, client: AuthenticatedClient, body: UpdateStatusRequest
) -> IssuedCredential:
    """Set the status bits the request names. Setting a bit to the value it has is a no-op
    (the VC-API sets a state); clearing a revocation is refused (409 ``already_revoked``)."""
    credential = await flows.find_credential(session, client, body.credentialId)
    reason = body.reason or "VC-API status update"
    for purpose, value in _wanted(body):
        state = credentials.state_of(credential)
        if purpose == "revocation":
            if state == "revoked":
                if not value:
                    raise credentials.AlreadyRevokedError()
                continue
            if not value:
                continue
            action: credentials.Action = "revoke"
        else:
            if state == "revoked":
                raise credentials.AlreadyRevokedError()
            if credential.suspended == value:
                continue
            action = "suspend" if value else "unsuspend"
        credential = await credentials.change_status(
            session, credential, action, actor=client.client_id, reason=reason
        )
    return credential


# --------------------------------------------------------------------------- verify


def unwrap(value: Mapping[str, Any] | str) -> Mapping[str, Any] | str:
    """An ``EnvelopedVerifiableCredential`` holding a VC-JWT becomes the token."""
    if isinstance(value, Mapping) and "EnvelopedVerifiableCredential" in type_names(
        value.get("type")
    ):
        envelope_id = value.get("id")
        if isinstance(envelope_id, str):
            for prefix in ENVELOPED_JWT_PREFIXES:
                if envelope_id.startswith(prefix):
                    return envelope_id[len(prefix) :]
        raise InvalidCredentialInputError(
            code="unsupported_envelope",
            details={"reason": "only data:application/vc+jwt envelopes are supported"},
        )
    return value


def _is_compact_jws(value: str) -> bool:
    """Three dot-separated parts, none of them JSON text (RFC 7515 §7.1)."""
    return value.count(".") == 2 and not value.lstrip().startswith(("{", "["))


def refuse_json_text(value: Mapping[str, Any] | str) -> None:
    """VC-API: a secured credential is a JSON object, or a VC-JWT (a compact JWS string).

    A JSON credential sent as text is not one (vc-di-eddsa §3.3: "If ... securedDocument is
    not a map ..., an error MUST be raised"); it is refused, never parsed.
    """
    if isinstance(value, str) and not _is_compact_jws(value):
        raise InvalidCredentialInputError(
            code="invalid_credential",
            details={"reason": "a credential is a JSON object, or a VC-JWT string"},
        )


def data_model_errors(value: Mapping[str, Any] | str) -> list[str]:
    """The VCDM 2.0 rules (:mod:`verify.vcdm`) the credential breaks, as result errors.

    They count whatever ``options.checks`` names: they say the document is not a
    verifiable credential at all, which no choice of checks can make acceptable.
    """
    in_jwt = isinstance(value, str)
    errors: list[str] = []
    for document in _documents_of(value) if in_jwt else [value]:
        if isinstance(document, Mapping):
            found = vcdm.violations(document, in_jwt=in_jwt)
            errors.extend(f"data_model: {v.code} ({v.detail})" for v in found)
    return errors


def with_data_model(
    result: VerificationResult, value: Mapping[str, Any] | str
) -> VerificationResult:
    """``result`` with the data model errors of ``value`` (not verified if there are any)."""
    errors = data_model_errors(value)
    if not errors:
        return result
    return result.model_copy(
        update={
            "verified": False,
            "checks": ["data_model", *result.checks],
            "errors": [*errors, *result.errors],
        }
    )


def _documents_of(value: Mapping[str, Any] | str) -> list[Any]:
    if isinstance(value, str):
        try:
            return [vcjwt.decode_unverified(value)]
        except ObcoreError:
            return []
    return [value]


def _strings(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 12:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value[:200]:
            yield from _strings(item, depth + 1)


def _status_urls(documents: Iterable[Any]) -> set[str]:
    """The status list URLs the documents name (at most :data:`MAX_STATUS_LISTS`)."""
    urls: set[str] = set()
    for document in documents:
        if not isinstance(document, Mapping):
            continue
        raw = document.get("credentialStatus")
        for entry in raw if isinstance(raw, list) else [raw]:
            if isinstance(entry, Mapping) and isinstance(entry.get("statusListCredential"), str):
                urls.add(entry["statusListCredential"][:2000])
            if len(urls) >= MAX_STATUS_LISTS:
                return urls
    return urls


@dataclass
class LocalWorld:
    """What verification may know without the network: our DIDs and our status lists."""

    did_documents: dict[str, dict[str, Any]]
    status_lists: dict[str, dict[str, Any]]

    def resolver(self) -> LocalResolver:
        return LocalResolver(documents=self.did_documents.get)

    def status_source(self, url: str) -> Mapping[str, Any]:
        found = self.status_lists.get(url)
        if found is None:
            raise ResolutionError(
                f"status list {url[:200]} is not published by this service (no network access)",
                code="status_list_not_local",
            )
        return found

    def options(self) -> VerifyOptions:
        return VerifyOptions(resolver=self.resolver(), status_source=self.status_source)


async def local_world(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    cache: StatusListCache,
    inputs: Sequence[Mapping[str, Any] | str],
) -> LocalWorld:
    """Load the DID documents and status lists of this service that ``inputs`` refer to."""
    documents = [doc for item in inputs for doc in _documents_of(item)]
    lists = await statuslists.published_by_url(
        session, _status_urls(documents), settings, kek, cache
    )
    did_documents: dict[str, dict[str, Any]] = {}
    if issuers.uses_did_web(settings):
        candidates: set[str] = set()
        for text in _strings([*documents, *lists.values()]):
            if text.startswith("did:web:") and len(candidates) < MAX_DIDS:
                candidates.add(text.split("#", 1)[0])
        for candidate in sorted(candidates):
            try:
                issuer = await issuers.get_issuer_by_did(session, settings, candidate)
            except IssuerNotFoundError:
                continue
            did_documents[candidate] = issuers.did_document(issuer, settings)
    return LocalWorld(did_documents, lists)


async def run_pipeline(data: Mapping[str, Any] | str, world: LocalWorld) -> Report:
    """The pipeline over what ``world`` holds (memory only, nothing to wait for): on the
    event loop for a small input, in a worker thread for a large one."""
    payload: Mapping[str, Any] | str = dict(data) if isinstance(data, Mapping) else data

    def attempt(inline: bool) -> Report:
        return verify(payload, verification.attempt_options(world.options(), inline))

    return await verification.run_verification(attempt, _size(payload))


def _size(payload: Mapping[str, Any] | str) -> int:
    if isinstance(payload, str):
        return len(payload)
    size = jsontext.compact_size(payload)
    # what cannot be written is judged by the pipeline, off the loop
    return size if size is not None else verification.INLINE_MAX_BYTES + 1


def _selected(requested: Sequence[str] | None) -> tuple[frozenset[str] | None, list[str]]:
    """The pipeline checks that decide the verdict, and warnings for unknown names."""
    if not requested:
        return None, []
    chosen: set[str] = set(STRUCTURAL_CHECKS)
    warnings: list[str] = []
    for name in requested:
        mapped = CHECK_ALIASES.get(name.lower())
        if mapped is None:
            warnings.append(f"unknown check {name[:50]!r} ignored")
        else:
            chosen |= mapped
    return frozenset(chosen), warnings


def result_of(
    report: Report, requested: Sequence[str] | None, lang: Lang, *, details: bool = True
) -> VerificationResult:
    """The VC-API view of an obhub report."""
    decisive, warnings = _selected(requested)

    def counts(check: Check) -> bool:
        if check.id == "endorsements":
            return False
        return decisive is None or check.id in decisive

    performed = [c for c in report.checks if c.status != "skipped"]
    errors = [
        f"{c.id}: {c.code}" + (f" ({c.detail})" if c.detail else "")
        for c in performed
        if c.status in ("invalid", "indeterminate") and counts(c)
    ]
    warnings.extend(report.notices)
    warnings.extend(
        f"{c.id}: {c.code}"
        for c in performed
        if c.status in ("invalid", "indeterminate") and not counts(c)
    )
    return VerificationResult(
        verified=not errors and bool(performed),
        checks=[c.id for c in performed if counts(c)],
        warnings=warnings,
        errors=errors,
        details=[CheckDetail.model_validate(c.to_dict(lang)) for c in report.checks]
        if details
        else None,
    )


def failed(reason: str) -> VerificationResult:
    return VerificationResult(verified=False, checks=[], warnings=[], errors=[reason])


def verify_presentation_proof(
    presentation: Mapping[str, Any],
    world: LocalWorld,
    challenge: str | None,
    domain: str | None,
) -> VerificationResult:
    """The presentation's own Data Integrity proof(s): signature, challenge, domain, holder."""
    proofs = presentation.get("proof")
    if proofs is None:
        warnings = ["the presentation has no proof (holder not authenticated)"]
        if challenge is not None:
            return VerificationResult(
                verified=False,
                checks=["proof"],
                warnings=warnings,
                errors=["proof: challenge given but the presentation has no proof"],
            )
        return VerificationResult(verified=True, checks=[], warnings=warnings, errors=[])
    errors: list[str] = []
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if not isinstance(proof, Mapping):
            errors.append("proof: malformed_proof")
            continue
        if challenge is not None and proof.get("challenge") != challenge:
            errors.append("proof: challenge_mismatch")
        if domain is not None and proof.get("domain") != domain:
            errors.append("proof: domain_mismatch")
    checks = di.verify_document(presentation, world.resolver(), expected_purpose="authentication")
    verdict = di.overall(checks)
    if verdict != "valid":
        failing = next((c for c in checks if c.status != "valid"), None)
        errors.append(f"proof: {failing.code if failing else 'unsupported_proof_type'}")
    holder = node_id(presentation.get("holder"))
    if holder is not None and verdict == "valid":
        controllers = {c.resolved.controller for c in checks if c.resolved is not None}
        if holder not in controllers:
            errors.append("holder: holder_key_mismatch")
    return VerificationResult(
        verified=not errors,
        checks=["proof", "holder"] if holder is not None else ["proof"],
        warnings=[],
        errors=errors,
    )


def presentation_credentials(presentation: Mapping[str, Any]) -> list[Mapping[str, Any] | str]:
    raw = presentation.get("verifiableCredential")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > 50:
        raise InvalidPresentationError(details={"reason": "more than 50 credentials"})
    out: list[Mapping[str, Any] | str] = []
    for item in items:
        if not isinstance(item, Mapping) and not (isinstance(item, str) and _is_compact_jws(item)):
            raise InvalidPresentationError(
                details={"reason": "verifiableCredential items must be objects or VC-JWTs"}
            )
        out.append(unwrap(item))
    return out


def check_presentation_shape(presentation: Mapping[str, Any]) -> None:
    context = presentation.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first not in (contexts.VC_V1, contexts.VC_V2):
        raise InvalidPresentationError(
            details={"reason": "@context must start with the VC v2 (or v1) context"}
        )
    if "VerifiablePresentation" not in type_names(presentation.get("type")):
        raise InvalidPresentationError(
            details={"reason": "type must include VerifiablePresentation"}
        )
