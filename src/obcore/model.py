# ruff: noqa: N815 - field names are the JSON-LD terms, which are camelCase by specification
"""Pydantic models for Open Badges 3.0 credentials (VCDM 2.0 first, VCDM 1.1 readable).

The models *read* credentials; they are not the conformance judge.

* **What the models require.** Only what the W3C Verifiable Credentials Data Model
  (1.1 and 2.0) requires of the credential envelope: ``@context``, ``type``,
  ``issuer`` (a URI or an object with an ``id``) and ``credentialSubject``; plus
  ``type`` on proofs, status, schema, refresh and terms-of-use entries (and ``id``
  on credentialSchema entries and on every Profile). :class:`AchievementCredential`
  and :class:`EndorsementCredential` also insist on their own type name. A value
  of the wrong JSON kind (a number where a string belongs, a malformed date-time …)
  is rejected too. :func:`parse_credential` turns such failures into
  :class:`~obcore.errors.MalformedInputError` (``malformed_credential``).
* **What they leave to the JSON Schema.** Every Open Badges specific rule
  (``achievement`` required, ``Image`` must be an object, ``identityType`` enum,
  ``@context`` order, ``validFrom`` required …) is judged by :mod:`obcore.schema`
  against the 1EdTech schemas, so the two never drift apart and a credential that
  fails the schema can still be read and reported on. All OB-specific fields are
  therefore optional here.
* **Lossless.** Field names are the JSON-LD terms, unknown properties are kept
  (``extra="allow"``: the JSON-LD layer decides what is defined), values keep
  their lexical form (date-times stay strings, a single value stays single), and
  validation is strict (no ``"3"`` -> ``3`` coercion). So
  ``model_dump(mode="json", by_alias=True, exclude_none=True)`` gives back the
  JSON that was read, which matters for signed documents. (Explicit ``null``
  members of known fields are dropped, as OB 3.0 serialization requires anyway.)
* **Single-value compaction.** Every multi-valued property (``type`` everywhere
  but in a proof, ``proof``, ``credentialSchema``, ``termsOfUse``, ``evidence``,
  ``alignment`` …) accepts one value or an array and keeps the form it was given,
  as the compaction-tolerant purl schemas do; :func:`as_list` iterates either.
  ``@context`` keeps its order. ``issuer`` and ``image`` accept a URI string or an
  object; ``credentialSubject`` an object or, for VCs in general, an array.
* **Human-readable text** (``name``, ``description``, ``narrative`` …) accepts a
  string, a language map / VCDM 2.0 language value object, or an array of those;
  :func:`display_text` picks a string to show.
* **Date-times.** Stored verbatim; :func:`parse_datetime` reads RFC 3339 / XSD
  ``dateTime`` (``T`` separator, optional fractional seconds, ``Z`` or ``±hh:mm``).
  A date-time **without a timezone** is read as UTC - the common intent, and what
  lets a legacy credential still be checked for expiry - but it is non-conformant
  (OB 3.0 and VCDM 2.0 require the offset), so
  :attr:`Credential.datetimes_without_timezone` lists the offending fields for the
  conformance step to warn about. Leap seconds (``:60``) and years outside
  1..9999 are rejected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias, TypeVar, overload

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from obcore.errors import MalformedInputError

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_TYPES",
    "ENDORSEMENT_CREDENTIAL_TYPE",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "Address",
    "Alignment",
    "Credential",
    "CredentialSchema",
    "CredentialStatus",
    "Criteria",
    "DateTimeStr",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "LocalizedText",
    "OpenBadgeCredential",
    "Profile",
    "Proof",
    "RefreshService",
    "Related",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "TermsOfUse",
    "as_list",
    "datetime_has_timezone",
    "detect_vcdm_version",
    "display_text",
    "is_ob3_context",
    "parse_credential",
    "parse_datetime",
    "parse_profile",
    "vcdm_version",
]

T = TypeVar("T")

VC_V1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"
VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
ACHIEVEMENT_CREDENTIAL_TYPES: Final = frozenset({"AchievementCredential", "OpenBadgeCredential"})
ENDORSEMENT_CREDENTIAL_TYPE: Final = "EndorsementCredential"

VcdmVersion: TypeAlias = Literal["1.1", "2.0"]

# re.ASCII: without it \d would also match non-ASCII digits ("٣").
_OB3_CONTEXT_RE: Final = re.compile(
    r"https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json", re.ASCII
)

# ---------------------------------------------------------------------------
# Date-times
# ---------------------------------------------------------------------------

_DATETIME_RE: Final = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?P<fraction>\.\d+)?"
    r"(?P<tz>[Zz]|[+-]\d{2}:\d{2})?",
    re.ASCII,
)


def _match_datetime(value: str) -> re.Match[str]:
    match = _DATETIME_RE.fullmatch(value)
    if match is None:
        raise ValueError(
            "not an RFC 3339 date-time (expected YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)): "
            f"{value[:40]!r}"
        )
    return match


def _offset(tz: str | None) -> timezone:
    if tz is None or tz in ("Z", "z"):
        return UTC
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid timezone offset {tz!r}")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if tz[0] == "-" else delta)


def parse_datetime(value: str) -> datetime:
    """Parse an RFC 3339 / XSD ``dateTime`` into a timezone-aware :class:`datetime`.

    Accepts ``Z``/``z`` or a ``±hh:mm`` offset and any number of fractional-second
    digits (truncated to microseconds). ``24:00:00`` means midnight of the next day
    (XSD). A value **without timezone** is read as UTC; use
    :func:`datetime_has_timezone` to detect it. Raises :class:`ValueError` otherwise.
    """
    match = _match_datetime(value)
    hour = int(match["hour"])
    second = int(match["second"])
    fraction = match["fraction"] or ""
    if second == 60:
        raise ValueError(f"leap seconds are not supported: {value[:40]!r}")
    next_day = hour == 24
    if next_day:
        if int(match["minute"]) or second or fraction.strip(".0"):
            raise ValueError(f"24:00:00 is the only valid time with hour 24: {value[:40]!r}")
        hour = 0
    microsecond = int(fraction[1:7].ljust(6, "0")) if fraction else 0
    parsed = datetime(
        int(match["year"]),
        int(match["month"]),
        int(match["day"]),
        hour,
        int(match["minute"]),
        second,
        microsecond,
        tzinfo=_offset(match["tz"]),
    )
    return parsed + timedelta(days=1) if next_day else parsed


def datetime_has_timezone(value: str) -> bool:
    """Whether a date-time string carries ``Z`` or an offset (raises ValueError if unparsable)."""
    return _match_datetime(value)["tz"] is not None


def _check_datetime(value: str) -> str:
    parse_datetime(value)
    return value


DateTimeStr: TypeAlias = Annotated[str, AfterValidator(_check_datetime)]
"""A date-time kept verbatim as a string, validated by :func:`parse_datetime`."""

# ---------------------------------------------------------------------------
# Union helpers: discriminate on the JSON kind so errors name one branch only
# ---------------------------------------------------------------------------


def _one_or_many_kind(value: Any) -> str:
    return "<array>" if isinstance(value, list) else "<single>"


def _iri_or_object_kind(value: Any) -> str:
    return "<iri>" if isinstance(value, str) else "<object>"


def _text_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "<string>"
    if isinstance(value, list):
        return "<array>"
    if isinstance(value, Mapping):
        return "<object>"
    return None


OneOrMany: TypeAlias = Annotated[
    Annotated[T, Tag("<single>")] | Annotated[list[T], Tag("<array>")],
    Discriminator(_one_or_many_kind),
]
"""One value or an array of values (JSON-LD single-value compaction)."""

IriOr: TypeAlias = Annotated[
    Annotated[str, Tag("<iri>")] | Annotated[T, Tag("<object>")],
    Discriminator(
        _iri_or_object_kind,
        custom_error_type="iri_or_object",
        custom_error_message="Input should be a URI string or an object",
    ),
]
"""A URI string or an embedded object (``issuer``, ``image``)."""

_TextValue: TypeAlias = str | dict[str, str]

LocalizedText: TypeAlias = Annotated[
    Annotated[str, Tag("<string>")]
    | Annotated[dict[str, str], Tag("<object>")]
    | Annotated[list[_TextValue], Tag("<array>")],
    Discriminator(
        _text_kind,
        custom_error_type="localized_text",
        custom_error_message="Input should be a string, a language map or an array of them",
    ),
]
"""Human-readable text: a string, a language map / language value object, or an array."""

ContextEntry: TypeAlias = str | dict[str, Any]


@overload
def as_list(value: list[T]) -> list[T]: ...
@overload
def as_list(value: T | list[T] | None) -> list[T]: ...
def as_list(value: T | list[T] | None) -> list[T]:
    """Return a compacted single value, an array or ``None`` as a list (a new list)."""
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    return [value]


def display_text(value: LocalizedText | None, language: str | None = None) -> str | None:
    """Pick a string to display from a :data:`LocalizedText` value.

    Strings are returned as is. A VCDM 2.0 language value object yields its
    ``@value``; a language map (``{"en": …, "fr": …}``) the entry for
    ``language`` (exact, then primary subtag) or else its first entry. In an
    array, an entry in ``language`` is preferred, else the first usable entry.
    """
    if value is None or isinstance(value, str):
        return value
    entries: list[_TextValue] = value if isinstance(value, list) else [value]
    candidates: list[tuple[str | None, str]] = []
    for entry in entries:
        if isinstance(entry, str):
            candidates.append((None, entry))
        elif "@value" in entry:
            candidates.append((entry.get("@language"), entry["@value"]))
        else:
            candidates.extend(entry.items())
    if not candidates:
        return None
    if language is not None:
        wanted = language.lower()
        for lang, text in candidates:
            if lang is not None and lang.lower() == wanted:
                return text
        primary = wanted.split("-")[0]
        for lang, text in candidates:
            if lang is not None and lang.lower().split("-")[0] == primary:
                return text
    return candidates[0][1]


# ---------------------------------------------------------------------------
# Context helpers
# ---------------------------------------------------------------------------


def is_ob3_context(url: object) -> bool:
    """Whether ``url`` is an OB 3.0 context URL (``…/context.json`` or ``…/context-3.x.y.json``)."""
    return isinstance(url, str) and _OB3_CONTEXT_RE.fullmatch(url) is not None


def _first_context(context: object) -> object:
    if isinstance(context, list):
        return context[0] if context else None
    return context


def _version_of(first_context: object) -> VcdmVersion | None:
    if first_context == VC_V2_CONTEXT:
        return "2.0"
    if first_context == VC_V1_CONTEXT:
        return "1.1"
    return None


def detect_vcdm_version(doc: Mapping[str, Any]) -> VcdmVersion | None:
    """The VC data model version named by the first ``@context`` entry, or ``None``.

    VCDM requires the base context first, so only the first entry counts:
    ``https://www.w3.org/ns/credentials/v2`` -> ``"2.0"``,
    ``https://www.w3.org/2018/credentials/v1`` -> ``"1.1"``.
    """
    return _version_of(_first_context(doc.get("@context")))


def vcdm_version(doc: Mapping[str, Any]) -> VcdmVersion:
    """Like :func:`detect_vcdm_version`, but raise ``unknown_vc_context`` when neither is first."""
    version = detect_vcdm_version(doc)
    if version is None:
        first = _first_context(doc.get("@context"))
        raise MalformedInputError(
            "the first @context entry must be the VC 2.0 or VC 1.1 base context, "
            f"found {str(first)[:80]!r}",
            code="unknown_vc_context",
        )
    return version


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


class _Node(BaseModel):
    """Base of every model: JSON-LD terms as field names, extension terms kept, strict types."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)


