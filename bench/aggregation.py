"""Regional aggregation throughput: one learner with 200 partner badges, default référentiel.

Single process, pinned to one core. Each figure is the median over batches
(per-operation time = batch time / batch size), reported as ms/op and ops/s. The
evaluation floor is checked; the run fails (exit 1) if it is missed.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from aggregation import (
    AchievementMapping,
    Alignment,
    BadgeFact,
    Classifier,
    default_referential,
    evaluate,
    load_referential,
    progress,
)
from aggregation.images import achievement_svg
from bench.core import Result, pin_to_one_core, print_results
from bench.core import measure as _measure

BADGES = 200
EVALUATE = f"evaluate {BADGES} badges (default référentiel)"
# ops/s floors per core
FLOORS = {EVALUATE: 200.0}

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COMPETENCIES = ("organiser", "s-adapter", "communiquer", "s-integrer")
CODES = ("ORG", "ADA", "COM", "INT")


PARTNERS = 12
ACHIEVEMENTS_PER_PARTNER = 60


def catalogue(
    seed: int = 2026,
) -> tuple[list[tuple[str, str, tuple[Alignment, ...]]], list[AchievementMapping]]:
    """The partners' achievements (partner, id, alignments) and the Region's mappings.

    ``PARTNERS`` partners with ``ACHIEVEMENTS_PER_PARTNER`` achievements each, aligned
    by competency URI, level URI, ``targetCode`` (several spellings), only through an
    approved mapping, or on nothing in the référentiel. An achievement's alignments
    belong to the achievement: every badge of it carries the same ones.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible inputs, not secrets
    base = "https://badges.normandie.fr/referentiel/competences/"
    achievements: list[tuple[str, str, tuple[Alignment, ...]]] = []
    mappings: list[AchievementMapping] = []
    for partner_number in range(PARTNERS):
        partner = f"p{partner_number}"
        for number in range(ACHIEVEMENTS_PER_PARTNER):
            which = rng.randrange(4)
            slug, code = COMPETENCIES[which], CODES[which]
            achievement = f"https://{partner}.example/achievements/{number}"
            kind = rng.randrange(6)
            alignments: tuple[Alignment, ...]
            if kind == 0:
                alignments = (Alignment(target_url=base + slug, target_name=slug),)
            elif kind == 1:
                alignments = (Alignment(target_url=f"{base}{slug}/je-maitrise"),)
            elif kind == 2:
                spelling = rng.choice((code, f"{code}-II", f"{code}.i"))
                alignments = (Alignment(target_code=spelling),)
            elif kind == 3:
                alignments = ()
                level = rng.choice(("I", "II", None))
                mappings.append(AchievementMapping(achievement, code, level))
            elif kind == 4:
                alignments = (
                    Alignment(target_url="https://www.francecompetences.fr/recherche/rs/5364/"),
                    Alignment(target_code=f"{code}-I"),
                )
            else:
                alignments = (Alignment(target_code="RS5364", target_url="https://example.org/x"),)
            achievements.append((partner, achievement, alignments))
    return achievements, mappings


def learner(
    count: int = BADGES, seed: int = 2026
) -> tuple[list[BadgeFact], list[AchievementMapping]]:
    """A learner with ``count`` partner badges of the :func:`catalogue`, the way they arrive.

    One in ten revoked, a few expired, some received twice (the catalogue holds
    ``PARTNERS`` x ``ACHIEVEMENTS_PER_PARTNER`` achievements), some unrelated to the
    référentiel. Returns the badges and the Region's approved mappings.
    """
    achievements, mappings = catalogue()
    rng = random.Random(seed)  # noqa: S311 - reproducible inputs, not secrets
    facts: list[BadgeFact] = []
    for index in range(count):
        partner, achievement, alignments = rng.choice(achievements)
        facts.append(
            BadgeFact(
                id=f"badge-{index:05d}",
                issuer_id=f"did:web:{partner}.example",
                source=partner,
                achievement_id=achievement,
                alignments=alignments,
                issued_on=NOW - timedelta(days=rng.randrange(1, 2000)),
                expires=NOW - timedelta(days=1) if rng.random() < 0.03 else None,
                active=rng.random() >= 0.1,
                status=None,
            )
        )
    return facts, mappings


def measure(name: str, fn: Callable[[], object], *, batch: int, batches: int = 30) -> Result:
    return _measure(name, fn, batch=batch, batches=batches, floors=FLOORS)


def run() -> tuple[list[Result], dict[str, Any]]:
    ref = default_referential()
    facts, mappings = learner()
    classifier = Classifier(ref, mappings)
    result = evaluate(ref, facts, NOW, mappings=mappings)
    if not result.awarded:
        raise SystemExit("benchmark learner earns no regional badge: inputs are wrong")
    text = resources.files("aggregation").joinpath("data", "normandie.yaml").read_bytes()
    results = [
        measure(EVALUATE, lambda: evaluate(ref, facts, NOW, mappings=mappings), batch=50),
        measure(
            "evaluate, classifier prepared",
            lambda: evaluate(ref, facts, NOW, classifier=classifier),
            batch=50,
        ),
        measure(
            f"classify {BADGES} badges",
            lambda: [classifier.classify(fact) for fact in facts],
            batch=50,
        ),
        measure(
            "evaluate + progress view",
            lambda: progress(evaluate(ref, facts, NOW, mappings=mappings)),
            batch=50,
        ),
        measure("generate one badge SVG", lambda: achievement_svg(ref, "COM-II"), batch=200),
        measure(
            "load and check the default référentiel",
            lambda: load_referential(text, filename="normandie.yaml"),
            batch=3,
            batches=10,
        ),
    ]
    meta = {
        "badges": len(facts),
        "active": sum(1 for fact in facts if fact.active),
        "mappings": len(mappings),
        "classified": sum(1 for pairs in result.classification.values() if pairs),
        "awarded": list(result.awarded),
    }
    return results, meta


def main() -> int:
    core = pin_to_one_core()
    results, meta = run()
    print(
        f"obhub regional aggregation — one process pinned to core {core}; "
        f"{meta['badges']} partner badges ({meta['active']} active, "
        f"{meta['classified']} counting for a competency, {meta['mappings']} mappings), "
        f"awarded: {', '.join(meta['awarded'])}"
    )
    print_results(results)
    os.makedirs(".benchmarks", exist_ok=True)
    with open(".benchmarks/aggregation.json", "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "results": [r.__dict__ for r in results]}, handle, indent=2)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
