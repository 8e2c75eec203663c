"""Open Badges 2.0 Assertions: hosted and signed verification.

Specification: Open Badges v2.0 (IMS Final Release, ``ob_v2p0/index.md``),
§"HostedBadge Verification", §"SignedBadge Verification", §VerificationObject,
§RevocationList, §CryptographicKey; summarised in OB3-NOTES §7.

Every document comes from the :class:`~verify.sources.DocumentSource` the caller
injects (``VerifyOptions.documents``); nothing here does I/O of its own. Without a
source an OB 2.0 badge is ``indeterminate`` (``ob2_documents_unavailable``),
never valid: neither form can be trusted from its own bytes.

The report uses the OB 3.0 check ids where they apply:

* ``parse`` — the input form (``ob2-hosted`` / ``ob2-signed``, baked or not);
* ``contexts`` — the OB 2.0 context must be present; other (extension) contexts
  are reported with the notice ``ob2_unknown_context`` and not fetched: nothing is
  signed over a canonical form here, so an unknown context cannot hide a change;
* ``safe_mode``, ``schema``, ``refresh``, ``endorsements`` — ``skipped`` (OB 2.0
  has no 1EdTech JSON Schema bundled and no JSON-LD proof; endorsements of OB 2.0
  badges are separate documents, not followed);
* ``proof`` — hosted: the fetched copy is the badge (``ob2_hosted_verified``); the
  copy given must be equal to it (``ob2_hosted_mismatch``). Signed: the JWS (RS256,
  or ES256 with an EC P-256 key) verified with the key the issuer publishes;
* ``issuer`` — hosted: the Assertion ``id`` is within the issuer Profile's scope
  (same host, or its ``verification.allowedOrigins`` / ``startsWith``); signed: the
  key is listed in the Profile's ``publicKey`` and its ``owner`` is the Profile;
* ``status`` — hosted: ``410 Gone`` or ``revoked: true``; signed: the Profile's
  ``revocationList`` (``revokedAssertions`` by ``id`` or legacy ``uid``);
* ``validity`` — ``issuedOn`` (not in the future) and ``expires``;
* ``recipient`` — ``recipient`` IdentityObject (salted hash) when asked.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from obcore import contexts as ctx_mod
from obcore import identity as identity_mod
from obcore import jsonld
from obcore.errors import InvalidKeyError, MalformedInputError, ObcoreError, ResolutionError
from obcore.keys import PublicKey
from obcore.model import parse_datetime, type_names
from obcore.proofs.dataintegrity import format_datetime
from verify.report import Check, Report
from verify.sources import DocumentSource

if TYPE_CHECKING:
    from verify.pipeline import VerifyOptions

MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_TOKEN_BYTES = 4 * 1024 * 1024
MAX_KEYS_TRIED = 4
ACCEPT = "application/ld+json, application/json"
SIGNED_ALGS = {"RS256": "rsa", "ES256": "p256"}
_MIN_RSA_BITS = 2048
_MAX_RSA_BITS = 8192


# ---------------------------------------------------------------------------
# Recognising OB 2.0 input
# ---------------------------------------------------------------------------


def _contexts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_assertion(document: Mapping[str, Any]) -> bool:
    """An OB 2.0 Assertion: type ``Assertion`` or the OB 2.0 context, and no VC type."""
    types = type_names(document.get("type"))
    if "VerifiableCredential" in types or "VerifiablePresentation" in types:
        return False
    return "Assertion" in types or ctx_mod.OB_V2 in _contexts(document.get("@context"))


def _b64url(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedInputError("a JWS segment is not base64url", code="malformed_jwt") from exc


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise MalformedInputError(f"the JWS {what} is not JSON", code="malformed_jwt") from exc
    if not isinstance(value, dict):
        raise MalformedInputError(f"the JWS {what} is not a JSON object", code="malformed_jwt")
    return value


def peek_jws_payload(token: str) -> dict[str, Any] | None:
    """The decoded payload of a compact JWS, or None if it is not one (nothing verified)."""
    if len(token) > MAX_TOKEN_BYTES:
        return None
    parts = token.strip().split(".")
    if len(parts) != 3:
        return None
    try:
        return _json_object(_b64url(parts[1]), "payload")
    except MalformedInputError:
        return None


def is_ob2_jws(token: str) -> bool:
    payload = peek_jws_payload(token)
    return payload is not None and "vc" not in payload and is_assertion(payload)


# ---------------------------------------------------------------------------
# Fetching
# ---------------------------------------------------------------------------


class _FetchError(Exception):
    """A document could not be obtained (unreachable, not JSON, 404/410)."""

    def __init__(self, url: str, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.code = code
        self.message = message
        self.status = status


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass
class _Fetcher:
    documents: DocumentSource
    fetched: list[str] = field(default_factory=list)

    def get(self, url: str) -> tuple[int, dict[str, Any] | None]:
        """GET a JSON document: (status, object). 404/410 give (status, body-or-None)."""
        if not _is_http_url(url):
            raise _FetchError(str(url)[:200], "ob2_document_unavailable", "not an http(s) URL")
        self.fetched.append(url)
        try:
            answer = self.documents.get(url, accept=ACCEPT)
        except ResolutionError as exc:
            raise _FetchError(url, exc.code, exc.message) from exc
        if len(answer.body) > MAX_DOCUMENT_BYTES:
            raise _FetchError(url, "document_too_large", "the document is too large")
        body: dict[str, Any] | None = None
        try:
            value = json.loads(answer.body)
            if isinstance(value, dict):
                jsonld.check_bounds(value)
                body = value
        except (ValueError, RecursionError, ObcoreError):
            body = None
        if answer.status in (404, 410):
            return answer.status, body
        if answer.status >= 400:
            raise _FetchError(url, "fetch_status", f"HTTP {answer.status}", answer.status)
        if body is None:
            raise _FetchError(url, "ob2_document_malformed", "the document is not a JSON object")
        return answer.status, body

    def get_ok(self, url: str) -> dict[str, Any]:
        status, body = self.get(url)
        if status in (404, 410) or body is None:
            raise _FetchError(url, "ob2_document_unavailable", f"HTTP {status}", status)
        return body


# ---------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------


def _check_contexts(assertion: Mapping[str, Any], notices: list[str]) -> Check:
    contexts = _contexts(assertion.get("@context"))
    if ctx_mod.OB_V2 not in contexts:
        return Check(
            "contexts",
            "invalid",
            "ob2_missing_context",
            f"an OB 2.0 Assertion needs the {ctx_mod.OB_V2} context",
        )
    unknown = [c for c in contexts if isinstance(c, str) and not ctx_mod.is_known(c)]
    if unknown and "ob2_unknown_context" not in notices:
        notices.append("ob2_unknown_context")
    return Check(
        "contexts", "valid", "contexts_known", None, {"unknown": unknown[:5]} if unknown else {}
    )


def _check_validity(assertion: Mapping[str, Any], options: VerifyOptions) -> Check:
    now = options.current_time()
    skew = options.clock_skew
    issued_raw = assertion.get("issuedOn")
    expires_raw = assertion.get("expires")
    if not isinstance(issued_raw, str):
        return Check("validity", "invalid", "invalid_date", "issuedOn is missing or not a string")
    if expires_raw is not None and not isinstance(expires_raw, str):
        return Check("validity", "invalid", "invalid_date", "expires is not a string")
    try:
        issued = parse_datetime(issued_raw)
        expires = parse_datetime(expires_raw) if isinstance(expires_raw, str) else None
    except ValueError as exc:
        return Check("validity", "invalid", "invalid_date", str(exc)[:200])
    data = {"now": format_datetime(now)}
    if now + skew < issued:
        detail = f"issued on {format_datetime(issued)}"
        return Check("validity", "invalid", "not_yet_valid", detail, data)
    if expires is not None and now - skew > expires:
        detail = f"expired on {format_datetime(expires)}"
        return Check("validity", "invalid", "expired", detail, data)
    return Check("validity", "valid", "within_validity", None, data)


def _check_recipient(assertion: Mapping[str, Any], options: VerifyOptions) -> Check:
    wanted = options.recipients()
    if not wanted:
        return Check("recipient", "skipped", "recipient_not_checked")
    recipient = assertion.get("recipient")
    if isinstance(recipient, Mapping) and any(
        identity_mod.ob2_recipient_matches(recipient, value) for value in wanted
    ):
        return Check("recipient", "valid", "recipient_matches")
    return Check("recipient", "invalid", "recipient_mismatch")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _image(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def summarize(
    assertion: Mapping[str, Any],
    badge: Mapping[str, Any] | None,
    issuer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Badge, issuer, recipient and dates of an OB 2.0 Assertion (no verification)."""
    badge = badge or {}
    issuer = issuer or {}
    recipient = assertion.get("recipient")
    recipient = recipient if isinstance(recipient, Mapping) else {}
    criteria = badge.get("criteria")
    summary: dict[str, Any] = {
        "id": assertion.get("id"),
        "type": sorted(type_names(assertion.get("type"))),
        "name": _text(badge.get("name")),
        "description": _text(badge.get("description")),
        "image": _image(assertion.get("image")) or _image(badge.get("image")),
        "issuer": {
            k: v
            for k, v in {
                "id": issuer.get("id"),
                "name": _text(issuer.get("name")),
                "url": _text(issuer.get("url")),
                "image": _image(issuer.get("image")),
            }.items()
            if v is not None
        },
        "achievement": {
            k: v
            for k, v in {
                "id": badge.get("id"),
                "name": _text(badge.get("name")),
                "description": _text(badge.get("description")),
                "criteria": _text(criteria.get("narrative"))
                if isinstance(criteria, Mapping)
                else None,
            }.items()
            if v is not None
        },
        "recipient": {
            "identifiers": [
                {"identityType": recipient.get("type"), "hashed": recipient.get("hashed")}
            ]
        }
        if recipient
        else None,
        "validFrom": assertion.get("issuedOn"),
        "validUntil": assertion.get("expires"),
    }
    return {k: v for k, v in summary.items() if v not in (None, [], {})}


