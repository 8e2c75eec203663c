"""A worker killed mid-task loses no job: another worker finishes the work, once.

Real processes: ``obhub worker`` is started on the test database (the embedded
engine on SQLite, procrastinate on PostgreSQL), given a backlog of partner deliveries
(real signed credentials), killed with SIGKILL while it is verifying them, then a
second worker is started. The second worker takes the interrupted job over — on
SQLite when its lease runs out, on PostgreSQL when the first worker's heartbeat is
stale — and the accounting must be exact: every item final, one stored badge per
distinct credential, none twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.db import session_scope
from issuer_api.ingestion.inbox import InboxItem, store_delivery
from issuer_api.models import DeliveryItem, Partner, PartnerBadge, PartnerTrustedIssuer
from issuer_api.settings import Settings
from obcore import did, keywrap
from obcore.identity import make_identity_object
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity

DELIVERIES = 30
BADGES_PER_DELIVERY = 8
KILL_AFTER_ITEMS = 12
TIMEOUT_S = 120.0


def partner_key() -> KeyPair:
    key = KeyPair.from_ed25519_seed(bytes([42]) * 32)
    return key.with_ids(did.did_key_vm_id(key.public), did.did_key_for(key.public))


def signed_badge(key: KeyPair, number: int, email: str) -> str:
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "Centre de formation"},
        "validFrom": "2026-09-01T09:00:00Z",
        "name": f"Atelier {number}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [make_identity_object(email)],
            "achievement": {
                "id": f"https://cfa.example/achievements/{number}",
                "type": ["Achievement"],
                "name": f"Atelier {number}",
                "description": "Atelier de mise en situation.",
                "criteria": {"narrative": "Production évaluée."},
            },
        },
    }
    return json.dumps(dataintegrity.add_proof(document, key))


def start_worker(settings: Settings, kek: bytes, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    env.update(
        OBHUB_DATABASE_URL=settings.effective_database_url,
        OBHUB_DATA_DIR=str(settings.data_dir),
        OBHUB_KEK=keywrap.format_kek(kek),
        OBHUB_LOG_LEVEL="INFO",
        OBHUB_JOB_LEASE_SECONDS="3",
        OBHUB_WORKER_HEARTBEAT_SECONDS="1",
        OBHUB_WORKER_STALLED_AFTER_SECONDS="3",
        OBHUB_WORKER_CONCURRENCY="2",
    )
    obhub = Path(sys.executable).with_name("obhub")
    with log.open("ab") as output:  # the child keeps its own descriptor
        return subprocess.Popen(  # noqa: S603 - our own CLI
            [str(obhub), "worker"], env=env, stdout=output, stderr=subprocess.STDOUT
        )


async def final_items(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(DeliveryItem).where(DeliveryItem.outcome != "pending")
        )
        return int(count or 0)


async def test_a_worker_killed_mid_task_loses_nothing_and_duplicates_nothing(
    db_settings: Settings, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    kek = keywrap.parse_kek(keywrap.new_kek())
    key = partner_key()
    async with session_scope(sessions) as session:
        partner = Partner(slug="cfa-caen", name="CFA de Caen", state="active")
        session.add(partner)
        await session.flush()
        session.add(
            PartnerTrustedIssuer(partner_id=partner.id, identifier=key.controller, kind="did")
        )
    number = 0
    for delivery in range(DELIVERIES):
        items = []
        for _ in range(BADGES_PER_DELIVERY):
            email = f"apprenant.{number % 17}@example.fr"
            items.append(InboxItem("json", signed_badge(key, number, email), "email", email))
            number += 1
        async with session_scope(sessions) as session:
            await store_delivery(
                session,
                kek,
                partner_id=partner.id,
                channel="webhook",
                webhook_id=f"msg_{delivery}",
                client_id=None,
                body=str(delivery).encode(),
                items=items,
            )
    total = DELIVERIES * BADGES_PER_DELIVERY

    log = tmp_path / "workers.log"
    first = start_worker(db_settings, kek, log)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while await final_items(sessions) < KILL_AFTER_ITEMS:
            assert first.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-task: deliveries still pending
        first.wait(timeout=10)
        killed_at = await final_items(sessions)
        assert killed_at < total, "the worker finished before it could be killed"

        second = start_worker(db_settings, kek, log)
        try:
            while await final_items(sessions) < total:
                assert second.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()

    async with sessions() as session:
        outcomes = dict(
            (
                await session.execute(
                    select(DeliveryItem.outcome, func.count()).group_by(DeliveryItem.outcome)
                )
            ).all()
        )
        stored = await session.scalar(select(func.count()).select_from(PartnerBadge))
    assert outcomes == {"accepted": total}, (outcomes, log.read_text()[-3000:])
    assert stored == total
