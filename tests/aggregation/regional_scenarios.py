"""Builders shared by the aggregation tests: learners' partner badges and small référentiels.

(This directory has no ``__init__.py`` on purpose: as a package it would be named
``aggregation`` and hide the real one. Its modules therefore have distinctive names.)
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta

from aggregation import Alignment, BadgeFact

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE = "https://badges.normandie.fr/referentiel/competences/"
URIS = {
    "ORG": BASE + "organiser",
    "ADA": BASE + "s-adapter",
    "COM": BASE + "communiquer",
    "INT": BASE + "s-integrer",
}


def badge(
    id: str,
    *,
    partner: str = "p1",
    code: str | None = None,
    url: str | None = None,
    days_ago: float = 30,
    achievement: str | None = None,
    active: bool = True,
    status: str | None = None,
    expires_in_days: float | None = None,
    source: str | None = None,
) -> BadgeFact:
    """A partner badge issued by ``partner`` ``days_ago`` days before :data:`NOW`.

    ``code``/``url`` become one alignment (``targetCode``/``targetUrl``); by default the
    achievement id is unique to this badge.
    """
    alignments = () if code is None and url is None else (Alignment(url, code),)
    return BadgeFact(
        id=id,
        issuer_id=f"did:web:{partner}.example",
        source=source,
        achievement_id=achievement or f"https://{partner}.example/achievements/{id}",
        alignments=alignments,
        issued_on=NOW - timedelta(days=days_ago),
        expires=None if expires_in_days is None else NOW + timedelta(days=expires_in_days),
        active=active,
        status=status,
    )


MINIMAL = """\
code: test
version: "1"
name: {fr: Référentiel de test}
levels:
  - {code: I, rank: 1, name: {fr: Je pratique, en: I practise}}
  - {code: II, rank: 2, name: {fr: Je maîtrise, en: I master}}
competencies:
  - code: ORG
    uri: https://example.org/c/organiser
    name: {fr: Organiser, en: Organising}
    level_uris: {II: https://example.org/c/organiser/2}
  - code: COM
    uri: https://example.org/c/communiquer
    name: {fr: Communiquer}
achievements:
"""


def referential_yaml(achievements: str) -> str:
    """:data:`MINIMAL` (two levels, ORG and COM) followed by ``achievements`` (YAML items)."""
    return MINIMAL + textwrap.indent(textwrap.dedent(achievements), "  ")


def achievement_yaml(code: str, rule: str, **extra: str) -> str:
    """One achievement item with French texts, ``rule`` (YAML flow) and ``extra`` keys."""
    lines = [
        f"- code: {code}",
        f"  name: {{fr: Badge {code}}}",
        f"  description: {{fr: Description {code}}}",
        f"  criteria: {{fr: Critères {code}}}",
        f"  rule: {rule}",
    ]
    lines.extend(f"  {key}: {value}" for key, value in extra.items())
    return "\n".join(lines) + "\n"
