"""Regional rules: evaluation time against the number of badges per learner.

Pure evaluation (no database) against the default (Normandie) référentiel, in CPU
time, the best of several rounds with the sizes interleaved. The reference of the
1,000 / 5,000 / 10,000-badge figures is the 1,000-badge time scaled linearly: the
ratio says how far from linear evaluation is (target: at most ``LINEARITY``). Then
the figures of one learner with 200 partner badges (evaluations per second, with a
floor; classification, progress view, badge image, référentiel loading).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib import resources

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
from bench.report import Figure, Target

GROUP = "regional rules — pure evaluation, Normandie référentiel, CPU time, best of rounds"
BADGES = 200
SIZES = (1000, 5000, 10000)
# evaluation time at most this many times the linear extrapolation from 1,000 badges
LINEARITY = 1.5
# evaluations per second of a 200-badge learner (one core)
FLOOR_200 = 200.0

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


def cpu_ms(fn: Callable[[], object], *, repeat: int) -> float:
    """The lowest CPU time of ``fn`` over ``repeat`` calls, in ms (CPU time: the
    machine's other processes change it less than wall time)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best * 1000


def run(*, quick: bool) -> list[Figure]:
    """The scaling of evaluation with the badges per learner, then the 200-badge figures."""
    ref = default_referential()
    learners = {count: learner(count) for count in SIZES}
    best: dict[int, float] = {}
    for _ in range(2 if quick else 5):  # sizes interleaved, the best of each kept
        for count, (facts, mappings) in learners.items():
            elapsed = cpu_ms(partial(evaluate, ref, facts, NOW, mappings=mappings), repeat=1)
            best[count] = min(best.get(count, elapsed), elapsed)
    smallest = SIZES[0]
    figures = []
    for count in SIZES:
        linear = best[smallest] * count / smallest
        figures.append(
            Figure(
                GROUP,
                f"evaluate {count:,} badges / learner",
                best[count],
                "ms",
                f"{smallest:,} badges x {count // smallest} (linear)",
                linear,
                Target("ratio_at_most", LINEARITY) if count != smallest else None,
                note=f"{best[count] / count * 1000:.2f} us per badge",
            )
        )

    facts, mappings = learner()
    classifier = Classifier(ref, mappings)
    result = evaluate(ref, facts, NOW, mappings=mappings)
    if not result.awarded:
        raise SystemExit("benchmark learner earns no regional badge: inputs are wrong")
    text = resources.files("aggregation").joinpath("data", "normandie.yaml").read_bytes()
    evaluation = cpu_ms(lambda: evaluate(ref, facts, NOW, mappings=mappings), repeat=50)
    figures.append(
        Figure(
            GROUP,
            f"evaluate {BADGES} badges",
            1000 / evaluation,
            "/s",
            target=Target("at_least", FLOOR_200),
        )
    )
    others = {
        "evaluate, classifier prepared": lambda: evaluate(ref, facts, NOW, classifier=classifier),
        f"classify {BADGES} badges": lambda: [classifier.classify(fact) for fact in facts],
        "evaluate + progress view": lambda: progress(evaluate(ref, facts, NOW, mappings=mappings)),
        "generate one badge SVG": lambda: achievement_svg(ref, "COM-II"),
        "load and check the default référentiel": lambda: load_referential(
            text, filename="normandie.yaml"
        ),
    }
    for name, fn in others.items():
        figures.append(Figure(GROUP, name, cpu_ms(fn, repeat=10 if quick else 30), "ms"))
    return figures