@dataclass
class _Linked:
    """The BadgeClass and issuer Profile an Assertion links to, as fetched."""

    badge: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None
    failure: Check | None = None


def _linked(assertion: Mapping[str, Any], fetcher: _Fetcher) -> _Linked:
    """Fetch the BadgeClass (if a URL) and always the issuer Profile (by its id)."""
    raw_badge = assertion.get("badge")
    try:
        if isinstance(raw_badge, str):
            badge = fetcher.get_ok(raw_badge)
            if badge.get("id") != raw_badge:
                return _Linked(
                    failure=Check(
                        "issuer",
                        "invalid",
                        "ob2_badge_mismatch",
                        f"the BadgeClass at {raw_badge} has another id",
                    )
                )
        elif isinstance(raw_badge, Mapping):
            badge = dict(raw_badge)
        else:
            return _Linked(
                failure=Check(
                    "issuer", "invalid", "ob2_badge_missing", "the Assertion has no badge"
                )
            )
        raw_issuer = badge.get("issuer")
        issuer_url = raw_issuer.get("id") if isinstance(raw_issuer, Mapping) else raw_issuer
        if not isinstance(issuer_url, str):
            return _Linked(
                badge,
                failure=Check(
                    "issuer", "invalid", "ob2_issuer_missing", "the BadgeClass names no issuer"
                ),
            )
        # The Profile is always taken from its own URL: an embedded copy (in a
        # signed payload or a BadgeClass) cannot vouch for its own keys and scope.
        issuer = fetcher.get_ok(issuer_url)
        if issuer.get("id") != issuer_url:
            return _Linked(
                badge,
                failure=Check(
                    "issuer",
                    "invalid",
                    "ob2_issuer_mismatch",
                    f"the Profile at {issuer_url} has another id",
                ),
            )
    except _FetchError as exc:
        return _Linked(
            failure=Check(
                "issuer",
                "indeterminate",
                "ob2_document_unavailable",
                f"{exc.url}: {exc.message}",
                {"url": exc.url, "reason": exc.code},
            )
        )
    return _Linked(badge, issuer)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _check_scope(assertion_id: str, issuer: Mapping[str, Any]) -> Check:
    """The Assertion id must be within the issuer Profile's hosted-verification scope."""
    verification = issuer.get("verification")
    verification = verification if isinstance(verification, Mapping) else {}
    starts = [s for s in _as_list(verification.get("startsWith")) if isinstance(s, str) and s]
    origins = [
        o.lower() for o in _as_list(verification.get("allowedOrigins")) if isinstance(o, str)
    ]
    data: dict[str, Any] = {"issuer": issuer.get("id"), "assertion": assertion_id}
    host = _host(assertion_id)
    if starts or origins:
        ok_start = not starts or any(assertion_id.startswith(s) for s in starts)
        ok_origin = not origins or host in origins
        ok = ok_start and ok_origin
        data["allowedOrigins"] = origins
        data["startsWith"] = starts
    else:
        issuer_id = issuer.get("id")
        ok = isinstance(issuer_id, str) and bool(host) and host == _host(issuer_id)
    if not ok:
        return Check(
            "issuer",
            "invalid",
            "ob2_origin_mismatch",
            f"{assertion_id} is outside the issuer's verification scope",
            data,
        )
    return Check("issuer", "valid", "ob2_issuer_verified", None, data)


