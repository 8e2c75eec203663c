"""The committed openapi.yaml is exactly what the application serves."""

from __future__ import annotations

from pathlib import Path

import yaml

from issuer_api.app import create_app
from issuer_api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_openapi_document_matches_the_application(settings: Settings) -> None:
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    served = create_app(settings).openapi()
    assert committed == served, "openapi.yaml is stale: run `make openapi` and commit it"


def test_every_operation_is_documented_with_a_summary_and_responses(settings: Settings) -> None:
    document = create_app(settings).openapi()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("responses"), f"{method.upper()} {path} has no responses"
