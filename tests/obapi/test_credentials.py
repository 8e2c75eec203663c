"""``GET /ims/ob/v3p0/credentials``: a learner's regional credentials and partner badges,
embedded-proof JSON in ``credential`` and VC-JWTs in ``compactJwsString``, a page at a
time (``X-Total-Count``, ``Link``), ``since`` to read what is new."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ingestion.factory import PartnerIssuer, jwt_item
from ingestion.helpers import EMAIL
from obapi.conftest import Authorize
from obapi.openapi_check import check_response
from regional.helpers import RegionalHub, aligned, aligned_credential

CREDENTIALS = "/ims/ob/v3p0/credentials"


def links(header: str) -> dict[str, str]:
    """``rel -> URL`` of a Link header."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="([a-z]+)"', header)}


async def learner_with_four_credentials(hub: RegionalHub, campus: PartnerIssuer) -> str:
    """Two ORG badges (JSON) earn ORG-I (a regional credential); a COM badge as a VC-JWT."""
    partner = await hub.add_partner("campus-caen", trusts=[campus.did])
    token = campus.signed_jwt(aligned_credential(campus, "COM"))
    await hub.deliver_and_process(
        partner, aligned(campus, "ORG"), aligned(campus, "ORG"), jwt_item(token, email=EMAIL)
    )
    assert await hub.award_states() == {"ORG-I": "active"}
    return await hub.learner_id()


async def test_a_learner_reads_their_regional_credential_and_partner_badges(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    learner = await learner_with_four_credentials(hub, campus)
    authorize(learner_id=learner)

    response = await hub.http.get(CREDENTIALS)

    assert response.status_code == 200
    check_response(response)
    assert response.headers["x-total-count"] == "4"
    assert "link" not in response.headers  # the page is complete
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert len(body["credential"]) == 3
    (token,) = body["compactJwsString"]
    assert token.count(".") == 2
    issuers = {c["issuer"]["id"] for c in body["credential"]}
    assert campus.did in issuers
    assert len(issuers) == 2  # the partner's and the Region's
    regional = [c for c in body["credential"] if c["issuer"]["id"] != campus.did]
    (org_i,) = regional
    assert org_i["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] == "ORG-I"
    assert all(isinstance(c["proof"], list) for c in body["credential"])


async def test_the_listing_the_hub_gives_still_verifies(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    authorize(learner_id=await learner_with_four_credentials(hub, campus))

    body = (await hub.http.get(CREDENTIALS)).json()

    for credential in body["credential"]:
        report = await hub.verify(credential)
        assert report.verified, report.to_dict("en")


async def test_pages_carry_the_total_and_first_last_next_prev_links(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    authorize(learner_id=await learner_with_four_credentials(hub, campus))

    first = await hub.http.get(CREDENTIALS, params={"limit": 3})
    second = await hub.http.get(CREDENTIALS, params={"limit": 3, "offset": 3})

    for response in (first, second):
        check_response(response)
        assert response.headers["x-total-count"] == "4"
    one = first.json()
    assert len(one["credential"]) + len(one["compactJwsString"]) == 3
    two = second.json()
    assert len(two["credential"]) + len(two["compactJwsString"]) == 1
    seen = [c["id"] for c in one["credential"] + two["credential"]]
    assert len(set(seen)) == len(seen) == 3
    first_links = links(first.headers["link"])
    assert set(first_links) == {"first", "last", "next"}
    assert first_links["next"] == "http://localhost/ims/ob/v3p0/credentials?limit=3&offset=3"
    assert first_links["last"].endswith("limit=3&offset=3")
    second_links = links(second.headers["link"])
    assert set(second_links) == {"first", "last", "prev"}
    assert second_links["prev"].endswith("limit=3&offset=0")


async def test_a_limit_above_the_maximum_gives_a_page_of_the_maximum(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    authorize(learner_id=await learner_with_four_credentials(hub, campus))

    response = await hub.http.get(CREDENTIALS, params={"limit": 10_000})

    assert response.status_code == 200
    assert response.headers["x-total-count"] == "4"
    assert "link" not in response.headers


async def test_since_gives_only_what_was_issued_or_kept_after_it(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    learner = await learner_with_four_credentials(hub, campus)
    partner = (await hub.badges())[0].partner_id
    moment = datetime.now(UTC)
    await hub.deliver_and_process(partner, aligned(campus, "INT"))
    authorize(learner_id=learner)

    response = await hub.http.get(
        CREDENTIALS, params={"since": moment.isoformat().replace("+00:00", "Z")}
    )

    check_response(response)
    assert response.headers["x-total-count"] == "1"
    (only,) = response.json()["credential"]
    targets = only["credentialSubject"]["achievement"]["alignment"]
    assert targets[0]["targetCode"] == "INT"
    everything = await hub.http.get(CREDENTIALS)
    assert everything.headers["x-total-count"] == "5"


async def test_another_learners_credentials_are_not_listed(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    await learner_with_four_credentials(hub, campus)
    authorize(learner_id="00000000-0000-4000-8000-000000000000")

    response = await hub.http.get(CREDENTIALS)

    assert response.status_code == 200
    assert response.headers["x-total-count"] == "0"
    assert response.json() == {"credential": [], "compactJwsString": []}


async def test_a_revoked_regional_credential_stays_listed_and_its_status_says_so(
    hub: RegionalHub, campus: PartnerIssuer, authorize: Authorize
) -> None:
    learner = await learner_with_four_credentials(hub, campus)
    issued = await hub.credential_of("ORG-I")
    revoked = await hub.http.post(
        f"/credentials/{issued.id}/revoke",
        json={"reason": "erreur de saisie"},
        headers=await hub.headers("admin"),
    )
    assert revoked.status_code == 200, revoked.text
    authorize(learner_id=learner)

    response = await hub.http.get(CREDENTIALS)

    assert response.headers["x-total-count"] == "4"
    (org_i,) = [c for c in response.json()["credential"] if c["issuer"]["id"] != campus.did]
    assert org_i["id"] == issued.document["id"]
    report = await hub.verify(org_i)
    status = report.check("status")
    assert status is not None
    # a regional credential carries a suspension entry only: revoked, its bit is set for good
    assert status.status == "invalid"