def _skipped_checks() -> list[Check]:
    return [
        Check("safe_mode", "skipped", "ob2_not_applicable"),
        Check("schema", "skipped", "schema_not_applicable", "no JSON Schema applies to OB 2.0"),
    ]


def _report(
    fmt: str,
    assertion: Mapping[str, Any],
    options: VerifyOptions,
    notices: list[str],
    *,
    proof: Check,
    issuer: Check,
    status: Check,
    linked: _Linked | None = None,
    validity: Check | None = None,
    recipient: Check | None = None,
) -> Report:
    if proof.status != "valid":
        # Nothing in a copy that could not be authenticated is trusted: its
        # context, dates and recipient are not judged (the proof check decides).
        contexts = Check("contexts", "skipped", proof.code)
        validity = validity or Check("validity", "skipped", proof.code)
        recipient = recipient or Check("recipient", "skipped", proof.code)
    else:
        contexts = _check_contexts(assertion, notices)
    checks = [
        Check("parse", "valid", "parsed", None, {"format": fmt}),
        contexts,
        *_skipped_checks(),
        proof,
        issuer,
        Check("refresh", "skipped", "no_refresh_service"),
        status,
        validity or _check_validity(assertion, options),
        Check("endorsements", "skipped", "no_endorsements"),
        recipient or _check_recipient(assertion, options),
    ]
    badge = linked.badge if linked else None
    if badge is None and isinstance(assertion.get("badge"), Mapping):
        badge = dict(assertion["badge"])
    return Report(
        fmt,
        checks,
        credential=dict(assertion),
        summary=summarize(assertion, badge, linked.issuer if linked else None),
        notices=notices,
    )