class Image(_Node):
    """``{id: URI or data URI, type: "Image", caption?}``."""

    id: str | None = None
    type: OneOrMany[str] | None = None
    caption: LocalizedText | None = None


class IdentityObject(_Node):
    """A recipient identifier: ``identityHash`` is the (salted) hash, or plaintext if not hashed."""

    type: OneOrMany[str] | None = None
    hashed: bool | None = None
    identityHash: str | None = None
    identityType: str | None = None
    salt: str | None = None


class IdentifierEntry(_Node):
    type: OneOrMany[str] | None = None
    identifier: str | None = None
    identifierType: str | None = None


class GeoCoordinates(_Node):
    type: OneOrMany[str] | None = None
    latitude: int | float | None = None
    longitude: int | float | None = None


class Address(_Node):
    type: OneOrMany[str] | None = None
    addressCountry: str | None = None
    addressCountryCode: str | None = None
    addressRegion: str | None = None
    addressLocality: str | None = None
    streetAddress: str | None = None
    postOfficeBoxNumber: str | None = None
    postalCode: str | None = None
    geo: GeoCoordinates | None = None


class Profile(_Node):
    """An issuer, creator or source. ``id`` is required (VCDM: an issuer object MUST have one)."""

    id: str
    type: OneOrMany[str] | None = None
    name: LocalizedText | None = None
    url: str | None = None
    phone: str | None = None
    description: LocalizedText | None = None
    endorsement: OneOrMany[EndorsementCredential] | None = None
    endorsementJwt: OneOrMany[str] | None = None
    image: IriOr[Image] | None = None
    email: str | None = None
    address: Address | None = None
    otherIdentifier: OneOrMany[IdentifierEntry] | None = None
    official: str | None = None
    parentOrg: Profile | None = None
    familyName: str | None = None
    givenName: str | None = None
    additionalName: str | None = None
    patronymicName: str | None = None
    honorificPrefix: str | None = None
    honorificSuffix: str | None = None
    familyNamePrefix: str | None = None
    dateOfBirth: str | None = None


