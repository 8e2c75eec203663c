"""JSON Schema conformance against the bundled 1EdTech Open Badges 3.0 schemas.

* **Which schemas.** The compaction-tolerant "purl" schemas
  (``obcore/data/schemas/purl-published``: a single value is accepted wherever an
  array is, e.g. one ``proof`` object) and the OB 3.0 extension schemas
  (``ob3-extensions``). They declare JSON Schema draft 2019-09; the validator
  class is chosen from each file's ``$schema``.
* **Never fetched.** Every bundled file is registered in a
  :class:`referencing.Registry` under its ``$id``; the registry has no retriever, so
  a ``$ref`` outside the bundle fails instead of reaching the network. The
  registry and validators are built once, lazily, and cached.
* **Format.** ``format`` stays an annotation (the draft 2019-09 default): date-time
  syntax is checked when the model parses the credential
  (:func:`obcore.model.parse_datetime`), and a missing timezone is a conformance
  *warning* (:attr:`obcore.model.Credential.datetimes_without_timezone`).
* **Results, not exceptions.** Invalid data yields :class:`SchemaIssue` items
  (JSON Pointer ``path`` - ``""`` is the document root - and an English
  ``message``), at most :data:`MAX_ISSUES`, messages cut at
  :data:`MAX_MESSAGE_LENGTH`. For ``oneOf``/``anyOf`` failures the most relevant
  nested error is reported (``jsonschema.exceptions.best_match``). A document
  nested deeper than :data:`MAX_DEPTH` is one issue at the root, not validated (the
  validator recurses per level and would crash). Only a schema that cannot be
  loaded raises (:class:`~obcore.errors.ObcoreError`,
  ``schema_unavailable``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import jsonschema_rs
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

from obcore.errors import ObcoreError
from obcore.model import (
    ACHIEVEMENT_CREDENTIAL_TYPES,
    ENDORSEMENT_CREDENTIAL_TYPE,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    detect_vcdm_version,
    type_names,
)

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA_ID",
    "ENDORSEMENT_CREDENTIAL_SCHEMA_ID",
    "MAX_DEPTH",
    "MAX_ISSUES",
    "MAX_MESSAGE_LENGTH",
    "PROFILE_SCHEMA_ID",
    "SchemaIssue",
    "SchemaResult",
    "known_schema_ids",
    "validate_achievement_credential",
    "validate_against",
    "validate_credential",
    "validate_endorsement_credential",
    "validate_profile",
    "vcdm11_schema_view",
]

_SCHEMA_BASE: Final = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL_SCHEMA_ID: Final = _SCHEMA_BASE + "ob_v3p0_achievementcredential_schema.json"
ENDORSEMENT_CREDENTIAL_SCHEMA_ID: Final = _SCHEMA_BASE + "ob_v3p0_endorsementcredential_schema.json"
PROFILE_SCHEMA_ID: Final = _SCHEMA_BASE + "ob_v3p0_profile_schema.json"

MAX_ISSUES: Final = 20
MAX_MESSAGE_LENGTH: Final = 300
MAX_DEPTH: Final = 100
"""Deeper documents are reported, not validated: the validator recurses per level
(a complete OB 3.0 credential with nested endorsements is about 12 levels deep)."""

_SCHEMA_DIRECTORIES: Final = ("data/schemas/purl-published", "data/schemas/ob3-extensions")


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One schema violation: a JSON Pointer into the document and an English message."""

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class SchemaResult:
    """Outcome of :func:`validate_credential`.

    ``applicable`` is false when no Open Badges schema applies (the document is not
    an OB achievement or endorsement credential); ``issues`` is then empty and
    ``valid`` false. ``converted_from_vcdm11`` says the document was validated
    through :func:`vcdm11_schema_view`; ``note`` explains either case.
    ``total_issues`` counts all issues, ``issues`` holds at most :data:`MAX_ISSUES`.
    """

    applicable: bool
    schema_id: str | None = None
    issues: tuple[SchemaIssue, ...] = ()
    total_issues: int = 0
    converted_from_vcdm11: bool = False
    note: str | None = None

    @property
    def valid(self) -> bool:
        return self.applicable and self.total_issues == 0


# ---------------------------------------------------------------------------
# Loading: once, lazily, from package data only
# ---------------------------------------------------------------------------


def _unavailable(message: str) -> ObcoreError:
    return ObcoreError(message, code="schema_unavailable")


