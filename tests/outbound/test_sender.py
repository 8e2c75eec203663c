"""One webhook attempt over the network: what the sender does, and what it never does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from issuer_api.outbound import sender
from issuer_api.partners.signatures import new_secret
from outbound.receiver import Receiver
from verify.fetch import Allowlist

pytestmark = pytest.mark.anyio

LOCAL = Allowlist.parse(["127.0.0.1"])
BODY = '{"type":"webhook.test","timestamp":"2026-03-02T09:30:00Z","data":{"é":"ü"}}'


def headers(secret: str) -> dict[str, str]:
    return sender.signed_headers(secret, "msg_0123456789abcdef", datetime.now(UTC), BODY)


async def test_the_body_is_sent_as_signed(receiver: Receiver) -> None:
    secret = new_secret()

    outcome = await sender.post(receiver.url(), BODY, headers(secret), allowlist=LOCAL)

    assert (outcome.status_code, outcome.error, outcome.delivered) == (200, None, True)
    [request] = receiver.received
    assert request.body.decode() == BODY
    Webhook(secret).verify(request.body, request.headers)


async def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.answer(307)
    receiver.reply_headers = {"Location": receiver.url("/elsewhere")}

    outcome = await sender.post(receiver.url(), BODY, headers(new_secret()), allowlist=LOCAL)

    assert outcome.status_code == 307
    assert not outcome.delivered
    assert outcome.error == "the server answered HTTP 307"
    assert [r.path for r in receiver.received] == ["/hooks/obhub"]


async def test_a_slow_server_is_given_up_on(receiver: Receiver) -> None:
    receiver.delay = 5.0

    outcome = await sender.post(
        receiver.url(), BODY, headers(new_secret()), allowlist=LOCAL, total_timeout=0.3
    )

    assert outcome.status_code is None
    assert outcome.error == "no answer within 0.3 s"
    assert outcome.duration_ms < 3000


async def test_a_refused_connection_is_a_short_error() -> None:
    closed = Receiver()
    url = closed.url()
    closed.stop()

    outcome = await sender.post(url, BODY, headers(new_secret()), allowlist=LOCAL)

    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("the connection failed")
    assert not outcome.forbidden


async def test_a_loopback_address_is_refused_without_an_allow_list_entry(
    receiver: Receiver,
) -> None:
    outcome = await sender.post(
        f"https://localhost:{receiver.port}/hooks",
        BODY,
        headers(new_secret()),
        allowlist=Allowlist.parse([]),
    )

    assert outcome.forbidden
    assert receiver.received == []


async def test_a_host_name_is_checked_on_every_address_it_resolves_to(
    receiver: Receiver,
) -> None:
    # A name whose addresses mix public and private ones is refused as a whole.
    def resolve(host: str, port: int, timeout: float | None) -> list[str]:
        return ["93.184.215.14", "127.0.0.1"]

    outcome = await sender.post(
        f"https://hooks.example.fr:{receiver.port}/hooks",
        BODY,
        headers(new_secret()),
        allowlist=Allowlist.parse([]),
        resolve=resolve,
    )

    assert outcome.forbidden
    assert outcome.error == "destination refused: hooks.example.fr resolves to a non-public address"
    assert receiver.received == []