class Criteria(_Node):
    """``id`` (a URL) and/or ``narrative`` (Markdown)."""

    id: str | None = None
    narrative: LocalizedText | None = None


class Alignment(_Node):
    type: OneOrMany[str] | None = None
    targetCode: str | None = None
    targetDescription: LocalizedText | None = None
    targetName: LocalizedText | None = None
    targetFramework: LocalizedText | None = None
    targetType: str | None = None
    targetUrl: str | None = None


class RubricCriterionLevel(_Node):
    id: str | None = None
    type: OneOrMany[str] | None = None
    alignment: OneOrMany[Alignment] | None = None
    description: LocalizedText | None = None
    level: LocalizedText | None = None
    name: LocalizedText | None = None
    points: str | None = None


class ResultDescription(_Node):
    id: str | None = None
    type: OneOrMany[str] | None = None
    alignment: OneOrMany[Alignment] | None = None
    allowedValue: OneOrMany[str] | None = None
    name: LocalizedText | None = None
    requiredLevel: str | None = None
    requiredValue: str | None = None
    resultType: str | None = None
    rubricCriterionLevel: OneOrMany[RubricCriterionLevel] | None = None
    valueMax: str | None = None
    valueMin: str | None = None


class Related(_Node):
    id: str | None = None
    type: OneOrMany[str] | None = None
    inLanguage: str | None = None
    version: str | None = None


