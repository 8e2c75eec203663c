"""Regional aggregation through the service, on embedded SQLite.

1. **Evaluation**: one learner holding ``BADGES`` partner badges (four competencies,
   both levels, five partners), every regional badge already awarded: the whole flow
   (read the badges, approved mappings and awards, classify, evaluate, nothing to mint
   or cascade) in its own unit of work. Reported: median ms per evaluation, and the
   pure rule evaluation alone for comparison.
2. **Minting**: ``LEARNERS`` learners, each holding three partner badges of one
   competency from two partners (one at level II): each evaluation mints two regional
   credentials (level II and the level I it implies) — claim, build, sign
   (eddsa-rdfc-2022), status slot, store, audit. Run one learner at a time, then
   ``CONCURRENCY`` at a time (separate sessions, as workers would). Reported:
   credentials minted per second.
3. **Accounting**: exactly two awards and two credentials per learner, none twice.

The floors below are for a 2-core machine; the run fails (exit 1) if one is missed or
the accounting is wrong.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aggregation.rules import evaluate
from bench.report import Figure, Target
from issuer_api.db import create_engine, session_factory, session_scope
from issuer_api.migrate import upgrade
from issuer_api.models import (
    IssuedCredential,
    Learner,
    LearnerIdentifier,
    Partner,
    PartnerBadge,
    RegionalAward,
)
from issuer_api.privacy import identifier_lookup, seal_pii
from issuer_api.regional import flows, service
from issuer_api.settings import Settings

BADGES = int(os.environ.get("OBHUB_BENCH_REGIONAL_BADGES", "200"))
LEARNERS = int(os.environ.get("OBHUB_BENCH_REGIONAL_LEARNERS", "60"))
CONCURRENCY = int(os.environ.get("OBHUB_BENCH_REGIONAL_CONCURRENCY", "4"))
EVALUATIONS = 30
PARTNERS = 5

FLOOR_EVALUATION_MS = 100.0
FLOOR_MINTED_PER_S = 20.0

BASE = "https://badges.normandie.fr/referentiel/competences"
COMPETENCIES = {
    "ORG": f"{BASE}/organiser",
    "ADA": f"{BASE}/s-adapter",
    "COM": f"{BASE}/communiquer",
    "INT": f"{BASE}/s-integrer",
}


@dataclass
class Figures:
    badges: int
    evaluation_ms_median: float
    evaluation_ms_p90: float
    pure_evaluation_ms_median: float
    learners: int
    minted_sequential: int
    minted_per_s_sequential: float
    minted_concurrent: int
    concurrency: int
    minted_per_s_concurrent: float
    accounting_ok: bool


# --------------------------------------------------------------------------- data


def _badge(
    learner_id: str, partner: tuple[str, str], code: str, number: int, when: datetime
) -> dict[str, Any]:
    partner_id, issuer = partner
    competency = code.split("-", 1)[0]
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    achievement_id = f"https://{partner_id[:8]}.example/achievements/{code.lower()}-{number}"
    return {
        "id": str(uuid.uuid4()),
        "equality_key": hashlib.sha256(f"{issuer}\n{credential_id}".encode()).hexdigest(),
        "learner_id": learner_id,
        "partner_id": partner_id,
        "delivery_id": None,
        "delivery_item_id": None,
        "issuer_id": issuer,
        "credential_id": credential_id,
        "format": "json",
        "achievement_id": achievement_id,
        "achievement_name": f"Atelier {code} n° {number}",
        "achievement": {
            "id": achievement_id,
            "type": ["Achievement"],
            "name": f"Atelier {code} n° {number}",
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": code,
                    "targetUrl": COMPETENCIES[competency],
                    "targetCode": code,
                }
            ],
        },
        "valid_from": when,
        "valid_until": None,
        "awarded_at": when,
        "original_sealed": None,
        "digest": hashlib.sha256(credential_id.encode()).hexdigest(),
        "report": {},
        "status": "active",
        "status_checked_at": when,
        "status_changed_at": None,
        "updated_at": None,
        "created_at": when,
    }


async def _seed(sessions: async_sessionmaker[AsyncSession], kek: bytes) -> tuple[str, list[str]]:
    """The partners, the 200-badge learner and the minting learners; their ids."""
    now = datetime.now(UTC)
    async with session_scope(sessions) as session:
        partners: list[tuple[str, str]] = []
        for index in range(PARTNERS):
            partner = Partner(slug=f"partner-{index}", name=f"Partenaire {index}", state="active")
            session.add(partner)
            await session.flush()
            partners.append((partner.id, f"did:key:z6MkBench{index:02d}{uuid.uuid4().hex[:16]}"))

        def learner(email: str) -> str:
            learner_id = str(uuid.uuid4())
            session.add(Learner(id=learner_id, created_at=now))
            session.add(
                LearnerIdentifier(
                    learner_id=learner_id,
                    kind="email",
                    lookup=identifier_lookup(kek, "email", email),
                    sealed=seal_pii(kek, email),
                    created_at=now,
                )
            )
            return learner_id

        heavy = learner("charge@example.fr")
        rows = []
        codes = [f"{c}{suffix}" for c in COMPETENCIES for suffix in ("", "-II")]
        for number in range(BADGES):
            rows.append(
                _badge(
                    heavy,
                    partners[number % PARTNERS],
                    codes[number % len(codes)],
                    number,
                    now - timedelta(days=number),
                )
            )
        minting = []
        for index in range(LEARNERS):
            learner_id = learner(f"apprenant.{index}@example.fr")
            minting.append(learner_id)
            rows.append(_badge(learner_id, partners[0], "ORG-II", 1, now))
            rows.append(_badge(learner_id, partners[0], "ORG", 2, now))
            rows.append(_badge(learner_id, partners[1], "ORG", 3, now))
        await session.flush()
        await session.execute(PartnerBadge.__table__.insert(), rows)  # type: ignore[attr-defined]
    return heavy, minting


# --------------------------------------------------------------------------- runs


async def _evaluations(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, kek: bytes, learner: str
) -> tuple[list[float], list[float]]:
    await flows.evaluate_learner(sessions, settings, kek, learner)  # mints everything due
    flow_ms: list[float] = []
    for _ in range(EVALUATIONS):
        started = time.perf_counter()
        outcome = await flows.evaluate_learner(sessions, settings, kek, learner)
        flow_ms.append((time.perf_counter() - started) * 1000)
        assert not outcome.changed
    async with sessions() as session:
        active = await service.active_referential(session, settings, kek)
        state = await service.snapshot(session, active, learner)
    classifier = state.classifier()
    pure_ms: list[float] = []
    for _ in range(EVALUATIONS):
        started = time.perf_counter()
        evaluate(state.referential, state.facts, datetime.now(UTC), held=(), classifier=classifier)
        pure_ms.append((time.perf_counter() - started) * 1000)
    return flow_ms, pure_ms


async def _mint(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    kek: bytes,
    learners: list[str],
    concurrency: int,
) -> tuple[int, float]:
    queue = list(learners)
    minted = 0

    async def worker() -> None:
        nonlocal minted
        while queue:
            learner = queue.pop()
            outcome = await flows.evaluate_learner(sessions, settings, kek, learner)
            minted += len(outcome.minted)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return minted, time.perf_counter() - started


async def _accounting(sessions: async_sessionmaker[AsyncSession], learners: list[str]) -> bool:
    """Two awards per minting learner; one credential per award, none unlinked."""
    async with sessions() as session:
        rows = await session.execute(
            select(RegionalAward.learner_id, func.count())
            .where(RegionalAward.learner_id.in_(learners))
            .group_by(RegionalAward.learner_id)
        )
        per_learner = {str(row[0]): int(row[1]) for row in rows.all()}
        awards = await session.scalar(select(func.count()).select_from(RegionalAward))
        linked = await session.scalar(
            select(func.count(func.distinct(RegionalAward.credential_id)))
        )
        credentials = await session.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(IssuedCredential.client_id.is_(None))
        )
    return all(per_learner.get(learner) == 2 for learner in learners) and int(awards or 0) == int(
        linked or 0
    ) == int(credentials or 0)


async def _run(directory: Path) -> Figures:
    url = f"sqlite:///{directory / 'regional.sqlite3'}"
    upgrade(url)
    settings = Settings(data_dir=directory / "data", database_url=url, run_jobs_in_process=False)
    settings.ensure_data_dir()
    kek = settings.load_or_create_kek()
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with session_scope(sessions) as session:
            await service.ensure_default_referential(session, settings, kek)
        heavy, learners = await _seed(sessions, kek)
        flow_ms, pure_ms = await _evaluations(sessions, settings, kek, heavy)
        half = len(learners) // 2
        sequential, sequential_s = await _mint(sessions, settings, kek, learners[:half], 1)
        concurrent, concurrent_s = await _mint(
            sessions, settings, kek, learners[half:], CONCURRENCY
        )
        ok = await _accounting(sessions, learners)
    finally:
        await engine.dispose()
    return Figures(
        badges=BADGES,
        evaluation_ms_median=statistics.median(flow_ms),
        evaluation_ms_p90=statistics.quantiles(flow_ms, n=10)[-1],
        pure_evaluation_ms_median=statistics.median(pure_ms),
        learners=len(learners),
        minted_sequential=sequential,
        minted_per_s_sequential=sequential / sequential_s,
        minted_concurrent=concurrent,
        concurrency=CONCURRENCY,
        minted_per_s_concurrent=concurrent / concurrent_s,
        accounting_ok=ok,
    )


def run_all(*, core_sign: float) -> tuple[list[Figure], Figures]:
    """The figures: whole-flow evaluation vs the rules alone, minting vs the core sign rate."""
    with tempfile.TemporaryDirectory(prefix="obhub-bench-regional-") as tmp:
        figures = asyncio.run(_run(Path(tmp)))
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/regional.json", "w", encoding="utf-8") as handle:
        json.dump(asdict(figures), handle, indent=2)
    group = "regional aggregation through the service — embedded SQLite, Normandie référentiel"
    minted = f"{figures.minted_sequential + figures.minted_concurrent} for {figures.learners}"
    return [
        Figure(
            group,
            f"evaluate a learner with {figures.badges} badges (whole flow)",
            figures.evaluation_ms_median,
            "ms",
            "the rules alone",
            figures.pure_evaluation_ms_median,
            note=f"p90 {figures.evaluation_ms_p90:.1f} ms; floor {FLOOR_EVALUATION_MS:g} ms",
        ),
        Figure(
            group,
            "whole-flow evaluation",
            figures.evaluation_ms_median,
            "ms",
            target=Target("at_most", FLOOR_EVALUATION_MS),
        ),
        Figure(
            group,
            "minting, one learner at a time",
            figures.minted_per_s_sequential,
            "cred/s",
            "core eddsa-rdfc-2022 sign",
            core_sign,
            note=f"floor {FLOOR_MINTED_PER_S:g} credentials/s; {minted} learners",
        ),
        Figure(
            group,
            f"minting, {figures.concurrency} learners at a time",
            figures.minted_per_s_concurrent,
            "cred/s",
            "core eddsa-rdfc-2022 sign",
            core_sign,
        ),
        Figure(
            group,
            "minting floor (slowest of the two)",
            min(figures.minted_per_s_sequential, figures.minted_per_s_concurrent),
            "cred/s",
            target=Target("at_least", FLOOR_MINTED_PER_S),
        ),
        Figure(
            group,
            "accounting errors (two credentials per learner)",
            0 if figures.accounting_ok else 1,
            "",
            target=Target("at_most", 0),
        ),
    ], figures
