"""The partner forms of the console: reading them into the registry's own input models,
and a field's mistake said in plain words.

The checks are those of the admin REST API (:mod:`issuer_api.partners.schemas`): the
form is turned into a :class:`PartnerCreate`, :class:`PartnerUpdate` or
:class:`TrustedIssuerIn` and validated the same way; only the wording differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError
from starlette.datastructures import FormData

from issuer_api.console.forms import field as form_field
from issuer_api.i18n import Language
from issuer_api.partners.schemas import PartnerCreate, PartnerUpdate, TrustedIssuerIn
from obhub_i18n import N_, gettext

CONTACT_FIELDS: Final = ("name", "contact_name", "contact_email", "url")

FIELD_MESSAGES: Final[Mapping[str, str]] = {
    "slug": N_(
        "Enter a short identifier of lower-case letters, digits and hyphens, such as campus-caen."
    ),
    "name": N_("Enter the partner's name (at most 300 characters)."),
    "contact_name": N_("Enter a name of at most 300 characters, or leave the field empty."),
    "contact_email": N_("Enter an email address such as nom@exemple.fr, or leave the field empty."),
    "url": N_("Enter a web address starting with https://, or leave the field empty."),
    "identifier": N_(
        "Enter a DID (such as did:web:campus-caen.fr) or a web address starting with "
        "https:// (http:// only for an old Open Badges 2.0 issuer, by ticking the box)."
    ),
    "reason": N_("Say why, in a few words (at most 500 characters)."),
}


@dataclass
class FormErrors:
    """Mistakes by field, in the order of the form; each message already translated."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, language: Language, message_id: str | None = None) -> None:
        if name not in self.by_field:
            self.by_field[name] = gettext(language, message_id or FIELD_MESSAGES[name])

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def summary(self) -> list[dict[str, str]]:
        return [{"field": name, "message": text} for name, text in self.by_field.items()]


def values_of(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    """The fields as typed (trimmed), to show again beside the mistakes."""
    return {name: form_field(form, name) for name in names}


def _field_of(error: Mapping[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ())]
    if "trusted_issuers" in location or not location:
        return "identifier"
    return location[0] if location[0] in FIELD_MESSAGES else "identifier"


def _mistakes(exc: ValidationError, language: Language, order: tuple[str, ...]) -> FormErrors:
    named = {_field_of(error) for error in exc.errors()}
    errors = FormErrors()
    for name in order:
        if name in named:
            errors.add(name, language)
    return errors


def _or_none(value: str) -> str | None:
    return value or None


def read_new_partner(
    values: Mapping[str, str], *, allow_http: bool, language: Language
) -> PartnerCreate | FormErrors:
    """A new partner, with its first trusted issuer when one was typed."""
    data: dict[str, Any] = {
        "slug": values.get("slug", "").lower(),
        "name": values.get("name", ""),
        **{name: _or_none(values.get(name, "")) for name in CONTACT_FIELDS[1:]},
    }
    identifier = values.get("identifier", "")
    if identifier:
        data["trusted_issuers"] = [{"identifier": identifier, "allow_http": allow_http}]
    try:
        return PartnerCreate.model_validate(data)
    except ValidationError as exc:
        return _mistakes(exc, language, ("slug", *CONTACT_FIELDS, "identifier"))


def read_partner_update(
    values: Mapping[str, str], *, language: Language
) -> PartnerUpdate | FormErrors:
    """The contact fields: an empty one is cleared (the name cannot be)."""
    if not values.get("name"):
        errors = FormErrors()
        errors.add("name", language)
        return errors
    data = {name: _or_none(values.get(name, "")) for name in CONTACT_FIELDS}
    try:
        return PartnerUpdate.model_validate(data)
    except ValidationError as exc:
        return _mistakes(exc, language, CONTACT_FIELDS)


def read_trusted_issuer(
    identifier: str, *, allow_http: bool, language: Language
) -> TrustedIssuerIn | FormErrors:
    try:
        return TrustedIssuerIn.model_validate({"identifier": identifier, "allow_http": allow_http})
    except ValidationError:
        errors = FormErrors()
        errors.add("identifier", language)
        return errors