def _unavailable(fmt: str, assertion: Mapping[str, Any], options: VerifyOptions) -> Report:
    detail = "no document source is configured: OB 2.0 badges are verified online"
    return _report(
        fmt,
        assertion,
        options,
        [],
        proof=Check("proof", "indeterminate", "ob2_documents_unavailable", detail),
        issuer=Check("issuer", "skipped", "ob2_documents_unavailable"),
        status=Check("status", "indeterminate", "status_not_checked", detail),
    )


def _parse_failure(fmt: str, code: str, detail: str, document: Any = None) -> Report:
    credential = dict(document) if isinstance(document, Mapping) else None
    return Report(fmt, [Check("parse", "invalid", code, detail)], credential=credential)


# ---------------------------------------------------------------------------
# Hosted verification
# ---------------------------------------------------------------------------


def verify_hosted(
    given: Mapping[str, Any] | None,
    options: VerifyOptions,
    *,
    url: str | None = None,
    fmt: str = "ob2-hosted",
) -> Report:
    """Verify a hosted Assertion given as JSON (``given``) or as its URL (``url``)."""
    assertion_id = url if given is None else given.get("id")
    shown: Mapping[str, Any] = given if given is not None else {"id": url}
    if not isinstance(assertion_id, str) or not _is_http_url(assertion_id):
        return _report(
            fmt,
            shown,
            options,
            [],
            proof=Check(
                "proof",
                "invalid",
                "ob2_hosted_id_not_url",
                "a hosted Assertion's id must be its http(s) URL",
            ),
            issuer=Check("issuer", "skipped", "ob2_hosted_id_not_url"),
            status=Check("status", "indeterminate", "status_not_checked"),
        )
    if options.documents is None:
        return _unavailable(fmt, shown, options)
    fetcher = _Fetcher(options.documents)
    notices: list[str] = []
    try:
        status_code, fetched = fetcher.get(assertion_id)
    except _FetchError as exc:
        return _report(
            fmt,
            shown,
            options,
            notices,
            proof=Check(
                "proof",
                "indeterminate",
                "ob2_hosted_unreachable",
                exc.message,
                {"url": assertion_id, "reason": exc.code},
            ),
            issuer=Check("issuer", "skipped", "ob2_hosted_unreachable"),
            status=Check("status", "indeterminate", "status_not_checked"),
        )
    if status_code == 410:
        reason = fetched.get("revocationReason") if fetched else None
        data: dict[str, Any] = {"url": assertion_id, "httpStatus": 410}
        if isinstance(reason, str):
            data["revocationReason"] = reason
        return _report(
            fmt,
            fetched or shown,
            options,
            notices,
            proof=Check("proof", "skipped", "ob2_hosted_gone", None, {"url": assertion_id}),
            issuer=Check("issuer", "skipped", "ob2_hosted_gone"),
            status=Check("status", "invalid", "revoked", "410 Gone", data),
            validity=Check("validity", "skipped", "ob2_hosted_gone"),
        )
    if status_code == 404 or fetched is None:
        return _report(
            fmt,
            shown,
            options,
            notices,
            proof=Check(
                "proof",
                "invalid",
                "ob2_hosted_not_found",
                f"the issuer does not publish {assertion_id}",
                {"url": assertion_id},
            ),
            issuer=Check("issuer", "skipped", "ob2_hosted_not_found"),
            status=Check("status", "indeterminate", "status_not_checked"),
        )
    if fetched.get("id") != assertion_id or (given is not None and dict(given) != fetched):
        # Only the hosted copy counts; a different given copy was altered (or is stale).
        what = (
            "the hosted Assertion has another id"
            if fetched.get("id") != assertion_id
            else "the Assertion given differs from the copy its issuer hosts"
        )
        return _report(
            fmt,
            fetched if fetched.get("id") == assertion_id else shown,
            options,
            notices,
            proof=Check("proof", "invalid", "ob2_hosted_mismatch", what, {"url": assertion_id}),
            issuer=Check("issuer", "skipped", "ob2_hosted_mismatch"),
            status=Check("status", "indeterminate", "status_not_checked"),
        )
    proof = Check("proof", "valid", "ob2_hosted_verified", None, {"url": assertion_id})
    if fetched.get("revoked") is True:
        reason = fetched.get("revocationReason")
        return _report(
            fmt,
            fetched,
            options,
            notices,
            proof=proof,
            issuer=Check("issuer", "skipped", "revoked"),
            status=Check(
                "status",
                "invalid",
                "revoked",
                reason if isinstance(reason, str) else None,
                {"url": assertion_id},
            ),
            validity=Check("validity", "skipped", "revoked"),
            recipient=Check("recipient", "skipped", "revoked"),
        )
    linked = _linked(fetched, fetcher)
    issuer_check = linked.failure or _check_scope(assertion_id, linked.issuer or {})
    return _report(
        fmt,
        fetched,
        options,
        notices,
        proof=proof,
        issuer=issuer_check,
        status=Check("status", "valid", "status_active", None, {"url": assertion_id}),
        linked=linked,
    )


