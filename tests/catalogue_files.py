"""The translations the ``.po`` files hold, read with Babel, for tests that a message is
translated: ``gettext`` cannot tell, since it answers the message id itself when a
translation is missing."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from babel.messages.pofile import read_po

from obhub_i18n import DOMAIN, Language


@cache
def translated(language: Language) -> frozenset[str]:
    """The message ids that have a non-empty, non-fuzzy translation in ``language``."""
    po_file = files("obhub_i18n").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return frozenset(
        message.id
        for message in catalog
        if isinstance(message.id, str) and message.id and message.string and not message.fuzzy
    )
