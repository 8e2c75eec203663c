"""Public URLs of what the service publishes (credentials, status lists).

The origin is ``OBHUB_PUBLIC_BASE_URL`` when set. When it is not set (development,
tests), the base URL of the current request is used instead: convenient, but the URL
then depends on the ``Host`` header the client sent (URLs minted outside a request, by
jobs, use the address ``obhub serve`` listens on: ``OBHUB_LOCAL_BASE_URL``). The
service's own verifier reads the documents at either from its database
(:mod:`issuer_api.own_documents`). URLs written *into* signed credentials (the status
list address, for instance) are fixed when first written and never recomputed, so a
deployment must set ``OBHUB_PUBLIC_BASE_URL`` before it issues its first credential.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from issuer_api.issuers import service as issuers
from issuer_api.settings import Settings


def public_base_url(settings: Settings, request: Request) -> str:
    """The public origin (and path prefix), without a trailing slash."""
    return issuers.public_base_url(settings) or str(request.base_url).rstrip("/")


# Declared ``async`` so that FastAPI calls it on the event loop: a plain function
# dependency is handed to the thread pool, a thread round trip on every request.
async def _public_base(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return public_base_url(settings, request)


PublicBase = Annotated[str, Depends(_public_base)]
"""The public base URL of the service, as a route dependency."""
