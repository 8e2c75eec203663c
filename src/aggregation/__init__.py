"""aggregation: the regional référentiel, rule evaluation and what regional badges show.

A pure core (no web framework, ORM or network client): the database and HTTP layers
load a learner's partner badges as :class:`BadgeFact` values, call :func:`evaluate`
and mint credentials for :attr:`Result.new`.

* :mod:`aggregation.referential` - :func:`load_referential` (YAML/JSON, checked),
  :class:`Referential`, :func:`default_referential` (Région Normandie).
* :mod:`aggregation.classify` - which partner badges count for which competency and
  level (alignments, approved mappings).
* :mod:`aggregation.rules` - the rule language and :func:`evaluate`, with explanations.
* :mod:`aggregation.progress` - per-competency progress for a learner.
* :mod:`aggregation.images` - generated SVG badge images.
* :mod:`aggregation.ob3` - the OB 3.0 Achievement of a regional badge.
* :mod:`aggregation.check` - ``obhub referential check FILE``.
"""

from aggregation.classify import (
    AchievementMapping,
    Alignment,
    BadgeFact,
    Classifier,
    CompetencyLevel,
    Match,
    classify,
)
from aggregation.errors import Issue, ReferentialError
from aggregation.model import Competency, Level, Text
from aggregation.progress import CompetencyProgress, Progress, progress
from aggregation.referential import (
    Achievement,
    Referential,
    default_referential,
    load_referential,
)
from aggregation.rules import AchievementResult, Explanation, Missing, Result, evaluate

__all__ = [
    "Achievement",
    "AchievementMapping",
    "AchievementResult",
    "Alignment",
    "BadgeFact",
    "Classifier",
    "Competency",
    "CompetencyLevel",
    "CompetencyProgress",
    "Explanation",
    "Issue",
    "Level",
    "Match",
    "Missing",
    "Progress",
    "Referential",
    "ReferentialError",
    "Result",
    "Text",
    "classify",
    "default_referential",
    "evaluate",
    "load_referential",
    "progress",
]
