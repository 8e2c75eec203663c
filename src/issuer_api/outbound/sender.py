"""Sending one webhook: Standard Webhooks signature, an SSRF-safe connection, short timeouts.

Each attempt is one ``POST`` of the stored JSON body with::

    content-type:       application/json
    user-agent:         obhub-webhooks/1
    webhook-id:         msg_…            (the message's id: the same at every attempt)
    webhook-timestamp:  1767225600       (Unix seconds, when this attempt is made)
    webhook-signature:  v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">

(https://www.standardwebhooks.com/, signed by the ``standardwebhooks`` library.)

The destination rules are the verifier's (:mod:`verify.fetch`), whose address checks
this module reuses: ``https`` only, ``http`` only to a host of ``fetch_allowlist``; no
credentials in the URL; every address the host resolves to must be public (private,
loopback, link-local … are refused) unless the allow-list names the host or a network
holding the address. The check is made *inside the connection* and the socket is
opened to the very address that was checked (no DNS-rebinding window), as
:class:`verify.fetch.HttpFetcher` does for its GETs.

Redirects are not followed (a 3xx is a failed attempt). Timeouts: 5 s to connect, 10 s
for the whole attempt. The response body is never read nor kept; the outcome is the
status code, or a short error that names no secret.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import certifi
import httpcore
import httpx
from standardwebhooks.webhooks import Webhook

from obcore.errors import ResolutionError
from verify.fetch import (
    AddressRefusedError,
    Allowlist,
    HttpFetcher,
    Resolve,
    httpcore_request,
)
from verify.fetch import checked_addresses as fetch_checked_addresses

USER_AGENT: Final = "obhub-webhooks/1"
CONNECT_TIMEOUT: Final = 5.0
TOTAL_TIMEOUT: Final = 10.0
ERROR_CHARS: Final = 300


class DestinationForbiddenError(Exception):
    """The URL or an address it resolves to may not be reached (module docstring)."""


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status code, or an error (short, no secret, no body)."""

    status_code: int | None
    error: str | None
    duration_ms: float
    forbidden: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


# --------------------------------------------------------------------------- signing


def signed_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The headers of one attempt (module docstring), signed with ``secret``."""
    signature = Webhook(secret).sign(message_id, at, body)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


# --------------------------------------------------------------------------- destinations


def check_url(url: str, allowlist: Allowlist) -> None:
    """Apply the scheme, credential and literal-address rules (no DNS look-up)."""
    try:
        HttpFetcher(allowlist=allowlist).check_url(url)
    except ResolutionError as exc:
        raise DestinationForbiddenError(exc.message) from None


REGISTRATION_DNS_TIMEOUT: Final = 3.0


async def check_destination(url: str, allowlist: Allowlist, resolve: Resolve | None = None) -> None:
    """:func:`check_url`, then the host's addresses as resolved now (registration).

    A host that does not resolve (or not in time) passes: the attempt checks again.
    """
    check_url(url, allowlist)
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        await checked_addresses(parsed.host, port, REGISTRATION_DNS_TIMEOUT, allowlist, resolve)
    except ResolutionError:
        return  # no address now: nothing to judge yet


async def checked_addresses(
    host: str, port: int, timeout: float | None, allowlist: Allowlist, resolve: Resolve | None
) -> list[str]:
    """The addresses of ``host``, every one of them allowed, or DestinationForbiddenError.
    One refused address refuses the host (never pick a "good" one from a set an attacker
    controls)."""
    try:
        return await asyncio.to_thread(
            fetch_checked_addresses, host, port, timeout, allowlist, resolve
        )
    except AddressRefusedError as exc:
        raise DestinationForbiddenError(f"{exc.host} {exc.reason}") from None


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks, and connects to the checked address."""

    def __init__(self, allowlist: Allowlist, resolve: Resolve | None) -> None:
        self._allowlist = allowlist
        self._resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(host, port, timeout, self._allowlist, self._resolve)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # noqa: S101 - checked_addresses never returns an empty list
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise DestinationForbiddenError("unix sockets are not reached")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpx.AsyncByteStream):
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class _PinnedTransport(httpx.AsyncBaseTransport):
    """One connection, through :class:`_PinnedBackend`, no retries, HTTP/1.1."""

    def __init__(self, backend: _PinnedBackend) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=1,
            retries=0,
            http1=True,
            http2=False,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore_request(request)
        response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


# --------------------------------------------------------------------------- sending


_NETWORK_ERRORS: Final = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpx.HTTPError,
    OSError,
)


async def post(
    url: str,
    body: str,
    headers: Mapping[str, str],
    *,
    allowlist: Allowlist,
    resolve: Resolve | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    total_timeout: float = TOTAL_TIMEOUT,
) -> Outcome:
    """POST ``body`` to ``url`` once; never raises for what the network or server does."""
    started = time.monotonic()

    def outcome(status: int | None, error: str | None, *, forbidden: bool = False) -> Outcome:
        elapsed = round((time.monotonic() - started) * 1000, 1)
        short = error[:ERROR_CHARS] if error else None
        return Outcome(status, short, elapsed, forbidden)

    try:
        check_url(url, allowlist)
        transport = _PinnedTransport(_PinnedBackend(allowlist, resolve))
        async with (
            asyncio.timeout(total_timeout),
            httpx.AsyncClient(
                transport=transport,
                follow_redirects=False,
                trust_env=False,
                timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
            ) as client,
        ):
            request = client.build_request("POST", url, content=body.encode(), headers=headers)
            response = await client.send(request, stream=True)
            await response.aclose()  # the body is never read
    except DestinationForbiddenError as exc:
        return outcome(None, f"destination refused: {exc}", forbidden=True)
    except ResolutionError as exc:
        return outcome(None, exc.message)
    except (TimeoutError, httpcore.TimeoutException, httpx.TimeoutException):
        return outcome(None, f"no answer within {total_timeout:g} s")
    except _NETWORK_ERRORS as exc:
        return outcome(None, f"the connection failed ({type(exc).__name__})")
    status = response.status_code
    error = None if 200 <= status < 300 else f"the server answered HTTP {status}"
    return outcome(status, error)
