"""Fixtures of the partner tests: the application serves the partner and ingestion routes."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from issuer_api.app import create_app
from issuer_api.settings import Settings
from partners.helpers import with_ingestion_routes


@pytest.fixture
def db_app(db_settings: Settings) -> FastAPI:
    return with_ingestion_routes(create_app(db_settings))