# ---------------------------------------------------------------------------
# Signed verification
# ---------------------------------------------------------------------------


def load_pem_key(pem: Any) -> PublicKey:
    """An RSA (2048 to 8192 bits) or EC P-256 public key from a PEM SubjectPublicKeyInfo."""
    if not isinstance(pem, str):
        raise InvalidKeyError("the key document has no publicKeyPem", code="invalid_key")
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InvalidKeyError("publicKeyPem is not a PEM public key", code="invalid_key") from exc
    if isinstance(key, rsa.RSAPublicKey):
        if not _MIN_RSA_BITS <= key.key_size <= _MAX_RSA_BITS:
            raise InvalidKeyError("RSA keys must have 2048 to 8192 bits", code="weak_key")
        return PublicKey("rsa", key)
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return PublicKey("p256", key)
    raise InvalidKeyError("only RSA and EC P-256 keys are supported", code="unsupported_key")


@dataclass
class Jws:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def split_jws(token: str) -> Jws:
    token = token.strip()
    if len(token) > MAX_TOKEN_BYTES or not token.isascii():
        raise MalformedInputError("the JWS is too large or not ASCII", code="malformed_jwt")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedInputError("a compact JWS has three parts", code="malformed_jwt")
    header = _json_object(_b64url(parts[0]), "header")
    payload = _json_object(_b64url(parts[1]), "payload")
    jsonld.check_bounds(payload)
    signature = _b64url(parts[2])
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _header_failure(header: Mapping[str, Any]) -> Check | None:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in SIGNED_ALGS:
        return Check(
            "proof",
            "invalid",
            "jwt_alg_not_allowed",
            f"alg {alg!r} is not allowed for OB 2.0 (RS256, ES256)",
        )
    if "crit" in header:
        return Check("proof", "invalid", "jwt_header_not_allowed", "crit is not supported")
    return None


