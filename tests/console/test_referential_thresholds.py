"""A new version by its thresholds only: the numbers of the rules in a form, the draft
simulated like one written in YAML."""

from __future__ import annotations

from typing import Final

import pytest

from aggregation.referential import default_referential
from console.helpers import ConsoleBrowser, Staff
from console.regional_hub import (  # noqa: F401 - fixtures
    campus_fixture,
    hub_fixture,
    signed_in,
    web_fixture,
)
from ingestion.factory import PartnerIssuer
from issuer_api.console.thresholds import fields
from issuer_api.models import ReferentialSimulation
from regional.helpers import RegionalHub, aligned

pytestmark = [pytest.mark.anyio, pytest.mark.db]

FORM: Final = "/console/referentiel/seuils"


def thresholds(**changed: int) -> dict[str, str]:
    """Every field of the form as the active (shipped) version has it, some changed."""
    values = {f.name: str(f.value) for f in fields(default_referential(), "fr")}
    for name, value in changed.items():
        values[name.replace("_", "-", 2)] = str(value)
    return {**values, "version_label": "2026.2"}


async def test_the_form_lists_every_number_of_every_rule(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "referential_editor", "editrice@region.example")

    page = await console.http.get(FORM)

    assert page.status_code == 200
    assert 'id="a0-r-min_count" name="a0-r-min_count" value="2"' in page.text
    assert 'id="a1-r-0-min_issuers"' in page.text  # ORG-II: inside its "all"
    assert "Nombre minimum de badges partenaires" in page.text


async def test_lowering_a_threshold_is_simulated_before_anything_changes(
    hub: RegionalHub, campus: PartnerIssuer, console: ConsoleBrowser, staff: Staff
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "COM", email="basile@example.fr"))
    await signed_in(console, staff, "referential_editor", "editrice@region.example")

    response = await console.post(FORM, FORM, thresholds(a4_r_min_count=1))

    assert response.status_code == 303, response.text
    async with hub.sessions() as session:
        found = await session.get(
            ReferentialSimulation, response.headers["location"].rsplit("/")[-1]
        )
        assert found is not None
    assert found.version == "2026.2"
    (com,) = [badge for badge in found.result["badges"] if badge["code"] == "COM-I"]
    assert (com["gain"], com["lose"], com["keep"]) == (1, 0, 0)
    assert await hub.award_states() == {}


async def test_a_threshold_must_be_a_whole_number(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "referential_editor", "editrice@region.example")

    zero = await console.post(FORM, FORM, thresholds(a0_r_min_count=0))
    unchanged = await console.post(FORM, FORM, {**thresholds(), "version_label": "2026.1"})

    assert zero.status_code == unchanged.status_code == 422
    assert 'href="#a0-r-min_count"' in zero.text
    assert "Rien n&#39;a changé" in unchanged.text


async def test_a_read_only_member_cannot_change_thresholds(
    hub: RegionalHub, console: ConsoleBrowser, staff: Staff
) -> None:
    await signed_in(console, staff, "read_only", "lecture@region.example")
    token = await console.token("/console/referentiel")

    page = await console.http.get(FORM)
    posted = await console.http.post(FORM, data={"csrf_token": token, **thresholds()})

    assert page.status_code == posted.status_code == 403
