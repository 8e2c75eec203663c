"""Fixtures of the wallet tests: the hub (regional aggregation, Mon espace, OID4VCI), and
a learner holding a regional badge, signed in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from espace.helpers import Space
from ingestion.factory import PartnerIssuer
from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    stranger_fixture,
    web_fixture,
)
from ingestion.helpers import hub_settings, serving
from issuer_api.app import create_app
from issuer_api.settings import Settings
from regional.helpers import aligned
from verification.localhttp import LocalServer
from wallet.helpers import Holder


@pytest.fixture
async def space(
    db_settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    web: LocalServer,
    anyio_backend: str,
) -> AsyncIterator[Space]:
    app = create_app(hub_settings(db_settings))
    async with serving(app) as http:
        yield Space(app, http, sessions, web)


@pytest.fixture
async def holder(space: Space, campus: PartnerIssuer) -> Holder:
    """A learner who earned the regional badge ORG-I (two partner badges in Organiser)."""
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    learner = await space.learner_id()
    credential = await space.credential_of("ORG-I", learner)
    return Holder(learner, credential.id, credential.document, partner)