def _key_ids(issuer: Mapping[str, Any]) -> list[str]:
    ids: list[str] = []
    for item in _as_list(issuer.get("publicKey")):
        key_id = item.get("id") if isinstance(item, Mapping) else item
        if isinstance(key_id, str):
            ids.append(key_id)
    return ids


def _revocation_check(
    assertion: Mapping[str, Any], issuer: Mapping[str, Any], fetcher: _Fetcher
) -> Check:
    if assertion.get("revoked") is True:
        return Check("status", "invalid", "revoked", "the Assertion says revoked")
    list_url = issuer.get("revocationList")
    if list_url is None:
        return Check("status", "skipped", "no_status")
    if not isinstance(list_url, str):
        return Check("status", "invalid", "malformed_status", "revocationList is not a URL")
    try:
        revocation_list = fetcher.get_ok(list_url)
    except _FetchError as exc:
        return Check(
            "status",
            "indeterminate",
            "status_not_checked",
            exc.message,
            {"url": list_url, "reason": exc.code},
        )
    entries = revocation_list.get("revokedAssertions")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        return Check(
            "status", "indeterminate", "status_list_invalid", "revokedAssertions is not a list"
        )
    ids = {assertion.get("id")} - {None}
    uid = assertion.get("uid")
    for entry in entries:
        if isinstance(entry, str):
            if entry in ids:
                return Check("status", "invalid", "revoked", None, {"url": list_url})
            continue
        if not isinstance(entry, Mapping):
            continue
        hit = entry.get("id") in ids or (uid is not None and entry.get("uid") == uid)
        if hit and entry.get("revoked", True) is not False:
            reason = entry.get("revocationReason")
            detail = reason if isinstance(reason, str) else None
            return Check("status", "invalid", "revoked", detail, {"url": list_url})
    return Check("status", "valid", "status_active", None, {"url": list_url})


def _verify_signature(
    jws: Jws, issuer: Mapping[str, Any], fetcher: _Fetcher
) -> tuple[Check, Check]:
    """(proof, issuer binding): the creator key, listed by the Profile and owned by it."""
    alg = str(jws.header["alg"])
    verification = jws.payload.get("verification")
    creator = verification.get("creator") if isinstance(verification, Mapping) else None
    listed = _key_ids(issuer)
    issuer_id = issuer.get("id")
    if creator is not None and not isinstance(creator, str):
        return (
            Check("proof", "invalid", "malformed_proof", "verification.creator is not a URL"),
            Check("issuer", "skipped", "malformed_proof"),
        )
    candidates = [creator] if isinstance(creator, str) else listed[:MAX_KEYS_TRIED]
    if not candidates:
        return (
            Check("proof", "invalid", "ob2_no_key", "the issuer Profile publishes no key"),
            Check("issuer", "skipped", "ob2_no_key"),
        )
    failure: Check | None = None
    for key_id in candidates:
        try:
            key_doc = fetcher.get_ok(key_id)
        except _FetchError as exc:
            failure = failure or Check(
                "proof",
                "indeterminate",
                "unresolvable_verification_method",
                f"{key_id}: {exc.message}",
                {"verificationMethod": key_id, "reason": exc.code},
            )
            continue
        try:
            key = load_pem_key(key_doc.get("publicKeyPem"))
        except InvalidKeyError as exc:
            failure = Check(
                "proof", "invalid", exc.code, exc.message, {"verificationMethod": key_id}
            )
            continue
        data = {"alg": alg, "verificationMethod": key_id}
        if key.type != SIGNED_ALGS[alg]:
            failure = Check(
                "proof",
                "invalid",
                "jwt_alg_key_mismatch",
                f"alg {alg} cannot be used with a {key.type} key",
                data,
            )
            continue
        if not key.verify(jws.signature, jws.signing_input, alg):
            failure = Check("proof", "invalid", "invalid_signature", None, data)
            continue
        proof = Check("proof", "valid", "proof_valid", None, data)
        if key_doc.get("id") != key_id:
            return proof, Check(
                "issuer",
                "invalid",
                "ob2_key_mismatch",
                f"the key document at {key_id} has another id",
                data,
            )
        if key_id not in listed:
            return proof, Check(
                "issuer",
                "invalid",
                "ob2_key_not_listed",
                f"the issuer Profile {issuer_id} does not list {key_id}",
                data,
            )
        if key_doc.get("owner") != issuer_id:
            return proof, Check(
                "issuer",
                "invalid",
                "ob2_key_owner_mismatch",
                f"the key's owner {key_doc.get('owner')!r} is not the issuer {issuer_id!r}",
                data,
            )
        return proof, Check(
            "issuer", "valid", "issuer_bound", None, {**data, "controller": issuer_id}
        )
    if failure is None:  # pragma: no cover - every candidate sets a failure or returns
        failure = Check("proof", "indeterminate", "ob2_no_key")
    return failure, Check("issuer", "skipped", "no_proof")


