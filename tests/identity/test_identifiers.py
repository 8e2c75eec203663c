"""How issuer ids and document URLs follow the public base URL (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer_api.issuers.service import did_document_url, issuer_did, profile_url
from issuer_api.models import Issuer
from issuer_api.settings import Settings
from obcore import did


@pytest.mark.parametrize(
    ("base", "region_did", "region_document"),
    [
        (
            "https://badges.normandie.fr",
            "did:web:badges.normandie.fr",
            "https://badges.normandie.fr/.well-known/did.json",
        ),
        (
            "https://badges.normandie.fr/",
            "did:web:badges.normandie.fr",
            "https://badges.normandie.fr/.well-known/did.json",
        ),
        (
            "https://www.normandie.fr/obhub",
            "did:web:www.normandie.fr:obhub",
            "https://www.normandie.fr/obhub/did.json",
        ),
        (
            "https://badges.normandie.fr:8443",
            "did:web:badges.normandie.fr%3A8443",
            "https://badges.normandie.fr:8443/.well-known/did.json",
        ),
    ],
)
def test_did_web_ids_resolve_to_the_urls_the_service_serves(
    tmp_path: Path, base: str, region_did: str, region_document: str
) -> None:
    settings = Settings(data_dir=tmp_path, public_base_url=base)
    region = Issuer(slug="region", name="Région Normandie", is_region=True, extra={})
    partner = Issuer(slug="campus-caen", name="Campus", is_region=False, extra={})
    root = base.rstrip("/")

    assert issuer_did(region, settings) == region_did
    assert issuer_did(partner, settings) == f"{region_did}:issuers:campus-caen"
    assert did_document_url(region, settings) == region_document
    assert did_document_url(partner, settings) == f"{root}/issuers/campus-caen/did.json"
    assert profile_url(partner, settings) == f"{root}/issuers/campus-caen"
    # What a did:web resolver fetches is what the service serves.
    assert did.did_web_to_url(issuer_did(region, settings)) == region_document
    assert did.did_web_to_url(issuer_did(partner, settings)) == did_document_url(partner, settings)
