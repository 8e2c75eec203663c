"""What the admin REST API shares with the console's partner pages: finding partners by
name, revoking a partner's OAuth client, and filtering its receipts by outcome, reason
and date of receipt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from issuer_api.models import AuditEvent, Delivery
from issuers.helpers import Api, error_code
from partners.helpers import make_partner
from partners.test_receipts import ISSUER, process, three_badges

pytestmark = pytest.mark.anyio


async def test_partners_are_found_by_part_of_their_name_or_slug(api: Api) -> None:
    admin = await api.headers("admin")
    await make_partner(api, admin, slug="campus-caen", webhook_secret=False)
    await make_partner(api, admin, slug="greta-rouen", webhook_secret=False)

    found = await api.http.get("/partners", params={"q": "GRETA"}, headers=admin)
    none = await api.http.get("/partners", params={"q": "100%_"}, headers=admin)

    assert [p["slug"] for p in found.json()["items"]] == ["greta-rouen"]
    assert found.json()["total"] == 1
    assert none.json()["total"] == 0


async def test_revoking_the_client_stops_its_tokens_and_is_audited(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, webhook_secret=False, oauth_client=True)

    revoked = await api.http.post(
        f"/partners/{partner.id}/client/revoke", json={"reason": "fin du pilote"}, headers=admin
    )
    again = await api.http.post(f"/partners/{partner.id}/client/revoke", headers=admin)

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["client_id"] is None
    assert (await api.http.get("/v1/receipts", headers=partner.headers)).status_code == 401
    assert (again.status_code, error_code(again)) == (404, "partner_client_not_found")
    async with api.sessions() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "partner.client_revoked")
        )
    assert event is not None
    assert event.reason == "fin du pilote"


async def test_receipts_are_filtered_by_outcome_reason_and_date(api: Api) -> None:
    admin = await api.headers("admin")
    partner = await make_partner(api, admin, oauth_client=True, trusted_issuers=[ISSUER])
    processed = await three_badges(api, partner)
    await process(api, processed, partner.id)
    waiting = await three_badges(api, partner)
    last_week = datetime.now(UTC) - timedelta(days=7)
    async with api.sessions() as session:
        await session.execute(
            update(Delivery).where(Delivery.id == waiting).values(received_at=last_week)
        )
        await session.commit()
    path = f"/partners/{partner.id}/receipts"

    async def ids(**params: str) -> list[str]:
        answer = await api.http.get(path, params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        return [item["receipt_id"] for item in answer.json()["items"]]

    assert await ids() == [processed, waiting]
    assert await ids(outcome="rejected") == [processed]
    assert await ids(outcome="pending") == [waiting]
    assert await ids(reason="issuer_not_trusted") == [processed]
    assert await ids(reason="recipient_mismatch") == []
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert await ids(received_after=since) == [processed]
    assert await ids(received_before=since) == [waiting]
    unknown = await api.http.get(path, params={"reason": "nope"}, headers=admin)
    assert unknown.status_code == 422