class Achievement(_Node):
    id: str | None = None
    type: OneOrMany[str] | None = None
    alignment: OneOrMany[Alignment] | None = None
    achievementType: str | None = None
    creator: Profile | None = None
    creditsAvailable: int | float | None = None
    criteria: Criteria | None = None
    description: LocalizedText | None = None
    endorsement: OneOrMany[EndorsementCredential] | None = None
    endorsementJwt: OneOrMany[str] | None = None
    fieldOfStudy: LocalizedText | None = None
    humanCode: str | None = None
    image: IriOr[Image] | None = None
    inLanguage: str | None = None
    name: LocalizedText | None = None
    otherIdentifier: OneOrMany[IdentifierEntry] | None = None
    related: OneOrMany[Related] | None = None
    resultDescription: OneOrMany[ResultDescription] | None = None
    specialization: LocalizedText | None = None
    tag: OneOrMany[str] | None = None
    version: str | None = None


class Result(_Node):
    """``resultDescription`` holds the *id* of a ResultDescription of the achievement."""

    type: OneOrMany[str] | None = None
    achievedLevel: str | None = None
    alignment: OneOrMany[Alignment] | None = None
    resultDescription: str | None = None
    status: str | None = None
    value: str | None = None


class AchievementSubject(_Node):
    """The recipient: ``id`` and/or ``identifier`` (IdentityObject), and the ``achievement``."""

    id: str | None = None
    type: OneOrMany[str] | None = None
    activityEndDate: DateTimeStr | None = None
    activityStartDate: DateTimeStr | None = None
    creditsEarned: int | float | None = None
    achievement: Achievement | None = None
    identifier: OneOrMany[IdentityObject] | None = None
    image: IriOr[Image] | None = None
    licenseNumber: str | None = None
    narrative: LocalizedText | None = None
    result: OneOrMany[Result] | None = None
    role: str | None = None
    source: Profile | None = None
    term: str | None = None


