"""The référentiel: levels, competencies and regional badges, read from YAML or JSON.

A référentiel is data, never code. :func:`load_referential` reads YAML or JSON text,
checks it and returns an immutable :class:`Referential`; every problem found is
reported at once in a :class:`~aggregation.errors.ReferentialError` (``issues``: a
JSONPath, a stable code, French and English messages, the YAML line).

Checks, in order:

1. **Reading.** UTF-8, at most :data:`MAX_BYTES`, nesting at most :data:`MAX_DEPTH`,
   one YAML document, no duplicate keys, no YAML merge keys or custom tags. YAML
   anchors and aliases are allowed (expansion is bounded by :data:`MAX_NODES`).
2. **Shape.** The JSON Schema (draft 2020-12) shipped as
   ``aggregation/data/referential.schema.json`` (:func:`referential_schema`).
3. **Meaning** (only when the shape is right): unique codes, ranks and URIs; every
   reference resolves (levels, competencies, regional badges); no two regional badges
   certify the same competency and level; a badge implies only lower levels of its
   own competency; no dependency cycle between regional badges (rules and
   ``implies``); coherent thresholds (``min_issuers`` <= ``min_count``,
   ``n`` <= number of candidates, non-empty ``within`` windows); ``targetCode``
   conventions unambiguous.

The format is documented in ``docs/referential.md``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aggregation.classify import Target, code_key, code_variants, url_key, url_variants
from aggregation.errors import Issue, ReferentialError, json_path
from aggregation.model import AchievementRef, AlignmentTarget, Competency, Level, Text
from aggregation.rules import (
    AllOf,
    AnyOf,
    BadgesCondition,
    Condition,
    Duration,
    NOfCondition,
    RegionalCondition,
)
from aggregation.wording import Say, say
from obhub_i18n import N_, Language, pgettext, render

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ISSUES",
    "MAX_NODES",
    "Achievement",
    "Referential",
    "default_referential",
    "load_referential",
    "parse_referential",
    "read_document",
    "referential_schema",
    "validate_document",
]

MAX_BYTES: Final = 1_000_000
"""Largest référentiel accepted (bytes of UTF-8)."""
MAX_DEPTH: Final = 64
"""Deepest nesting accepted (objects and arrays)."""
MAX_NODES: Final = 200_000
"""Most values accepted once YAML aliases are expanded."""
MAX_ISSUES: Final = 200
"""Issues reported at most (then ``too_many_issues``)."""

DEFAULT_RESOURCE: Final = "normandie.yaml"
SCHEMA_RESOURCE: Final = "referential.schema.json"

Location = tuple[str | int, ...]
Format = Literal["yaml", "json"]


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Achievement:
    """A regional badge: what it is (OB 3.0 name, description, criteria) and its ``rule``.

    ``competency`` and ``level`` say what it certifies (both absent for a general
    badge; ``level`` alone is allowed). ``implies`` lists the regional badges awarded
    with it. ``image`` is an https URL or a data URI (absent: one is generated, see
    :mod:`aggregation.images`, in ``color`` if given); ``alignment`` holds extra OB 3.0
    alignments.
    """

    code: str
    name: Text
    description: Text
    criteria: Text
    rule: Condition
    image: str | None = None
    competency: Competency | None = None
    level: Level | None = None
    implies: tuple[str, ...] = ()
    alignment: tuple[AlignmentTarget, ...] = ()
    color: str | None = None

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "code": self.code,
            "name": self.name.to_dict(),
            "description": self.description.to_dict(),
            "criteria": self.criteria.to_dict(),
        }
        if self.image is not None:
            doc["image"] = self.image
        if self.competency is not None:
            doc["competency"] = self.competency.code
        if self.level is not None:
            doc["level"] = self.level.code
        if self.implies:
            doc["implies"] = list(self.implies)
        if self.alignment:
            doc["alignment"] = [target.to_document() for target in self.alignment]
        if self.color is not None:
            doc["color"] = self.color
        doc["rule"] = self.rule.to_document()
        return doc


def _index(items: Any, key: Callable[[Any], str]) -> dict[str, Any]:
    return {key(item): item for item in items}


@dataclass(frozen=True)
class Referential:
    """A checked référentiel. Build it with :func:`load_referential`.

    ``levels`` are sorted by rank; ``competencies`` and ``achievements`` keep their
    declaration order. ``target_urls`` and ``target_codes`` are the classification
    indexes (normalised ``targetUrl`` / ``targetCode`` -> competency and level).
    """

    code: str
    version: str
    name: Text
    levels: tuple[Level, ...]
    competencies: tuple[Competency, ...]
    achievements: tuple[Achievement, ...]
    description: Text | None = None
    target_urls: Mapping[str, Target] = field(init=False, repr=False, compare=False)
    target_codes: Mapping[str, Target] = field(init=False, repr=False, compare=False)
    _levels: dict[str, Level] = field(init=False, repr=False, compare=False)
    _competencies: dict[str, Competency] = field(init=False, repr=False, compare=False)
    _achievements: dict[str, Achievement] = field(init=False, repr=False, compare=False)
    _levels_ci: dict[str, Level] = field(init=False, repr=False, compare=False)
    _competencies_ci: dict[str, Competency] = field(init=False, repr=False, compare=False)
    _implied_by: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _order: tuple[Achievement, ...] = field(init=False, repr=False, compare=False)
    _digest: list[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("levels", tuple(sorted(self.levels, key=lambda level: level.rank)))
        put("_levels", _index(self.levels, lambda level: level.code))
        put("_competencies", _index(self.competencies, lambda c: c.code))
        put("_achievements", _index(self.achievements, lambda a: a.code))
        put("_levels_ci", _index(self.levels, lambda level: level.code.upper()))
        put("_competencies_ci", _index(self.competencies, lambda c: code_key(c.code)))
        urls: dict[str, Target] = {}
        codes: dict[str, Target] = {}
        for competency in self.competencies:
            for key, target in url_variants(competency):
                urls.setdefault(key, target)
            for key, target in code_variants(competency, self.levels):
                codes.setdefault(key, target)
        for achievement in self.achievements:
            if achievement.competency is not None and achievement.level is not None:
                target = (achievement.competency.code, achievement.level.code)
                codes.setdefault(code_key(achievement.code), target)
        put("target_urls", urls)
        put("target_codes", codes)
        implied_by: dict[str, list[str]] = {}
        for achievement in self.achievements:
            for implied in achievement.implies:
                implied_by.setdefault(implied, []).append(achievement.code)
        put("_implied_by", {code: tuple(codes) for code, codes in implied_by.items()})
        put("_order", self._topological_order())
        put("_digest", [])

    def _dependencies(self, achievement: Achievement) -> tuple[str, ...]:
        return (*achievement.rule.references(), *self._implied_by.get(achievement.code, ()))

    def _topological_order(self) -> tuple[Achievement, ...]:
        position = {a.code: i for i, a in enumerate(self.achievements)}
        waiting = {
            a.code: {d for d in self._dependencies(a) if d in position} for a in self.achievements
        }
        order: list[Achievement] = []
        done: set[str] = set()
        while len(order) < len(self.achievements):
            ready = [code for code, deps in waiting.items() if code not in done and deps <= done]
            if not ready:
                raise ValueError("dependency cycle between regional badges")
            code = min(ready, key=position.__getitem__)
            done.add(code)
            order.append(self._achievements[code])
        return tuple(order)

    # -- look-ups ------------------------------------------------------------

    def level(self, code: str) -> Level:
        """The level ``code`` (exact); :class:`KeyError` if unknown."""
        return self._levels[code]

    def competency(self, code: str) -> Competency:
        """The competency ``code`` (exact); :class:`KeyError` if unknown."""
        return self._competencies[code]

    def achievement(self, code: str) -> Achievement:
        """The regional badge ``code`` (exact); :class:`KeyError` if unknown."""
        return self._achievements[code]

    def find_level(self, code: str) -> Level | None:
        """The level ``code``, compared case-insensitively, or ``None``."""
        return self._levels_ci.get(code.strip().upper())

    def find_competency(self, code: str) -> Competency | None:
        """The competency ``code``, compared case-insensitively, or ``None``."""
        return self._competencies_ci.get(code_key(code))

    @property
    def lowest_level(self) -> Level:
        """The level of lowest rank: where an alignment without level counts."""
        return self.levels[0]

    def evaluation_order(self) -> tuple[Achievement, ...]:
        """Regional badges, each after those its rule or its ``implies`` depend on.

        Among badges ready at the same time, declaration order wins (deterministic).
        """
        return self._order

    def implied_by(self, code: str) -> tuple[str, ...]:
        """Codes of the regional badges whose ``implies`` directly lists ``code``."""
        return self._implied_by.get(code, ())

    def implied_closure(self, code: str) -> frozenset[str]:
        """Every regional badge awarded along with ``code`` (transitively), ``code`` excluded."""
        seen: set[str] = set()
        stack = list(self._achievements[code].implies)
        while stack:
            current = stack.pop()
            if current not in seen and current != code:
                seen.add(current)
                stack.extend(self._achievements[current].implies)
        return frozenset(seen)

    def achievements_for(self, competency: str) -> tuple[Achievement, ...]:
        """The regional badges certifying ``competency``, by level rank."""
        found = [
            a
            for a in self.achievements
            if a.competency is not None and a.competency.code == competency
        ]
        return tuple(sorted(found, key=lambda a: a.level.rank if a.level else 0))

    def achievement_for(self, competency: str, level: str) -> Achievement | None:
        """The regional badge certifying ``competency`` at ``level``, if any."""
        for achievement in self.achievements_for(competency):
            if achievement.level is not None and achievement.level.code == level:
                return achievement
        return None

    # -- serialisation -------------------------------------------------------

    def to_document(self) -> dict[str, Any]:
        """The référentiel as plain JSON data (defaults explicit); loads back to an equal one."""
        doc: dict[str, Any] = {"code": self.code, "version": self.version}
        doc["name"] = self.name.to_dict()
        if self.description is not None:
            doc["description"] = self.description.to_dict()
        doc["levels"] = [level.to_document() for level in self.levels]
        doc["competencies"] = [competency.to_document() for competency in self.competencies]
        doc["achievements"] = [achievement.to_document() for achievement in self.achievements]
        return doc

    def canonical_json(self) -> bytes:
        """:meth:`to_document` as canonical JSON (sorted keys, no spaces, UTF-8)."""
        return json.dumps(
            self.to_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")

    def digest(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_json`: changes iff the meaning changes.

        Comments, key order and layout of the source do not change it.
        """
        if not self._digest:
            self._digest.append(hashlib.sha256(self.canonical_json()).hexdigest())
        return self._digest[0]


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