@cache
def _bundled_schemas() -> dict[str, dict[str, Any]]:
    """Every bundled schema, keyed by its ``$id``."""
    schemas: dict[str, dict[str, Any]] = {}
    package = resources.files("obcore")
    for directory in _SCHEMA_DIRECTORIES:
        for entry in sorted(package.joinpath(directory).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".json"):
                continue
            try:
                schema = json.loads(entry.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise _unavailable(f"cannot read bundled schema {entry.name}: {error}") from error
            schema_id = schema.get("$id") if isinstance(schema, dict) else None
            if not isinstance(schema_id, str):
                raise _unavailable(f"bundled schema {entry.name} has no $id")
            schemas[schema_id] = schema
    return schemas


@cache
def _registry() -> Registry[Any]:
    """A closed registry: bundled schemas only, no retriever (a foreign ``$ref`` fails)."""
    resources_ = [
        (schema_id, Resource.from_contents(schema))
        for schema_id, schema in _bundled_schemas().items()
    ]
    return Registry().with_resources(resources_).crawl()


@cache
def _validator(schema_id: str) -> Validator:
    schema = _bundled_schemas().get(schema_id)
    if schema is None:
        raise _unavailable(f"no bundled JSON Schema with id {schema_id!r}")
    cls = validator_for(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as error:
        raise _unavailable(f"bundled schema {schema_id} is invalid: {error.message}") from error
    return cls(schema, registry=_registry())


def _refuse_retrieval(uri: str) -> Any:
    raise _unavailable(f"schema reference {uri!r} cannot be resolved offline")


@cache
def _fast_validator(schema_id: str) -> Any:
    """The compiled (Rust) validator: answers valid/invalid ~400x faster.

    The bundled schemas are self-contained (internal ``$ref`` only); any other
    reference is refused, never fetched. Formats are annotations in 2019-09, as
    in the pure-Python validator that reports issues.
    """
    schema = _bundled_schemas().get(schema_id)
    if schema is None:
        raise _unavailable(f"no bundled JSON Schema with id {schema_id!r}")
    return jsonschema_rs.validator_for(schema, validate_formats=False, retriever=_refuse_retrieval)


def _check(schema_id: str, doc: Any) -> tuple[list[SchemaIssue], int]:
    """Valid documents take the fast path; the detailed (slow) pass runs only on failure."""
    if not _deeper_than(doc, MAX_DEPTH) and _fast_validator(schema_id).is_valid(doc):
        return [], 0
    return _issues(_validator(schema_id), doc)


def known_schema_ids() -> frozenset[str]:
    """The ``$id`` of every bundled schema (usable with :func:`validate_against`)."""
    return frozenset(_bundled_schemas())


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _truncate(message: str) -> str:
    if len(message) <= MAX_MESSAGE_LENGTH:
        return message
    return message[: MAX_MESSAGE_LENGTH - 1] + "…"


def _deeper_than(doc: Any, limit: int) -> bool:
    """Whether arrays/objects nest more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        # Strings (most nodes) and lists before the Mapping ABC, whose check is slow.
        if isinstance(node, str):
            continue
        if isinstance(node, list):
            children: Iterable[Any] = node
        elif isinstance(node, dict | Mapping):
            children = node.values()
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _issues(validator: Validator, doc: Any) -> tuple[list[SchemaIssue], int]:
    """All issues (deduplicated, ordered by path), capped, and their total count."""
    if _deeper_than(doc, MAX_DEPTH):
        too_deep = f"the document is nested more than {MAX_DEPTH} levels deep"
        return [SchemaIssue("", too_deep)], 1
    try:
        errors: list[ValidationError] = list(validator.iter_errors(doc))
    except Unresolvable as error:  # a $ref outside the closed bundle: the schema is broken
        raise _unavailable(f"schema reference cannot be resolved offline: {error}") from error
    seen: set[SchemaIssue] = set()
    for found in errors:
        specific = best_match([found]) or found
        seen.add(SchemaIssue(_pointer(specific.absolute_path), _truncate(specific.message)))
    ordered = sorted(seen, key=lambda issue: (issue.path, issue.message))
    return ordered[:MAX_ISSUES], len(ordered)


def validate_against(doc: Any, schema_id: str) -> list[SchemaIssue]:
    """Validate ``doc`` against the bundled schema ``schema_id`` (see :func:`known_schema_ids`).

    Raises :class:`~obcore.errors.ObcoreError` (``schema_unavailable``) if no such
    schema is bundled; invalid data never raises.
    """
    return _check(schema_id, doc)[0]


def validate_achievement_credential(doc: Any) -> list[SchemaIssue]:
    """Validate against the purl AchievementCredential schema, as is (no VCDM 1.1 handling)."""
    return validate_against(doc, ACHIEVEMENT_CREDENTIAL_SCHEMA_ID)


def validate_endorsement_credential(doc: Any) -> list[SchemaIssue]:
    """Validate against the purl EndorsementCredential schema, as is."""
    return validate_against(doc, ENDORSEMENT_CREDENTIAL_SCHEMA_ID)


def validate_profile(doc: Any) -> list[SchemaIssue]:
    """Validate an issuer Profile against the purl Profile schema."""
    return validate_against(doc, PROFILE_SCHEMA_ID)


def _convert_vcdm11(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert_vcdm11(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _convert_vcdm11(value) for key, value in node.items()}
    if detect_vcdm_version(converted) == "1.1":
        context = converted["@context"]
        converted["@context"] = (
            [VC_V2_CONTEXT, *context[1:]] if isinstance(context, list) else VC_V2_CONTEXT
        )
        for legacy, current in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
            if legacy in converted and current not in converted:
                converted[current] = converted.pop(legacy)
    return converted


def vcdm11_schema_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a VCDM 1.1 credential shaped like VCDM 2.0, for schema validation only.

    In the document and in every embedded credential (endorsements) whose first
    ``@context`` is the VC 1.1 base context: that context becomes the VC 2.0 one,
    ``issuanceDate`` -> ``validFrom`` and ``expirationDate`` -> ``validUntil``
    (unless the 2.0 name is already present). Nothing else changes. The result is
    not a credential (its proof no longer matches); ``doc`` is not modified.
    """
    return dict(_convert_vcdm11(copy.deepcopy(dict(doc))))


_VALUE_OBJECT_KEYS: Final = frozenset({"@value", "@language", "@direction"})


def _is_language_value(node: Any) -> bool:
    """A VCDM 2.0 language value object: ``{"@value": str, "@language"?, "@direction"?}``."""
    return (
        isinstance(node, dict)
        and isinstance(node.get("@value"), str)
        and set(node) <= _VALUE_OBJECT_KEYS
    )


def _plain_strings(node: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return node
    if _is_language_value(node):
        return node["@value"]
    if isinstance(node, list):
        if node and all(_is_language_value(item) for item in node):
            return node[0]["@value"]  # one text in several languages: the schema wants one
        return [_plain_strings(item, depth + 1) for item in node]
    if isinstance(node, dict):
        return {key: _plain_strings(value, depth + 1) for key, value in node.items()}
    return node


def language_values_as_strings(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` where every language value object (VCDM 2.0 §11.1: ``{"@value",
    "@language", "@direction"}``, alone or one per language in an array) is replaced by
    its text, for schema validation only. The 1EdTech JSON Schema predates these objects
    and wants plain strings (``name``, ``description`` …); VCDM 2.0 allows either."""
    return dict(_plain_strings(dict(doc)))


def declared_schema_ids(doc: Mapping[str, Any]) -> frozenset[str]:
    """The bundled 1EdTech schemas ``doc`` declares in ``credentialSchema``."""
    raw = doc.get("credentialSchema")
    entries = raw if isinstance(raw, list) else [raw]
    declared = {entry.get("id") for entry in entries if isinstance(entry, Mapping)}
    return frozenset(i for i in declared if isinstance(i, str)) & known_schema_ids()


def validate_credential(doc: Any) -> SchemaResult:
    """Validate an OB 3.0 credential against the schema its ``type`` calls for.

    * ``EndorsementCredential`` -> the endorsement schema; ``OpenBadgeCredential`` /
      ``AchievementCredential`` -> the achievement schema (a type naming both is
      checked as an achievement, whose schema then reports the subject).
    * Any other type: ``applicable=False`` - the OB schemas say nothing about, say,
      a BitstringStatusListCredential or a CLR; reporting it "invalid" would be a
      category error. (:func:`obcore.model.parse_credential` rejects such
      documents with ``not_an_open_badge``.)
    * **VCDM 1.1** (first ``@context`` is ``https://www.w3.org/2018/credentials/v1``):
      the purl schemas require the VCDM 2.0 shape and the 1.1 schema
      ("anyachievementcredential") is not available offline (OB3-NOTES §9). Rather
      than skip the check, the document is validated through
      :func:`vcdm11_schema_view` (base context, ``issuanceDate``/``expirationDate``
      renamed), so every *Open Badges* rule is still enforced while the data-model
      version difference is not reported as an error. ``converted_from_vcdm11`` is
      set and ``note`` says so; whether a 1.1 credential deserves a warning is the
      caller's decision.
    """
    if not isinstance(doc, Mapping):
        return SchemaResult(applicable=False, note="not a JSON object")
    types = type_names(doc.get("type"))
    if types & ACHIEVEMENT_CREDENTIAL_TYPES:
        schema_id = ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
    elif ENDORSEMENT_CREDENTIAL_TYPE in types:
        schema_id = ENDORSEMENT_CREDENTIAL_SCHEMA_ID
    else:
        return SchemaResult(
            applicable=False,
            note="no Open Badges 3.0 schema applies: type names neither "
            "OpenBadgeCredential/AchievementCredential nor EndorsementCredential",
        )
    # Checked before the (recursive) 1.1 conversion too, not only in _issues.
    converted = detect_vcdm_version(doc) == "1.1" and not _deeper_than(doc, MAX_DEPTH)
    subject: Any = vcdm11_schema_view(doc) if converted else doc
    issues, total = _check(schema_id, subject)
    note = (
        f"VCDM 1.1 credential validated as its VCDM 2.0 view ({VC_V1_CONTEXT} -> "
        f"{VC_V2_CONTEXT}, issuanceDate -> validFrom, expirationDate -> validUntil)"
        if converted
        else None
    )
    return SchemaResult(
        applicable=True,
        schema_id=schema_id,
        issues=tuple(issues),
        total_issues=total,
        converted_from_vcdm11=converted,
        note=note,
    )