class EndorsementSubject(_Node):
    """``id`` is the endorsed entity (a profile, an achievement, a credential …)."""

    id: str | None = None
    type: OneOrMany[str] | None = None
    endorsementComment: LocalizedText | None = None


class Evidence(_Node):
    id: str | None = None
    type: OneOrMany[str] | None = None
    narrative: LocalizedText | None = None
    name: LocalizedText | None = None
    description: LocalizedText | None = None
    genre: str | None = None
    audience: str | None = None


class CredentialStatus(_Node):
    """Generic status entry (1EdTechRevocationList, BitstringStatusListEntry …); rest are extras."""

    id: str | None = None
    type: OneOrMany[str]


class CredentialSchema(_Node):
    id: str
    type: OneOrMany[str]


class RefreshService(_Node):
    id: str | None = None
    type: OneOrMany[str]


class TermsOfUse(_Node):
    id: str | None = None
    type: OneOrMany[str]


class Proof(_Node):
    """Generic embedded proof; suite-specific members (``jws``, ``challenge`` …) are extras."""

    type: str
    cryptosuite: str | None = None
    created: str | None = None
    verificationMethod: str | None = None
    proofPurpose: str | None = None
    proofValue: str | None = None


_DATETIME_FIELDS: Final = (
    "validFrom",
    "validUntil",
    "issuanceDate",
    "expirationDate",
    "awardedDate",
)


