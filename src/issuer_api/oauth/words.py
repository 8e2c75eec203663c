"""The OB 3.0 scopes in plain words, for the consent page and "Applications autorisées"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from issuer_api.i18n import Language
from issuer_api.oauth import scopes
from obhub_i18n import N_, gettext

SCOPE_WORDS: Final = {
    scopes.CREDENTIAL_READONLY: N_("Read your badges"),
    scopes.CREDENTIAL_UPSERT: N_("Add or replace badges"),
    scopes.PROFILE_READONLY: N_("Read your profile"),
    scopes.PROFILE_UPDATE: N_("Change your profile"),
}
ORDER: Final = tuple(SCOPE_WORDS)


def scope_sentences(granted: Iterable[str], language: Language) -> list[str]:
    held = set(granted)
    return [gettext(language, SCOPE_WORDS[s]) for s in ORDER if s in held]


def host_of(uri: object) -> str:
    if not isinstance(uri, str):
        return ""
    try:
        return urlsplit(uri).hostname or ""
    except ValueError:
        return ""
