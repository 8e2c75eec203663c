"""The MANIFEST vectors that need the network, judged through the real fetcher.

A local server publishes the aux files where the vectors expect them (status
lists, did:web documents) and answers 404 for everything else (example.com
issuers, 1EdTech revocation lists, the bad did:web). ``rewrite_url`` (the test
hook) maps ``https://host/path`` to ``http://127.0.0.1:port/host/path``; the
allow-list lets the fetcher reach it. Nothing is given to the verifier
directly: status lists and DID documents come through the fetcher, its
content-type checks and the cache, and must yield the verdicts of the offline
corpus (tests/verification/test_vector_corpus.py).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from obcore.did import did_web_to_url
from verify.cache import HttpCache
from verify.fetch import FetchLimits
from verify.pipeline import verify
from verify.resolvers import network_options

from .localhttp import LocalServer, Reply
from .test_vector_corpus import EXPECTED, ROWS

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
COMMAND = "xverify_command (run in vectors/)"

# With the network, an unresolvable did:web is reported by what happened.
ONLINE_CODES: dict[str, dict[str, str]] = {
    "dcc-v2-ed2020-badDidWeb.json": {"proof": "document_not_found"},
}


def _needs_network(row: dict[str, str]) -> bool:
    """OB 3.0 rows whose verdict needs a fetch (OB 2.0 rows belong to the OB 2.0 tests)."""
    if row["format"].startswith("ob2"):
        return False
    needs = row["needs_network"]
    command = row[COMMAND]
    return (
        needs.startswith(("yes", "status: yes"))
        or "revocations" in needs
        or "--status-list" in command
        or "XVERIFY_DID_DOCS" in command
    )


ONLINE = sorted(f for f, row in ROWS.items() if _needs_network(row) and f in EXPECTED)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"/{parts.hostname}{parts.path}"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    for row in ROWS.values():
        words = shlex.split(row[COMMAND])
        for i, word in enumerate(words):
            if word == "--status-list":
                url, _, path = words[i + 1].partition("=")
                local.routes[_path(url)] = Reply(
                    body=(VECTORS / path).read_bytes(), content_type="application/json"
                )
            if word.startswith("XVERIFY_DID_DOCS="):
                docs = json.loads((VECTORS / word.split("=", 1)[1]).read_text("utf-8"))
                for did, doc in docs.items():
                    local.routes[_path(did_web_to_url(did))] = Reply(
                        body=json.dumps(doc).encode(), content_type="application/did+json"
                    )
    try:
        yield local
    finally:
        local.stop()


def test_the_online_rows_are_the_ones_the_manifest_says_need_the_network() -> None:
    assert "dcc-v2-di-didweb-oidf.json" in ONLINE
    assert "dcc-v2-di-didkey-revoked.json" in ONLINE
    assert "dcc-v2-ed2020-badDidWeb.json" in ONLINE
    assert "1edtech-ob30-bsl-revoked.json" in ONLINE
    assert len(ONLINE) >= 8


@pytest.mark.parametrize("filename", ONLINE)
def test_vector_is_judged_online_as_offline(server: LocalServer, filename: str) -> None:
    verdict, codes = EXPECTED[filename]
    codes = {**codes, **ONLINE_CODES.get(filename, {})}
    fragment = "--fragment-key" in shlex.split(ROWS[filename][COMMAND])

    def rewrite(url: str) -> str:
        return server.base + _path(url)

    options = network_options(
        allowlist=["127.0.0.1"],
        cache=HttpCache(),
        limits=FetchLimits(connect_timeout=1.0, read_timeout=2.0, deadline=5.0),
        rewrite_url=rewrite,
        trust_fragment_keys=fragment,
        now=NOW,
    )
    report = verify((VECTORS / filename).read_bytes(), options)
    got = {c.id: c.code for c in report.checks}
    assert report.verdict == verdict, report.to_dict("en", include_credential=False)
    for check_id, code in codes.items():
        assert got.get(check_id) == code, (check_id, report.to_dict("en", include_credential=False))