class Credential(_Node):
    """The verifiable-credential envelope shared by achievement and endorsement credentials."""

    context: OneOrMany[ContextEntry] = Field(alias="@context")
    id: str | None = None
    type: OneOrMany[str]
    name: LocalizedText | None = None
    description: LocalizedText | None = None
    image: IriOr[Image] | None = None
    issuer: IriOr[Profile]
    awardedDate: DateTimeStr | None = None
    validFrom: DateTimeStr | None = None
    validUntil: DateTimeStr | None = None
    issuanceDate: DateTimeStr | None = None
    """VCDM 1.1 counterpart of ``validFrom``."""
    expirationDate: DateTimeStr | None = None
    """VCDM 1.1 counterpart of ``validUntil``."""
    evidence: OneOrMany[Evidence] | None = None
    credentialSchema: OneOrMany[CredentialSchema] | None = None
    credentialStatus: OneOrMany[CredentialStatus] | None = None
    refreshService: OneOrMany[RefreshService] | None = None
    termsOfUse: OneOrMany[TermsOfUse] | None = None
    proof: OneOrMany[Proof] | None = None

    _required_types: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _check_credential_type(self) -> Credential:
        required = type(self)._required_types
        if required and not required.intersection(self.types):
            names = " or ".join(sorted(required))
            raise ValueError(f"type must contain {names}")
        return self

    @property
    def contexts(self) -> list[ContextEntry]:
        """``@context`` as an ordered list."""
        return as_list(self.context)

    @property
    def types(self) -> list[str]:
        return as_list(self.type)

    @property
    def proofs(self) -> list[Proof]:
        return as_list(self.proof)

    @property
    def issuer_id(self) -> str:
        """The issuer's id, whether ``issuer`` is a URI or a Profile."""
        return self.issuer if isinstance(self.issuer, str) else self.issuer.id

    @property
    def issuer_profile(self) -> Profile | None:
        """The embedded issuer Profile, or ``None`` when ``issuer`` is only a URI."""
        return None if isinstance(self.issuer, str) else self.issuer

    @property
    def vcdm_version(self) -> VcdmVersion | None:
        """VC data model version from the first ``@context`` entry (:func:`detect_vcdm_version`)."""
        return _version_of(_first_context(self.context))

    @property
    def valid_from(self) -> datetime | None:
        """``validFrom``, else VCDM 1.1 ``issuanceDate``, as an aware datetime."""
        value = self.validFrom if self.validFrom is not None else self.issuanceDate
        return None if value is None else parse_datetime(value)

    @property
    def valid_until(self) -> datetime | None:
        """``validUntil``, else VCDM 1.1 ``expirationDate``, as an aware datetime."""
        value = self.validUntil if self.validUntil is not None else self.expirationDate
        return None if value is None else parse_datetime(value)

    @property
    def awarded_date(self) -> datetime | None:
        return None if self.awardedDate is None else parse_datetime(self.awardedDate)

    @property
    def datetimes_without_timezone(self) -> list[str]:
        """Top-level date-time fields whose value has no timezone (read as UTC; non-conformant)."""
        return [
            name
            for name in _DATETIME_FIELDS
            if (value := getattr(self, name)) is not None and not datetime_has_timezone(value)
        ]


class AchievementCredential(Credential):
    """An Open Badges 3.0 AchievementCredential (alias OpenBadgeCredential)."""

    _required_types = ACHIEVEMENT_CREDENTIAL_TYPES

    credentialSubject: OneOrMany[AchievementSubject]
    endorsement: OneOrMany[EndorsementCredential] | None = None
    endorsementJwt: OneOrMany[str] | None = None

    @property
    def subjects(self) -> list[AchievementSubject]:
        return as_list(self.credentialSubject)

    @property
    def subject(self) -> AchievementSubject:
        """The single AchievementSubject OB 3.0 requires.

        Raises :class:`MalformedInputError` (``not_single_subject``) when the
        credential carries an array of subjects that is not exactly one long.
        """
        subjects = self.subjects
        if len(subjects) != 1:
            raise MalformedInputError(
                "an Open Badges credential has exactly one credentialSubject, "
                f"found {len(subjects)}",
                code="not_single_subject",
            )
        return subjects[0]


OpenBadgeCredential = AchievementCredential
"""``OpenBadgeCredential`` is the alias type name of ``AchievementCredential``."""


class EndorsementCredential(Credential):
    """An Open Badges 3.0 EndorsementCredential."""

    _required_types = frozenset({ENDORSEMENT_CREDENTIAL_TYPE})

    credentialSubject: OneOrMany[EndorsementSubject]

    @property
    def subjects(self) -> list[EndorsementSubject]:
        return as_list(self.credentialSubject)

    @property
    def subject(self) -> EndorsementSubject:
        """The single EndorsementSubject (raises ``not_single_subject`` otherwise)."""
        subjects = self.subjects
        if len(subjects) != 1:
            raise MalformedInputError(
                f"an endorsement has exactly one credentialSubject, found {len(subjects)}",
                code="not_single_subject",
            )
        return subjects[0]


