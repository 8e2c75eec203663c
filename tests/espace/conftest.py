"""Fixtures of the "Mon espace" tests: the hub (real inbox, job runtime, regional
aggregation), partner issuers, and browsers of signed-in learners."""

from __future__ import annotations

from espace.fixtures import space_fixture  # noqa: F401 - fixture used in this folder
from ingestion.fixtures import (  # noqa: F401 - fixtures used in this folder
    campus_fixture,
    greta_fixture,
    stranger_fixture,
    web_fixture,
)