def verify_signed(token: str, options: VerifyOptions, *, fmt: str = "ob2-signed") -> Report:
    """Verify a signed Assertion given as a compact JWS."""
    try:
        jws = split_jws(token)
    except ObcoreError as exc:
        return _parse_failure(fmt, exc.code, exc.message)
    assertion = jws.payload
    header_failure = _header_failure(jws.header)
    if header_failure is not None:
        return _report(
            fmt,
            assertion,
            options,
            [],
            proof=header_failure,
            issuer=Check("issuer", "skipped", "no_proof"),
            status=Check("status", "indeterminate", "status_not_checked"),
        )
    if options.documents is None:
        return _unavailable(fmt, assertion, options)
    fetcher = _Fetcher(options.documents)
    notices: list[str] = []
    linked = _linked(assertion, fetcher)
    if linked.failure is not None or linked.issuer is None:
        failure = linked.failure or Check("issuer", "indeterminate", "ob2_document_unavailable")
        if failure.status == "invalid":
            proof = Check("proof", "skipped", failure.code)
        else:
            detail = "the signing key cannot be found without the issuer Profile"
            proof = Check("proof", "indeterminate", "ob2_document_unavailable", detail)
        return _report(
            fmt,
            assertion,
            options,
            notices,
            proof=proof,
            issuer=failure,
            status=Check("status", "indeterminate", "status_not_checked"),
            linked=linked,
        )
    proof, binding = _verify_signature(jws, linked.issuer, fetcher)
    if proof.status == "valid":
        status_check = _revocation_check(assertion, linked.issuer, fetcher)
    else:
        status_check = Check("status", "skipped", "no_proof")
    return _report(
        fmt,
        assertion,
        options,
        notices,
        proof=proof,
        issuer=binding,
        status=status_check,
        linked=linked,
    )


def verify_signed_json(
    assertion: Mapping[str, Any], options: VerifyOptions, *, fmt: str = "ob2-signed"
) -> Report:
    """A SignedBadge given as bare JSON: its signature is missing, so it cannot be trusted."""
    return _report(
        fmt,
        assertion,
        options,
        [],
        proof=Check(
            "proof",
            "invalid",
            "ob2_signature_missing",
            "a SignedBadge Assertion must be given as its JWS",
        ),
        issuer=Check("issuer", "skipped", "no_proof"),
        status=Check("status", "indeterminate", "status_not_checked"),
    )


def verification_type(assertion: Mapping[str, Any]) -> str | None:
    verification = assertion.get("verification", assertion.get("verify"))
    if not isinstance(verification, Mapping):
        return None
    types = type_names(verification.get("type"))
    if types & {"hosted", "HostedBadge"}:
        return "hosted"
    if types & {"signed", "SignedBadge"}:
        return "signed"
    return None


def verify_assertion(
    assertion: Mapping[str, Any], options: VerifyOptions, *, prefix: str = ""
) -> Report:
    """Verify an Assertion given as JSON, by its declared verification type."""
    kind = verification_type(assertion)
    if kind == "signed":
        return verify_signed_json(assertion, options, fmt=f"{prefix}ob2-signed")
    if kind == "hosted":
        return verify_hosted(assertion, options, fmt=f"{prefix}ob2-hosted")
    return _parse_failure(
        f"{prefix}ob2",
        "ob2_unknown_verification",
        "verification.type must be hosted (HostedBadge) or signed (SignedBadge)",
        assertion,
    )