for _model in (Profile, Achievement, AchievementSubject, AchievementCredential):
    _model.model_rebuild()

# ---------------------------------------------------------------------------
# Parsing entry points
# ---------------------------------------------------------------------------

_MAX_REPORTED_ERRORS: Final = 5
_MAX_ERROR_LENGTH: Final = 160


def _summarise(error: ValidationError) -> str:
    """A short, bounded summary of a pydantic error: ``/json/pointer: message; …``."""
    problems: list[str] = []
    for detail in error.errors(include_url=False, include_input=False, include_context=False):
        parts = [str(part) for part in detail["loc"] if not str(part).startswith("<")]
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
        if len(pointer) > 80:
            pointer = f"{pointer[:38]}…{pointer[-38:]}"
        located = f"{pointer}: {detail['msg']}" if pointer else detail["msg"]
        problems.append(located[:_MAX_ERROR_LENGTH])
    shown = "; ".join(problems[:_MAX_REPORTED_ERRORS])
    hidden = len(problems) - _MAX_REPORTED_ERRORS
    return shown + (f"; and {hidden} more" if hidden > 0 else "")


def type_names(value: object) -> set[str]:
    """The strings of a ``type`` (or similar) value: one string or an array of them."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    return set()


def node_id(value: object) -> str | None:
    """The id of a node given as a URI string or as an object with an ``id`` (issuer, holder)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _type_names(doc: Mapping[str, Any]) -> set[str]:
    value = doc.get("type")
    if value is None or isinstance(value, str | list):
        return type_names(value)
    raise MalformedInputError(
        "credential type must be a string or an array of strings", code="malformed_credential"
    )


def parse_credential(doc: Mapping[str, Any]) -> AchievementCredential | EndorsementCredential:
    """Read an Open Badges 3.0 credential (VCDM 2.0 or 1.1), dispatching on its ``type``.

    Raises :class:`MalformedInputError` with code ``not_an_open_badge`` when
    ``type`` names neither ``OpenBadgeCredential``/``AchievementCredential`` nor
    ``EndorsementCredential``, and ``malformed_credential`` (with a short summary)
    when the structure is wrong - including a type naming both kinds. Open Badges
    conformance is *not* judged here: see :mod:`obcore.schema`.
    """
    if not isinstance(doc, Mapping):
        raise MalformedInputError("a credential must be a JSON object", code="malformed_credential")
    types = _type_names(doc)
    is_achievement = bool(types & ACHIEVEMENT_CREDENTIAL_TYPES)
    is_endorsement = ENDORSEMENT_CREDENTIAL_TYPE in types
    if is_achievement and is_endorsement:
        raise MalformedInputError(
            "credential type names both an achievement and an endorsement credential",
            code="malformed_credential",
        )
    model: type[AchievementCredential] | type[EndorsementCredential]
    if is_achievement:
        model = AchievementCredential
    elif is_endorsement:
        model = EndorsementCredential
    else:
        raise MalformedInputError(
            "not an Open Badges credential: type must contain OpenBadgeCredential, "
            f"AchievementCredential or EndorsementCredential (found {sorted(types)[:5]})",
            code="not_an_open_badge",
        )
    try:
        return model.model_validate(dict(doc))
    except ValidationError as error:
        raise MalformedInputError(
            f"malformed {model.__name__}: {_summarise(error)}", code="malformed_credential"
        ) from None


def parse_profile(doc: Mapping[str, Any]) -> Profile:
    """Read a Profile; raise :class:`MalformedInputError` (``malformed_profile``) if malformed."""
    if not isinstance(doc, Mapping):
        raise MalformedInputError("a profile must be a JSON object", code="malformed_profile")
    try:
        return Profile.model_validate(dict(doc))
    except ValidationError as error:
        raise MalformedInputError(
            f"malformed Profile: {_summarise(error)}", code="malformed_profile"
        ) from None
