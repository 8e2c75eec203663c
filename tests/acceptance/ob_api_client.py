"""An Open Badges 3.0 API client written from the specifications only: 1EdTech Open Badges
3.0 (§ "Open Badges API": discovery, dynamic client registration, authorization code
with PKCE, the four scopes, getCredentials paging, upsertCredential, getProfile,
putProfile, Imsx_StatusInfo errors), RFC 6749 (OAuth 2.0), RFC 7636 (PKCE), RFC 7591
(registration), RFC 7009 (revocation), RFC 8414 (authorization server metadata) and
RFC 8288 (the ``Link`` header).

It knows one address: the discovery document's. The registration, authorization and
token addresses and the scopes are read FROM that document; the resource addresses
from its ``servers`` (else the discovery address's base path, ``…/ims/ob/v3p0``); the
revocation address from the authorization server's metadata (RFC 8414), found at the
token address's origin. It imports nothing from obhub.

Every request and response is written to a transcript (method, URL, status, the headers
that matter, the body abbreviated; secrets and tokens shortened so a transcript can be
quoted).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlsplit

import httpx

SCOPE_PREFIX: Final = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READONLY: Final = SCOPE_PREFIX + "credential.readonly"
CREDENTIAL_UPSERT: Final = SCOPE_PREFIX + "credential.upsert"
PROFILE_READONLY: Final = SCOPE_PREFIX + "profile.readonly"
PROFILE_UPDATE: Final = SCOPE_PREFIX + "profile.update"
ALL_SCOPES: Final = (CREDENTIAL_READONLY, CREDENTIAL_UPSERT, PROFILE_READONLY, PROFILE_UPDATE)

BODY_CHARS: Final = 600
_TITLE: Final = re.compile(r"<title>(.*?)</title>", re.DOTALL)
HEADERS_SHOWN: Final = (
    "authorization",
    "content-type",
    "accept",
    "location",
    "link",
    "x-total-count",
    "www-authenticate",
    "cache-control",
    "retry-after",
    "pragma",
)
SECRET_FIELDS: Final = frozenset(
    {
        "client_secret",
        "access_token",
        "refresh_token",
        "code",
        "code_verifier",
        "token",
        "registration_access_token",
        "csrf_token",
        "jeton",
    }
)


class ProtocolError(AssertionError):
    """The server did not answer as the specification says (or a check of the client's
    own, such as ``state``, failed)."""


# --------------------------------------------------------------------------- transcript


def shorten(secret: str) -> str:
    return f"{secret[:6]}…({len(secret)} chars)" if len(secret) > 8 else "…"


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: shorten(v) if k in SECRET_FIELDS and isinstance(v, str) else _redacted(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def _redacted_query(query: str) -> str:
    pairs = parse_qs(query, keep_blank_values=True)
    return "&".join(
        f"{quote(k)}={shorten(v) if k in SECRET_FIELDS else quote(v, safe='')}"
        for k, vs in pairs.items()
        for v in vs
    )


def _redacted_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    return parts._replace(query=_redacted_query(parts.query)).geturl()


def _body_text(content: bytes, content_type: str) -> str:
    if not content:
        return ""
    text = content.decode("utf-8", "replace")
    if "json" in content_type:
        with contextlib.suppress(ValueError):
            text = json.dumps(_redacted(json.loads(text)), ensure_ascii=False)
    elif "x-www-form-urlencoded" in content_type:
        text = _redacted_query(text)
    elif "html" in content_type:
        title = _TITLE.search(text)
        name = html.unescape(" ".join(title.group(1).split())) if title else "untitled"
        return f"(HTML page: {name})"
    return text if len(text) <= BODY_CHARS else text[:BODY_CHARS] + f"… ({len(text)} chars)"


def _header_text(name: str, value: str) -> str:
    if name == "authorization":
        scheme, _, credential = value.partition(" ")
        if scheme.lower() == "basic":
            client_id = base64.b64decode(credential).decode().split(":", 1)[0]
            return f"Basic {client_id}:<secret>"
        return f"{scheme} {shorten(credential)}"
    if name == "location":
        return _redacted_url(value)
    return value


class Transcript:
    """A plain-text log of every exchange, appended as it happens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.write_text("", encoding="utf-8")

    def note(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"\n## {text}\n")

    def command(self, name: str, command: str, output: str) -> None:
        """A shell command as shown (its variables unexpanded) and its output, abbreviated
        (a JSON answer with its secrets shortened)."""
        shown = "\n".join(f"  $ {line}" for line in command.splitlines())
        answer = _body_text(output.encode(), "application/json" if output[:1] == "{" else "")
        with self.path.open("a", encoding="utf-8") as out:
            out.write(f"\n[shell] example {name}\n{shown}\n  < {answer.strip()}\n")

    def exchange(self, who: str, response: httpx.Response) -> None:
        request = response.request
        lines = [f"\n[{who}] {request.method} {_redacted_url(str(request.url))}"]
        lines += [
            f"  > {name}: {_header_text(name, request.headers[name])}"
            for name in HEADERS_SHOWN
            if name in request.headers
        ]
        body = _body_text(request.content, request.headers.get("content-type", ""))
        if body:
            lines.append(f"  > {body}")
        lines.append(f"  < {response.status_code} {response.reason_phrase}")
        lines += [
            f"  < {name}: {_header_text(name, response.headers[name])}"
            for name in HEADERS_SHOWN
            if name in response.headers
        ]
        response.read()
        body = _body_text(response.content, response.headers.get("content-type", ""))
        if body:
            lines.append(f"  < {body}")
        with self.path.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def logged_client(transcript: Transcript, who: str, **options: Any) -> httpx.Client:
    """An HTTP client whose every exchange goes to ``transcript`` under ``who``."""
    return httpx.Client(
        timeout=60,
        trust_env=False,
        follow_redirects=False,
        event_hooks={"response": [lambda response: transcript.exchange(who, response)]},
        **options,
    )