class _AbortError(Exception):
    """Reading cannot go on: ``issue`` says why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.code)
        self.issue = issue


def _issue(
    location: Location,
    code: str,
    text: Say,
    lines: Mapping[Location, int] | None = None,
    *,
    line: int | None = None,
) -> Issue:
    if line is None and lines:
        probe = location
        while True:
            line = lines.get(probe)
            if line is not None or not probe:
                break
            probe = probe[:-1]
    return Issue.of(json_path(location), code, text, line)


_YAML_TAG: Final = "tag:yaml.org,2002:"
_YAML_SCALARS: Final = frozenset(
    _YAML_TAG + name for name in ("str", "int", "float", "bool", "null")
)


class _YamlReader:
    """Turns a composed YAML node tree into JSON data, recording each value's line."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.lines: dict[Location, int] = {}
        self.issues: list[Issue] = []
        self.budget = MAX_NODES

    def convert(self, node: Node, location: Location, depth: int) -> Any:
        self.budget -= 1
        line = node.start_mark.line + 1
        if self.budget < 0:
            raise _AbortError(
                _issue(
                    (),
                    "too_large",
                    say(
                        N_("the document exceeds {max_nodes} values (YAML aliases included)"),
                        max_nodes=MAX_NODES,
                    ),
                )
            )
        if depth > MAX_DEPTH:
            raise _AbortError(_too_deep(location, line))
        self.lines.setdefault(location, line)
        if isinstance(node, ScalarNode):
            if node.tag == _YAML_TAG + "timestamp":
                return node.value
            if node.tag in _YAML_SCALARS:
                return self.loader.construct_object(node)
            return self._unsupported(location, line, node.tag)
        if isinstance(node, SequenceNode):
            if node.tag != _YAML_TAG + "seq":
                return self._unsupported(location, line, node.tag)
            return [
                self.convert(child, (*location, index), depth + 1)
                for index, child in enumerate(node.value)
            ]
        if isinstance(node, MappingNode):
            if node.tag != _YAML_TAG + "map":
                return self._unsupported(location, line, node.tag)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                if not isinstance(key_node, ScalarNode) or key_node.tag == _YAML_TAG + "merge":
                    self.issues.append(
                        _issue(
                            location,
                            "unsupported_yaml",
                            say(N_("only plain keys are allowed (no '<<' merge key)")),
                            line=key_line,
                        )
                    )
                    continue
                key = key_node.value
                if key in result:
                    self.issues.append(
                        _issue(
                            (*location, key),
                            "duplicate_key",
                            say(N_("the key '{key}' appears twice"), key=key),
                            line=key_line,
                        )
                    )
                    continue
                result[key] = self.convert(value_node, (*location, key), depth + 1)
            return result
        return self._unsupported(location, line, node.tag)  # pragma: no cover

    def _unsupported(self, location: Location, line: int, tag: str) -> None:
        self.issues.append(
            _issue(
                location,
                "unsupported_yaml",
                say(N_("unsupported YAML tag: {tag}"), tag=tag),
                line=line,
            )
        )


