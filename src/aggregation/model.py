"""Value types shared by the référentiel, the rules and the views built on them.

Everything here is immutable (frozen dataclasses) and hashable, so a loaded
:class:`~aggregation.referential.Referential` can be shared freely between
requests and threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

__all__ = [
    "LANGS",
    "AchievementRef",
    "AlignmentTarget",
    "Competency",
    "Lang",
    "Level",
    "Text",
]

Lang = Literal["fr", "en"]
"""The languages the service speaks: French first."""
LANGS: Final[tuple[Lang, ...]] = get_args(Lang)


@dataclass(frozen=True, slots=True)
class Text:
    """Human text in one or more languages (a language map). French is always present.

    ``entries`` holds ``(language tag, text)`` pairs, French first, then the other
    languages in alphabetical order.
    """

    entries: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if not self.entries or self.entries[0][0] != "fr":
            raise ValueError("a Text needs French first")

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Text:
        """Build from a language map ``{"fr": …, "en": …}`` (``fr`` is required)."""
        if "fr" not in values:
            raise ValueError("a Text needs a French entry ('fr')")
        others = sorted((lang, text) for lang, text in values.items() if lang != "fr")
        return cls((("fr", values["fr"]), *others))

    @property
    def fr(self) -> str:
        return self.entries[0][1]

    @property
    def en(self) -> str | None:
        return self.exact("en")

    def exact(self, lang: str) -> str | None:
        """The text in exactly ``lang``, or ``None``."""
        for tag, text in self.entries:
            if tag == lang:
                return text
        return None

    def get(self, lang: str) -> str:
        """The text in ``lang`` (exact tag, then primary subtag), else French."""
        found = self.exact(lang)
        if found is not None:
            return found
        primary = lang.split("-", 1)[0].lower()
        for tag, text in self.entries:
            if tag.split("-", 1)[0].lower() == primary:
                return text
        return self.fr

    def to_dict(self) -> dict[str, str]:
        """The language map, French first."""
        return dict(self.entries)

    def __str__(self) -> str:
        return self.fr


@dataclass(frozen=True, slots=True)
class Level:
    """A level of mastery, e.g. ``I`` "Je pratique" (rank 1), ``II`` "Je maîtrise" (rank 2).

    ``rank`` orders the levels: higher is more advanced.
    """

    code: str
    name: Text
    rank: int
    description: Text | None = None

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"code": self.code, "name": self.name.to_dict(), "rank": self.rank}
        if self.description is not None:
            doc["description"] = self.description.to_dict()
        return doc


@dataclass(frozen=True, slots=True)
class Competency:
    """A competency of the référentiel, identified by ``code`` and by a stable https ``uri``.

    ``level_uris`` maps level codes to optional level-specific target URIs (a partner
    badge aligned to one of them counts at that level). ``color`` (``#rrggbb``)
    overrides the colour generated for its badge images.
    """

    code: str
    uri: str
    name: Text
    description: Text | None = None
    level_uris: tuple[tuple[str, str], ...] = ()
    color: str | None = None

    def level_uri(self, level: str) -> str | None:
        """The level-specific target URI for ``level`` (a level code), if declared."""
        for code, uri in self.level_uris:
            if code == level:
                return uri
        return None

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"code": self.code, "uri": self.uri, "name": self.name.to_dict()}
        if self.description is not None:
            doc["description"] = self.description.to_dict()
        if self.level_uris:
            doc["level_uris"] = dict(self.level_uris)
        if self.color is not None:
            doc["color"] = self.color
        return doc


@dataclass(frozen=True, slots=True)
class AchievementRef:
    """A reference from a rule to a regional achievement: its code and its name."""

    code: str
    name: Text


@dataclass(frozen=True, slots=True)
class AlignmentTarget:
    """An extra OB 3.0 ``Alignment`` a regional achievement carries (copied verbatim)."""

    target_name: str
    target_url: str
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = None

    def to_ob3(self) -> dict[str, Any]:
        """The OB 3.0 JSON object (camelCase terms, ``type`` included)."""
        doc: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": self.target_name,
            "targetUrl": self.target_url,
        }
        for key, value in (
            ("targetCode", self.target_code),
            ("targetDescription", self.target_description),
            ("targetFramework", self.target_framework),
            ("targetType", self.target_type),
        ):
            if value is not None:
                doc[key] = value
        return doc

    def to_document(self) -> dict[str, Any]:
        """The référentiel form (the OB 3.0 object without ``type``)."""
        doc = self.to_ob3()
        del doc["type"]
        return doc
