"""Fixtures of the wallet tests: the hub (regional aggregation, Mon espace, OID4VCI), and
a learner holding a regional badge, signed in."""

from __future__ import annotations

import pytest

from espace.fixtures import space_fixture  # noqa: F401 - fixture used in this folder
from espace.helpers import Space
from ingestion.factory import PartnerIssuer
from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    stranger_fixture,
    web_fixture,
)
from regional.helpers import aligned
from wallet.helpers import Holder


@pytest.fixture
async def holder(space: Space, campus: PartnerIssuer) -> Holder:
    """A learner who earned the regional badge ORG-I (two partner badges in Organiser)."""
    partner = await space.add_partner("campus-caen", trusts=[campus.did])
    await space.deliver_and_process(partner, aligned(campus, "ORG"), aligned(campus, "ORG"))
    learner = await space.learner_id()
    credential = await space.credential_of("ORG-I", learner)
    return Holder(learner, credential.id, credential.document, partner)