def _too_deep(location: Location = (), line: int | None = None) -> Issue:
    return _issue(
        location,
        "too_deep",
        say(N_("the document is nested deeper than {max_depth} levels"), max_depth=MAX_DEPTH),
        line=line,
    )


def _read_yaml(text: str) -> tuple[Any, dict[Location, int], list[Issue]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, [_empty()]
        reader = _YamlReader(loader)
        document = reader.convert(node, (), 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = f"{exc.context or ''} {exc.problem or ''}".strip()
        return None, {}, [_syntax_error(problem, mark.line + 1 if mark else None)]
    except yaml.YAMLError as exc:
        return None, {}, [_syntax_error(str(exc), None)]
    except RecursionError:
        return None, {}, [_too_deep()]
    except _AbortError as abort:
        return None, {}, [abort.issue]
    else:
        return document, reader.lines, reader.issues
    finally:
        loader.dispose()


class _JsonObject(dict[str, Any]):
    duplicates: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    result = _JsonObject()
    duplicates = []
    for key, value in pairs:
        if key in result:
            duplicates.append(key)
        else:
            result[key] = value
    result.duplicates = tuple(duplicates)
    return result


def _walk(document: Any, location: Location = ()) -> Iterator[tuple[Location, Any]]:
    stack: list[tuple[Location, Any]] = [(location, document)]
    while stack:
        here, value = stack.pop()
        yield here, value
        if isinstance(value, dict):
            stack.extend(((*here, key), child) for key, child in value.items())
        elif isinstance(value, list):
            stack.extend(((*here, index), child) for index, child in enumerate(value))


def _read_json(text: str) -> tuple[Any, dict[Location, int], list[Issue]]:
    try:
        document = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        return None, {}, [_syntax_error(exc.msg, exc.lineno)]
    except RecursionError:
        return None, {}, [_too_deep()]
    issues = [
        _issue(
            (*location, key),
            "duplicate_key",
            say(N_("the key '{key}' appears twice"), key=key),
        )
        for location, value in _walk(document)
        if isinstance(value, _JsonObject)
        for key in value.duplicates
    ]
    return document, {}, issues


def _syntax_error(problem: str, line: int | None) -> Issue:
    text = (
        say(N_("the document cannot be read (line {line}): {problem}"), line=line, problem=problem)
        if line
        else say(N_("the document cannot be read: {problem}"), problem=problem)
    )
    return _issue((), "syntax_error", text, line=line)


def _empty() -> Issue:
    return _issue((), "empty_document", say(N_("the document is empty")))


def _sniff(text: str, filename: str | None) -> Format:
    if filename:
        lowered = filename.lower()
        if lowered.endswith(".json"):
            return "json"
        if lowered.endswith((".yaml", ".yml")):
            return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def read_document(
    data: str | bytes, *, filename: str | None = None, format: Format | None = None
) -> tuple[Any, dict[Location, int], list[Issue]]:
    """Read YAML or JSON text: ``(document, lines, issues)``. Never raises.

    ``format`` defaults to the ``filename`` extension, else JSON if the text starts
    with ``{``, else YAML. ``lines`` maps value locations to YAML line numbers.
    """
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        return (
            None,
            {},
            [
                _issue(
                    (),
                    "too_large",
                    say(N_("the document exceeds {max_bytes} bytes"), max_bytes=MAX_BYTES),
                )
            ],
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return (
                None,
                {},
                [
                    _issue(
                        (),
                        "not_utf8",
                        say(N_("the document is not UTF-8 (byte {byte})"), byte=exc.start),
                    )
                ],
            )
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        return None, {}, [_empty()]
    chosen = format or _sniff(text, filename)
    return _read_json(text) if chosen == "json" else _read_yaml(text)


# ---------------------------------------------------------------------------
# Shape: the JSON Schema
# ---------------------------------------------------------------------------


@cache
def _schema_text() -> str:
    return resources.files("aggregation").joinpath("data", SCHEMA_RESOURCE).read_text("utf-8")


def referential_schema() -> dict[str, Any]:
    """The JSON Schema of référentiels (a fresh copy)."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@cache
def _validator() -> Validator:
    from jsonschema import Draft202012Validator  # noqa: PLC0415 - only when checking a file

    return Draft202012Validator(referential_schema())


def _type_names(lang: Language) -> dict[str, str]:
    """The JSON Schema types in words (``array``: "list", "liste")."""
    return {
        "string": pgettext(lang, "JSON type", "string"),
        "integer": pgettext(lang, "JSON type", "integer"),
        "number": pgettext(lang, "JSON type", "number"),
        "object": pgettext(lang, "JSON type", "object"),
        "array": pgettext(lang, "JSON type", "list"),
        "boolean": pgettext(lang, "JSON type", "boolean"),
        "null": pgettext(lang, "JSON type", "null"),
    }


def _type_name(json_type: str) -> Say:
    """A JSON type in words; an unknown one as written."""
    return lambda lang: _type_names(lang).get(json_type, json_type)


def _one_of(types: list[Any]) -> Say:
    """The types in words, joined: ``texte ou liste`` / ``string or list``."""

    def in_language(lang: Language) -> str:
        words = [_type_name(str(t))(lang) for t in types]
        text = words[0]
        for word in words[1:]:
            text = render(lang, N_("{either} or {other}"), {"either": text, "other": word})
        return text

    return in_language


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def _snake(keyword: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", keyword).lower()


def _schema_message(error: Any) -> Say:
    keyword: str = error.validator
    expected: Any = error.validator_value
    value: Any = error.instance
    custom = (
        error.schema.get("x-messages", {}).get(keyword) if isinstance(error.schema, dict) else None
    )
    if custom is not None:  # the schema's own words, in both languages
        said = _said(custom)
        if keyword == "pattern":
            return say(N_("{value}: {rule}"), value=_shown(value), rule=said)
        return said
    if keyword == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        found = _json_type(value)
        if "string" in wanted and found in ("integer", "number", "boolean"):
            message = N_("expected {expected} (found {found} {value}); put the value in quotes")
        else:
            message = N_("expected {expected} (found {found} {value})")
        return say(message, expected=_one_of(wanted), found=_type_name(found), value=_shown(value))
    if keyword in ("enum", "const"):
        allowed = expected if keyword == "enum" else [expected]
        listed = ", ".join(_shown(v) for v in allowed)
        return say(
            N_("value {value} not allowed (allowed: {allowed})"),
            value=_shown(value),
            allowed=listed,
        )
    if keyword == "minimum":
        return say(N_("the value must be at least {expected}"), expected=expected)
    if keyword == "maximum":
        return say(N_("the value must be at most {expected}"), expected=expected)
    if keyword == "minItems":
        return say(N_("the list needs at least {expected} item(s)"), expected=expected)
    if keyword == "maxItems":
        return say(N_("the list has more than {expected} items"), expected=expected)
    if keyword == "minLength":
        return say(N_("the text is empty"))
    if keyword == "maxLength":
        return say(N_("the text is longer than {expected} characters"), expected=expected)
    if keyword == "uniqueItems":
        return say(N_("the list has duplicates"))
    if keyword == "pattern":
        return say(N_("{value} does not match {expected}"), value=_shown(value), expected=expected)
    return say(N_("invalid value: {reason}"), reason=error.message)


def _said(words: Mapping[str, str]) -> Say:
    """Words the référentiel schema gives in both languages (its ``x-messages``)."""
    return lambda lang: words[lang]


def _suggest(word: str, choices: Any) -> Say | str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    if not close:
        return ""
    return say(N_(" (did you mean '{word}'?)"), word=close[0])


def _schema_issues(document: Any, lines: Mapping[Location, int]) -> list[Issue]:
    issues: list[Issue] = []
    errors: list[Any] = sorted(
        _validator().iter_errors(document),
        key=lambda e: (lines.get(tuple(e.absolute_path), 0), json_path(e.absolute_path)),
    )
    for error in errors:
        location: Location = tuple(error.absolute_path)
        keyword = error.validator
        code = f"schema_{_snake(keyword)}"
        if keyword == "required" and isinstance(error.instance, dict):
            custom = error.schema.get("x-messages", {}).get("required")
            for name in error.validator_value:
                if name in error.instance:
                    continue
                text = _said(custom) if custom else say(N_("'{name}' is required"), name=name)
                issue = _issue((*location, name), code, text, lines)
                if issue not in issues:
                    issues.append(issue)
            continue
        if keyword == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for name in error.instance:
                if name in known:
                    continue
                text = say(
                    N_("unknown property '{name}'{hint}"), name=name, hint=_suggest(name, known)
                )
                issues.append(_issue((*location, name), code, text, lines))
            continue
        issues.append(_issue(location, code, _schema_message(error), lines))
    return issues


def _deeper_than(document: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)
    return False


# ---------------------------------------------------------------------------
# Meaning
# ---------------------------------------------------------------------------


class _Checker:
    """Semantic checks of a document that has the right shape."""

    def __init__(self, document: dict[str, Any], lines: Mapping[Location, int]) -> None:
        self.doc = document
        self.lines = lines
        self.issues: list[Issue] = []
        self.levels = {level["code"]: level for level in document["levels"]}
        self.competencies = {c["code"]: c for c in document["competencies"]}
        self.achievements = {a["code"]: a for a in document["achievements"]}

    def add(self, location: Location, code: str, text: Say) -> None:
        self.issues.append(_issue(location, code, text, self.lines))

    def run(self) -> list[Issue]:
        self._unique(
            "levels",
            N_("the level code '{code}' is already used ('{first}', ignoring case and separators)"),
        )
        self._unique(
            "competencies",
            N_(
                "the competency code '{code}' is already used ('{first}', ignoring case and "
                "separators)"
            ),
        )
        self._unique(
            "achievements",
            N_(
                "the regional badge code '{code}' is already used ('{first}', ignoring case and "
                "separators)"
            ),
        )
        self._ranks()
        if not self.issues:  # duplicate codes or ranks would make every code ambiguous
            self._targets()
        self._competencies()
        self._achievements()
        self._cycles()
        return self.issues

    def _unique(self, section: str, message: str) -> None:
        seen: dict[str, int] = {}
        for index, item in enumerate(self.doc[section]):
            key = code_key(item["code"])
            if key in seen:
                first = self.doc[section][seen[key]]["code"]
                self.add(
                    (section, index, "code"),
                    "duplicate_code",
                    say(message, code=item["code"], first=first),
                )
            else:
                seen[key] = index

    def _ranks(self) -> None:
        seen: dict[int, str] = {}
        for index, level in enumerate(self.doc["levels"]):
            rank = int(level["rank"])
            if rank in seen:
                self.add(
                    ("levels", index, "rank"),
                    "duplicate_rank",
                    say(
                        N_("rank {rank} is already level '{level}''s"), rank=rank, level=seen[rank]
                    ),
                )
            else:
                seen[rank] = level["code"]

    def _unknown_level(self, location: Location, code: str) -> bool:
        if code in self.levels:
            return False
        self.add(
            location,
            "unknown_level",
            say(N_("unknown level '{code}'{hint}"), code=code, hint=_suggest(code, self.levels)),
        )
        return True

    def _unknown_competency(self, location: Location, code: str) -> bool:
        if code in self.competencies:
            return False
        self.add(
            location,
            "unknown_competency",
            say(
                N_("unknown competency '{code}'{hint}"),
                code=code,
                hint=_suggest(code, self.competencies),
            ),
        )
        return True

    def _unknown_achievement(self, location: Location, code: str) -> bool:
        if code in self.achievements:
            return False
        self.add(
            location,
            "unknown_achievement",
            say(
                N_("unknown regional badge '{code}'{hint}"),
                code=code,
                hint=_suggest(code, self.achievements),
            ),
        )
        return True

    def _competencies(self) -> None:
        uris: dict[str, Location] = {}
        for index, competency in enumerate(self.doc["competencies"]):
            entries: list[tuple[Location, str]] = [
                (("competencies", index, "uri"), competency["uri"])
            ]
            for level, uri in competency.get("level_uris", {}).items():
                location: Location = ("competencies", index, "level_uris", level)
                self._unknown_level(location, level)
                entries.append((location, uri))
            for location, uri in entries:
                key = url_key(uri)
                if key in uris:
                    self.add(
                        location,
                        "duplicate_uri",
                        say(
                            N_("the URI '{uri}' is already used at {path}"),
                            uri=uri,
                            path=json_path(uris[key]),
                        ),
                    )
                else:
                    uris[key] = location

    def _targets(self) -> None:
        levels = [
            Level(code, Text.of({"fr": code}), int(level["rank"]))
            for code, level in self.levels.items()
        ]
        known: dict[str, tuple[Target, Location]] = {}

        def claim(key: str, target: Target, location: Location, spelled: str) -> None:
            if key not in known:
                known[key] = (target, location)
                return
            other, where = known[key]
            if other != target:
                self.add(
                    location,
                    "ambiguous_target_code",
                    say(
                        N_(
                            "the targetCode '{code}' would also name {target} ({path}): "
                            "rename a code"
                        ),
                        code=spelled,
                        target=_target_text(other),
                        path=json_path(where),
                    ),
                )

        for index, raw in enumerate(self.doc["competencies"]):
            competency = Competency(raw["code"], raw["uri"], Text.of({"fr": raw["code"]}))
            for key, target in code_variants(competency, levels):
                claim(key, target, ("competencies", index, "code"), key)
        for index, raw in enumerate(self.doc["achievements"]):
            if raw.get("competency") in self.competencies and raw.get("level") in self.levels:
                target = (raw["competency"], raw["level"])
                claim(code_key(raw["code"]), target, ("achievements", index, "code"), raw["code"])

    def _achievements(self) -> None:
        certified: dict[tuple[str, str], str] = {}
        for index, raw in enumerate(self.doc["achievements"]):
            here: Location = ("achievements", index)
            code = raw["code"]
            competency, level = raw.get("competency"), raw.get("level")
            known_competency = competency is not None and not self._unknown_competency(
                (*here, "competency"), competency
            )
            known_level = level is not None and not self._unknown_level((*here, "level"), level)
            if competency is not None and level is None:
                self.add(
                    (*here, "level"),
                    "competency_without_level",
                    say(N_("a badge certifying a competency must also give its level")),
                )
            if known_competency and known_level:
                pair = (competency, level)
                if pair in certified:
                    self.add(
                        here,
                        "duplicate_certification",
                        say(
                            N_("'{badge}' already certifies {competency} at level {level}"),
                            badge=certified[pair],
                            competency=competency,
                            level=level,
                        ),
                    )
                else:
                    certified[pair] = code
            required = set(_references(raw["rule"]))
            for position, implied in enumerate(raw.get("implies", [])):
                location: Location = (*here, "implies", position)
                if implied == code:
                    self._self_reference(location, code)
                elif implied in required:
                    self.add(
                        location,
                        "implies_prerequisite",
                        say(
                            N_(
                                "'{code}' already requires '{implied}' in its rule: also implying "
                                "it would make a cycle; remove one of the two"
                            ),
                            code=code,
                            implied=implied,
                        ),
                    )
                elif not self._unknown_achievement(location, implied):
                    self._implied_level(location, raw, self.achievements[implied])
            self._rule(raw["rule"], (*here, "rule"), code)

    def _implied_level(
        self, location: Location, raw: dict[str, Any], implied: dict[str, Any]
    ) -> None:
        same = raw.get("competency") is not None and raw.get("competency") == implied.get(
            "competency"
        )
        if (
            not same
            or raw.get("level") not in self.levels
            or implied.get("level") not in self.levels
        ):
            return
        if int(self.levels[implied["level"]]["rank"]) > int(self.levels[raw["level"]]["rank"]):
            self.add(
                location,
                "implies_higher_level",
                say(
                    N_("'{code}' cannot imply '{implied}', a higher level of the same competency"),
                    code=raw["code"],
                    implied=implied["code"],
                ),
            )

    def _self_reference(self, location: Location, code: str) -> None:
        self.add(
            location,
            "self_reference",
            say(N_("the badge '{code}' cannot depend on itself"), code=code),
        )

    def _rule(self, rule: dict[str, Any], location: Location, owner: str) -> None:
        ((kind, value),) = rule.items()
        here: Location = (*location, kind)
        if kind in ("all", "any"):
            for index, child in enumerate(value):
                self._rule(child, (*here, index), owner)
        elif kind == "badges":
            self._badges(value, here)
        elif kind == "regional":
            for index, code in enumerate(value):
                self._reference((*here, index), code, owner)
        else:
            for index, code in enumerate(value["of"]):
                self._reference((*here, "of", index), code, owner)
            if value["n"] > len(value["of"]):
                self.add(
                    (*here, "n"),
                    "n_of_exceeds_candidates",
                    say(
                        N_("n = {n} exceeds the number of candidate badges ({count})"),
                        n=value["n"],
                        count=len(value["of"]),
                    ),
                )

    def _reference(self, location: Location, code: str, owner: str) -> None:
        if code == owner:
            self._self_reference(location, owner)
        else:
            self._unknown_achievement(location, code)

    def _badges(self, value: dict[str, Any], here: Location) -> None:
        if "competency" in value:
            self._unknown_competency((*here, "competency"), value["competency"])
        elif "achievements" not in value:
            self.add(
                here,
                "badges_without_target",
                say(N_("give a competency or partner achievements")),
            )
        for key in ("level", "min_level"):
            if key in value:
                self._unknown_level((*here, key), value[key])
                if "competency" not in value:
                    self.add(
                        (*here, key),
                        "level_without_competency",
                        say(N_("a level only makes sense with a competency")),
                    )
        if "level" in value and "min_level" in value:
            self.add(
                (*here, "min_level"),
                "conflicting_level",
                say(N_("level (exact level) and min_level (lowest level) exclude each other")),
            )
        count, issuers = int(value.get("min_count", 1)), int(value.get("min_issuers", 1))
        if issuers > count:
            self.add(
                (*here, "min_issuers"),
                "min_issuers_exceeds_min_count",
                say(
                    N_("min_issuers ({issuers}) cannot exceed min_count ({count})"),
                    issuers=issuers,
                    count=count,
                ),
            )
        if "within" in value and Duration.parse(value["within"]).is_zero:
            self.add(
                (*here, "within"),
                "empty_window",
                say(N_("a zero-length window admits no badge")),
            )

    def _cycles(self) -> None:
        raw = self.doc["achievements"]
        position = {a["code"]: index for index, a in enumerate(raw)}
        deps: dict[str, list[str]] = {a["code"]: [] for a in raw}
        for achievement in raw:
            code = achievement["code"]
            required = set(_references(achievement["rule"]))
            deps[code].extend(ref for ref in required if ref in deps and ref != code)
            for implied in achievement.get("implies", []):
                if implied in deps and implied != code and implied not in required:
                    deps[implied].append(code)
        remaining = set(deps)
        changed = True
        while changed:
            changed = False
            for code in list(remaining):
                if not any(dep in remaining for dep in deps[code]):
                    remaining.discard(code)
                    changed = True
        reported: set[frozenset[str]] = set()
        for start in sorted(remaining, key=position.__getitem__):
            path: list[str] = []
            current = start
            while current not in path:
                path.append(current)
                current = min(
                    (d for d in deps[current] if d in remaining), key=position.__getitem__
                )
            cycle = path[path.index(current) :]
            key = frozenset(cycle)
            if key in reported:
                continue
            reported.add(key)
            first = min(cycle, key=position.__getitem__)
            turn = cycle.index(first)
            ordered = [*cycle[turn:], *cycle[:turn], first]
            shown = " → ".join(ordered)
            self.add(
                ("achievements", position[first]),
                "dependency_cycle",
                say(
                    N_(
                        "circular dependency between regional badges: {cycle} "
                        "(→: 'depends on', through a rule or implies)"
                    ),
                    cycle=shown,
                ),
            )


def _references(rule: dict[str, Any]) -> Iterator[str]:
    ((kind, value),) = rule.items()
    if kind in ("all", "any"):
        for child in value:
            yield from _references(child)
    elif kind == "regional":
        yield from value
    elif kind == "n_of":
        yield from value["of"]


def _target_text(target: Target) -> Say:
    competency, level = target
    if level is None:
        return say(N_("the competency {competency}"), competency=competency)
    return say(
        N_("the competency {competency} at level {level}"), competency=competency, level=level
    )


def validate_document(document: Any, lines: Mapping[Location, int] | None = None) -> list[Issue]:
    """Every issue of a parsed document (shape, then meaning); empty when valid."""
    lines = lines or {}
    if _deeper_than(document, MAX_DEPTH):
        return [_too_deep()]
    issues = _schema_issues(document, lines)
    if not issues:
        issues = _Checker(document, lines).run()
    if len(issues) > MAX_ISSUES:
        issues = [
            *issues[:MAX_ISSUES],
            _issue(
                (),
                "too_many_issues",
                say(
                    N_("more than {max_issues} issues: the rest are not listed"),
                    max_issues=MAX_ISSUES,
                ),
            ),
        ]
    return issues


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def _text(value: dict[str, str] | None) -> Text | None:
    return None if value is None else Text.of(value)


class _Builder:
    def __init__(self, document: dict[str, Any]) -> None:
        self.levels = {
            raw["code"]: Level(
                raw["code"], Text.of(raw["name"]), int(raw["rank"]), _text(raw.get("description"))
            )
            for raw in document["levels"]
        }
        self.competencies = {
            raw["code"]: Competency(
                code=raw["code"],
                uri=raw["uri"],
                name=Text.of(raw["name"]),
                description=_text(raw.get("description")),
                level_uris=tuple(
                    sorted(
                        raw.get("level_uris", {}).items(),
                        key=lambda item: self.levels[item[0]].rank,
                    )
                ),
                color=raw.get("color"),
            )
            for raw in document["competencies"]
        }
        self.names = {raw["code"]: Text.of(raw["name"]) for raw in document["achievements"]}

    def ref(self, code: str) -> AchievementRef:
        return AchievementRef(code, self.names[code])

    def condition(self, rule: dict[str, Any]) -> Condition:
        ((kind, value),) = rule.items()
        if kind == "all":
            return AllOf(tuple(self.condition(child) for child in value))
        if kind == "any":
            return AnyOf(tuple(self.condition(child) for child in value))
        if kind == "regional":
            return RegionalCondition(tuple(self.ref(code) for code in value))
        if kind == "n_of":
            return NOfCondition(int(value["n"]), tuple(self.ref(code) for code in value["of"]))
        return BadgesCondition(
            competency=self.competencies[value["competency"]] if "competency" in value else None,
            level=self.levels[value["level"]] if "level" in value else None,
            min_level=self.levels[value["min_level"]] if "min_level" in value else None,
            min_count=int(value.get("min_count", 1)),
            min_issuers=int(value.get("min_issuers", 1)),
            within=Duration.parse(value["within"]) if "within" in value else None,
            achievements=tuple(value.get("achievements", ())),
        )

    def achievement(self, raw: dict[str, Any]) -> Achievement:
        return Achievement(
            code=raw["code"],
            name=Text.of(raw["name"]),
            description=Text.of(raw["description"]),
            criteria=Text.of(raw["criteria"]),
            rule=self.condition(raw["rule"]),
            image=raw.get("image"),
            competency=self.competencies[raw["competency"]] if "competency" in raw else None,
            level=self.levels[raw["level"]] if "level" in raw else None,
            implies=tuple(raw.get("implies", ())),
            alignment=tuple(
                AlignmentTarget(
                    target_name=a["targetName"],
                    target_url=a["targetUrl"],
                    target_code=a.get("targetCode"),
                    target_description=a.get("targetDescription"),
                    target_framework=a.get("targetFramework"),
                    target_type=a.get("targetType"),
                )
                for a in raw.get("alignment", ())
            ),
            color=raw.get("color"),
        )


def parse_referential(document: Any, *, lines: Mapping[Location, int] | None = None) -> Referential:
    """Check parsed JSON data and build the :class:`Referential`.

    Raises :class:`~aggregation.errors.ReferentialError` with every issue found.
    """
    issues = validate_document(document, lines)
    if issues:
        raise ReferentialError(issues)
    builder = _Builder(document)
    return Referential(
        code=document["code"],
        version=document["version"],
        name=Text.of(document["name"]),
        description=_text(document.get("description")),
        levels=tuple(builder.levels.values()),
        competencies=tuple(builder.competencies.values()),
        achievements=tuple(builder.achievement(raw) for raw in document["achievements"]),
    )


def load_referential(
    data: str | bytes, *, filename: str | None = None, format: Format | None = None
) -> Referential:
    """Read, check and build a référentiel from YAML or JSON text.

    ``format`` defaults to the ``filename`` extension, else JSON if the text starts
    with ``{``, else YAML. Raises :class:`~aggregation.errors.ReferentialError` with
    every issue found (reading issues first; shape issues, if any, before meaning).
    """
    document, lines, issues = read_document(data, filename=filename, format=format)
    if issues:
        raise ReferentialError(issues)
    return parse_referential(document, lines=lines)


@cache
def default_referential() -> Referential:
    """Région Normandie's référentiel shipped with the package (``data/normandie.yaml``)."""
    data = resources.files("aggregation").joinpath("data", DEFAULT_RESOURCE).read_bytes()
    return load_referential(data, filename=DEFAULT_RESOURCE)
