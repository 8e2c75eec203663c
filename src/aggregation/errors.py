"""Problems found in a référentiel: :class:`Issue` and :class:`ReferentialError`.

An issue has a stable machine-readable ``code`` (snake_case, never translated), the
``path`` of the offending value as a JSONPath (``$.achievements[2].rule.n_of.n``; ``$``
is the document root), the human message in French and in English, and for YAML
input the ``line`` (1-based) where the value starts.

Codes
=====

Reading: ``not_utf8``, ``too_large``, ``too_deep``, ``syntax_error``, ``empty_document``,
``duplicate_key``, ``unsupported_yaml``.

Shape (the JSON Schema): ``schema_<keyword>``, e.g. ``schema_required``,
``schema_type``, ``schema_additional_properties``, ``schema_pattern``,
``schema_min_items``.

Meaning: ``duplicate_code``, ``duplicate_rank``, ``duplicate_uri``,
``ambiguous_target_code``, ``unknown_level``, ``unknown_competency``,
``unknown_achievement``, ``competency_without_level``, ``duplicate_certification``,
``implies_higher_level``, ``implies_prerequisite``, ``self_reference``,
``dependency_cycle``, ``level_without_competency``,
``conflicting_level``, ``badges_without_target``, ``min_issuers_exceeds_min_count``,
``empty_window``, ``n_of_exceeds_candidates``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from aggregation.model import Lang
from aggregation.wording import Say

__all__ = ["Issue", "ReferentialError", "json_path"]

_IDENTIFIER: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*", re.ASCII)


def json_path(location: Iterable[str | int]) -> str:
    """A JSONPath for a location: ``("achievements", 2, "rule")`` -> ``$.achievements[2].rule``."""
    parts = ["$"]
    for part in location:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(part):
            parts.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a référentiel."""

    path: str
    code: str
    message_fr: str
    message_en: str
    line: int | None = None

    @classmethod
    def of(cls, path: str, code: str, text: Say, line: int | None = None) -> Issue:
        """The issue whose message is ``text``, said in French and in English."""
        return cls(path, code, text("fr"), text("en"), line)

    def message(self, lang: Lang | str = "fr") -> str:
        """The message in ``lang`` (French unless ``"en"``)."""
        return self.message_en if lang == "en" else self.message_fr

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "path": self.path,
            "code": self.code,
            "message": {"fr": self.message_fr, "en": self.message_en},
        }
        if self.line is not None:
            doc["line"] = self.line
        return doc


class ReferentialError(ValueError):
    """A référentiel cannot be used: every problem found is in :attr:`issues`."""

    code: str = "invalid_referential"

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        first = self.issues[0] if self.issues else None
        summary = f"invalid référentiel: {len(self.issues)} issue(s)"
        if first is not None:
            summary += f"; first: {first.path}: {first.code}: {first.message_en}"
        super().__init__(summary)