# --------------------------------------------------------------------------- protocol data


@dataclass(frozen=True)
class Discovery:
    """What the Service Description Document says (OB 3.0 § "Service Discovery")."""

    title: str
    registration_url: str
    authorization_url: str
    token_url: str
    refresh_url: str
    scopes: Mapping[str, str]
    api_base: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class Registration:
    client_id: str
    client_secret: str
    answer: Mapping[str, Any]


@dataclass(frozen=True)
class AuthorizationRequest:
    """One consent request: the address to send the learner to, and what the client
    keeps to finish it (RFC 7636 verifier, RFC 6749 state)."""

    url: str
    state: str
    code_verifier: str
    redirect_uri: str
    scope: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int | None
    scope: str | None
    answer: Mapping[str, Any] = field(repr=False)

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def pkce_pair() -> tuple[str, str]:
    """A code verifier (RFC 7636 §4.1: 43 to 128 unreserved characters) and its S256
    challenge (BASE64URL(SHA256(verifier)), no padding)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def s256(verifier: str) -> str:
    """The S256 code challenge of ``verifier`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def links(header: str) -> dict[str, str]:
    """RFC 8288 ``Link`` header → relation → target (``<url>; rel="next", …``)."""
    found: dict[str, str] = {}
    for part in _split_links(header):
        target, _, params = part.strip().partition(">")
        url = target.strip().lstrip("<")
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "rel":
                for rel in value.strip().strip('"').split():
                    found[rel.lower()] = url
    return found


def _split_links(header: str) -> Iterator[str]:
    depth, start = 0, 0
    quoted = False
    for index, char in enumerate(header):
        if char == '"':
            quoted = not quoted
        elif char == "<" and not quoted:
            depth += 1
        elif char == ">" and not quoted:
            depth -= 1
        elif char == "," and depth == 0 and not quoted:
            yield header[start:index]
            start = index + 1
    if header[start:].strip():
        yield header[start:]


def status_info(response: httpx.Response) -> dict[str, Any]:
    """The ``Imsx_StatusInfo`` of an error answer, checked against the specification."""
    body: dict[str, Any] = response.json()
    if body.get("imsx_codeMajor") not in ("failure", "processing", "success", "unsupported"):
        raise ProtocolError(f"imsx_codeMajor missing or unknown: {body}")
    if body.get("imsx_severity") not in ("error", "status", "warning"):
        raise ProtocolError(f"imsx_severity missing or unknown: {body}")
    return body


def code_minor(body: Mapping[str, Any]) -> list[str]:
    fields = (body.get("imsx_codeMinor") or {}).get("imsx_codeMinorField") or []
    return [str(f.get("imsx_codeMinorFieldValue")) for f in fields]


# --------------------------------------------------------------------------- the client


class ObApiClient:
    """A service consumer of the Open Badges 3.0 API, from its discovery address."""

    def __init__(self, discovery_url: str, transcript: Transcript, *, name: str = "client"):
        self.discovery_url = discovery_url
        self.transcript = transcript
        self.http = logged_client(transcript, name)
        self.discovery: Discovery | None = None
        self.registration: Registration | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ObApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ discovery

    def discover(self) -> Discovery:
        """getServiceDescription: unprotected, an OpenAPI 3.0 document profiled by
        OB 3.0 (``components.securitySchemes.OAuth2ACG``)."""
        self.transcript.note("getServiceDescription")
        answer = self.http.get(self.discovery_url, headers={"Accept": "application/json"})
        if answer.status_code != 200:
            raise ProtocolError(f"discovery: {answer.status_code} {answer.text}")
        document = answer.json()
        for required in ("openapi", "info", "components"):
            if required not in document:
                raise ProtocolError(f"discovery: no {required}")
        info = document["info"]
        for required in ("title", "version", "termsOfService", "x-imssf-privacyPolicyUrl"):
            if not info.get(required):
                raise ProtocolError(f"discovery: info.{required} missing")
        scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
        if scheme.get("type") != "oauth2":
            raise ProtocolError("discovery: OAuth2ACG is not of type oauth2")
        flow = scheme["flows"]["authorizationCode"]
        servers = document.get("servers") or []
        api_base = (
            urljoin(self.discovery_url, servers[0]["url"])
            if servers
            else self.discovery_url.rsplit("/discovery", 1)[0]
        )
        self.discovery = Discovery(
            title=info["title"],
            registration_url=urljoin(self.discovery_url, scheme["x-imssf-registrationUrl"]),
            authorization_url=urljoin(self.discovery_url, flow["authorizationUrl"]),
            token_url=urljoin(self.discovery_url, flow["tokenUrl"]),
            refresh_url=urljoin(self.discovery_url, flow.get("refreshUrl") or flow["tokenUrl"]),
            scopes=dict(flow["scopes"]),
            api_base=api_base.rstrip("/"),
            document=document,
        )
        return self.discovery

    def _found(self) -> Discovery:
        if self.discovery is None:
            return self.discover()
        return self.discovery

    # ------------------------------------------------------------------ registration

    def register(
        self, *, client_name: str, client_uri: str, redirect_uri: str, scopes: tuple[str, ...]
    ) -> Registration:
        """RFC 7591 as OB 3.0 profiles it: no initial access token, the required
        metadata, ``client_secret_basic``, authorization_code and refresh_token."""
        discovery = self._found()
        unknown = [scope for scope in scopes if scope not in discovery.scopes]
        if unknown:
            raise ProtocolError(f"scopes not offered by the discovery document: {unknown}")
        self.transcript.note("dynamic client registration (RFC 7591)")
        metadata = {
            "client_name": client_name,
            "client_uri": client_uri,
            "logo_uri": f"{client_uri}/logo.png",
            "tos_uri": f"{client_uri}/cgu",
            "policy_uri": f"{client_uri}/confidentialite",
            "software_id": "ob-api-acceptance-client",
            "software_version": "1.0",
            "redirect_uris": [redirect_uri],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": " ".join(scopes),
        }
        answer = self.http.post(discovery.registration_url, json=metadata)
        if answer.status_code != 201:
            raise ProtocolError(f"registration: {answer.status_code} {answer.text}")
        body = answer.json()
        for required in ("client_id", "client_secret"):
            if not body.get(required):
                raise ProtocolError(f"registration: no {required} in {list(body)}")
        self.registration = Registration(body["client_id"], body["client_secret"], body)
        return self.registration

    def _registered(self) -> Registration:
        if self.registration is None:
            raise ProtocolError("register first")
        return self.registration

    # ------------------------------------------------------------------ authorization

    def authorization_request(
        self, *, redirect_uri: str, scopes: tuple[str, ...]
    ) -> AuthorizationRequest:
        """The address of the consent (RFC 6749 §4.1.1, RFC 7636 S256, a fresh state)."""
        discovery = self._found()
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        scope = " ".join(scopes)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._registered().client_id,
                "redirect_uri": redirect_uri,
                "scope": scope,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in discovery.authorization_url else "?"
        url = f"{discovery.authorization_url}{separator}{query}"
        return AuthorizationRequest(url, state, verifier, redirect_uri, scope)

    def authorization_code(self, request: AuthorizationRequest, returned_to: str) -> str:
        """The code of the address the learner's browser came back to — only if it is
        the redirect URI and carries the state this client sent (RFC 6749 §10.12)."""
        if not returned_to.startswith(request.redirect_uri):
            raise ProtocolError(f"came back to {returned_to}, not to {request.redirect_uri}")
        query = parse_qs(urlsplit(returned_to).query)
        if query.get("state") != [request.state]:
            raise ProtocolError("the state that came back is not the one sent")
        if "error" in query:
            raise ProtocolError(f"authorization refused: {query['error']}")
        (code,) = query["code"]
        return code

    # ------------------------------------------------------------------ tokens

    def _token(self, url: str, form: dict[str, str]) -> httpx.Response:
        registration = self._registered()
        return self.http.post(
            url, data=form, auth=(registration.client_id, registration.client_secret)
        )

    @staticmethod
    def _tokens(answer: httpx.Response) -> Tokens:
        if answer.status_code != 200:
            raise ProtocolError(f"token: {answer.status_code} {answer.text}")
        if "no-store" not in answer.headers.get("cache-control", ""):
            raise ProtocolError("token answer without Cache-Control: no-store (RFC 6749 §5.1)")
        body = answer.json()
        if str(body.get("token_type", "")).lower() != "bearer":
            raise ProtocolError(f"token_type: {body.get('token_type')}")
        return Tokens(
            body["access_token"],
            body.get("refresh_token"),
            body.get("expires_in"),
            body.get("scope"),
            body,
        )

    def exchange_code(self, request: AuthorizationRequest, code: str) -> Tokens:
        self.transcript.note("token: authorization_code + code_verifier")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
            "scope": request.scope,
            "code_verifier": request.code_verifier,
        }
        return self._tokens(self._token(self._found().token_url, form))

    def refresh_answer(self, refresh_token: str) -> httpx.Response:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._token(self._found().refresh_url, form)

    def refresh(self, tokens: Tokens) -> Tokens:
        self.transcript.note("token: refresh_token")
        if tokens.refresh_token is None:
            raise ProtocolError("no refresh token to use")
        return self._tokens(self.refresh_answer(tokens.refresh_token))

    def revocation_url(self) -> str:
        """RFC 8414: the metadata at the token address's origin names the revocation
        endpoint (RFC 7009)."""
        token_url = urlsplit(self._found().token_url)
        metadata_url = (
            f"{token_url.scheme}://{token_url.netloc}/.well-known/oauth-authorization-server"
        )
        self.transcript.note("authorization server metadata (RFC 8414)")
        answer = self.http.get(metadata_url)
        if answer.status_code != 200:
            raise ProtocolError(f"metadata: {answer.status_code} {answer.text}")
        endpoint = answer.json().get("revocation_endpoint")
        if not endpoint:
            raise ProtocolError("no revocation_endpoint in the metadata")
        return str(endpoint)

    def revoke(self, token: str, hint: str) -> httpx.Response:
        url = self.revocation_url()
        self.transcript.note(f"revoke the {hint} (RFC 7009)")
        answer = self._token(url, {"token": token, "token_type_hint": hint})
        if answer.status_code != 200:
            raise ProtocolError(f"revocation: {answer.status_code} {answer.text}")
        return answer

    # ------------------------------------------------------------------ resources

    def upsert(self, tokens: Tokens, credential: Mapping[str, Any] | str) -> httpx.Response:
        """upsertCredential: JSON (embedded proof) or a compact JWS as text/plain."""
        url = f"{self._found().api_base}/credentials"
        if isinstance(credential, str):
            headers = {**tokens.bearer, "Content-Type": "text/plain"}
            return self.http.post(url, content=credential, headers=headers)
        headers = {**tokens.bearer, "Content-Type": "application/json"}
        return self.http.post(url, content=json.dumps(credential), headers=headers)

    def credentials_page(
        self, tokens: Tokens, *, limit: int | None = None, offset: int | None = None
    ) -> httpx.Response:
        params = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
        url = f"{self._found().api_base}/credentials"
        return self.http.get(
            url, params=params, headers={**tokens.bearer, "Accept": "application/json"}
        )

    def all_credentials(self, tokens: Tokens, *, limit: int) -> tuple[list[Any], int, int]:
        """getCredentials a page of ``limit`` at a time, following ``Link: rel="next"``:
        every credential and JWS, the ``X-Total-Count`` announced, the pages read."""
        self.transcript.note(f"getCredentials, {limit} a page, following Link next")
        answer = self.credentials_page(tokens, limit=limit, offset=0)
        found: list[Any] = []
        pages = 0
        total: int | None = None
        while True:
            if answer.status_code != 200:
                raise ProtocolError(f"getCredentials: {answer.status_code} {answer.text}")
            pages += 1
            body = answer.json()
            page = [*body.get("credential", []), *body.get("compactJwsString", [])]
            if len(page) > limit:
                raise ProtocolError(f"{len(page)} credentials on a page of {limit}")
            found += page
            if "x-total-count" not in answer.headers:
                raise ProtocolError("no X-Total-Count")
            announced = int(answer.headers["x-total-count"])
            total = announced if total is None else total
            if announced != total:
                raise ProtocolError(f"X-Total-Count moved from {total} to {announced}")
            relations = links(answer.headers.get("link", ""))
            if len(found) < total and not {"first", "last"} <= set(relations):
                raise ProtocolError(f"an incomplete page without Link first/last: {relations}")
            if pages > 1 and "prev" not in relations:
                raise ProtocolError("a page past the first without Link prev")
            if "next" not in relations:
                break
            if pages > total + 1:
                raise ProtocolError("Link next never ends")
            answer = self.http.get(
                urljoin(str(answer.url), relations["next"]),
                headers={**tokens.bearer, "Accept": "application/json"},
            )
        return found, total or 0, pages

    def get_profile(self, tokens: Tokens) -> httpx.Response:
        self.transcript.note("getProfile")
        return self.http.get(f"{self._found().api_base}/profile", headers=tokens.bearer)

    def put_profile(self, tokens: Tokens, profile: Mapping[str, Any]) -> httpx.Response:
        self.transcript.note("putProfile")
        return self.http.put(
            f"{self._found().api_base}/profile",
            content=json.dumps(profile),
            headers={**tokens.bearer, "Content-Type": "application/json"},
        )
