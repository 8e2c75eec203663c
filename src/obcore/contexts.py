"""Bundled JSON-LD contexts and the closed document loader.

Every context this service understands ships inside the package
(``obcore/data/contexts``, mapped by ``index.json``). The loader serves only
those, from memory, marked ``static`` so processed contexts can be cached, and
refuses any other URL with :class:`~obcore.errors.ContextError`. It never
touches the network: a credential that needs an unknown context cannot be
verified here, which is the safe answer (a context fetched at verification time
could change what a signature means).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from obcore.errors import ContextError

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
OB_V2 = "https://w3id.org/openbadges/v2"


@cache
def _index() -> Mapping[str, Any]:
    root = resources.files("obcore").joinpath("data", "contexts")
    mapping: dict[str, str] = json.loads(root.joinpath("index.json").read_text("utf-8"))["contexts"]
    docs: dict[str, Any] = {}
    parsed: dict[str, Any] = {}
    for url, filename in mapping.items():
        if filename not in parsed:
            parsed[filename] = json.loads(root.joinpath(*filename.split("/")).read_text("utf-8"))
        docs[url] = parsed[filename]
    return MappingProxyType(docs)


def known_contexts() -> frozenset[str]:
    """The URLs of every bundled context."""
    return frozenset(_index())


def is_known(url: str) -> bool:
    return url in _index()


def get_context(url: str) -> Any:
    """The parsed bundled context document for ``url`` (do not mutate it)."""
    try:
        return _index()[url]
    except KeyError:
        raise ContextError(
            f"unknown JSON-LD context {url!r}: only bundled contexts are allowed",
            code="unknown_context",
        ) from None


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader over the bundled contexts only (never the network)."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": get_context(url),
        "tag": "static",
    }
