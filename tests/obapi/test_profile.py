"""``GET``/``PUT /ims/ob/v3p0/profile``: a learner reads their Profile and changes their
display name — never their email through this route; a partner's client reads the
partner's issuer Profile and cannot change it."""

from __future__ import annotations

from typing import Any

from ingestion.factory import PartnerIssuer
from ingestion.helpers import EMAIL
from issuer_api.models import Learner
from obapi.conftest import Authorize
from obapi.openapi_check import check_request, check_response
from regional.helpers import RegionalHub, aligned

PROFILE = "/ims/ob/v3p0/profile"


async def a_learner(hub: RegionalHub, campus: PartnerIssuer) -> tuple[str, str]:
    """A learner known by their email (a partner delivered them a badge); (partner, learner)."""
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    await hub.deliver_and_process(partner, aligned(campus, "ORG"))
    return partner, await hub.learner_id()


async def put(hub: RegionalHub, profile: dict[str, Any]) -> Any:
    check_request("PUT", PROFILE, "application/json", profile)
    response = await hub.http.put(PROFILE, json=profile)
    check_response(response)
    return response


async def test_a_learner_reads_their_profile(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    _partner, learner = await a_learner(hub, campus)
    authorize(learner_id=learner)

    response = await hub.http.get(PROFILE)

    assert response.status_code == 200
    check_response(response)
    assert response.json() == {
        "id": f"urn:uuid:{learner}",
        "type": ["Profile"],
        "email": EMAIL.lower(),
    }


async def test_a_learner_chooses_their_display_name_kept_sealed(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    _partner, learner = await a_learner(hub, campus)
    authorize(learner_id=learner)
    profile = (await hub.http.get(PROFILE)).json()

    response = await put(
        hub, {**profile, "name": "  Camille   Martin ", "phone": "+33 6 00 00 00 00"}
    )

    assert response.status_code == 200
    assert response.json() == {**profile, "name": "Camille Martin"}
    assert (await hub.http.get(PROFILE)).json()["name"] == "Camille Martin"
    async with hub.sessions() as session:
        row = await session.get(Learner, learner)
        assert row is not None
        assert row.display_name_sealed is not None
        assert "Camille" not in str(row.display_name_sealed)
    cleared = await put(hub, {"id": profile["id"], "type": ["Profile"]})
    assert "name" not in cleared.json()


async def test_the_email_does_not_change_through_the_profile(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    _partner, learner = await a_learner(hub, campus)
    authorize(learner_id=learner)
    profile = (await hub.http.get(PROFILE)).json()

    refused = await put(hub, {**profile, "email": "someone.else@example.fr", "name": "X"})
    same = await put(hub, {**profile, "email": EMAIL.upper()})

    assert refused.status_code == 400
    field = refused.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldName"] == "obhub:obapi_email_change_refused"
    assert same.status_code == 200
    assert same.json()["email"] == EMAIL.lower()
    assert "name" not in (await hub.http.get(PROFILE)).json()  # the refused PUT changed nothing


async def test_a_profile_of_another_id_or_without_the_type_is_400(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    _partner, learner = await a_learner(hub, campus)
    authorize(learner_id=learner)

    for profile in (
        {"id": "urn:uuid:00000000-0000-4000-8000-000000000000", "type": ["Profile"]},
        {"id": f"urn:uuid:{learner}", "type": ["Person"]},
        {"id": f"urn:uuid:{learner}", "type": ["Profile"], "name": "x" * 201},
    ):
        response = await hub.http.put(PROFILE, json=profile)
        assert response.status_code == 400
        check_response(response)


async def test_an_unknown_learner_has_no_profile(hub: RegionalHub, authorize: Authorize) -> None:
    authorize(learner_id="00000000-0000-4000-8000-000000000000")

    response = await hub.http.get(PROFILE)

    assert response.status_code == 404
    check_response(response)
    assert (
        response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "not_found"
    )


async def test_a_partners_client_reads_the_partners_issuer_profile_but_cannot_change_it(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    authorize(partner_id=partner)

    profile = await hub.http.get(PROFILE)
    changed = await hub.http.put(PROFILE, json={**profile.json(), "name": "Autre"})

    check_response(profile)
    assert profile.json() == {
        "id": campus.did,
        "type": ["Profile"],
        "name": "Partenaire campus-caen",
    }
    assert changed.status_code == 403
    check_response(changed)
