"""The one message catalogue of obhub (gettext, managed with Babel), French first.

Every text a person reads — API error messages, verification messages, page texts and
emails — is a gettext message of the ``messages`` domain. The message id is the English
source text; ``locale/fr/LC_MESSAGES/messages.po`` holds the French and
``locale/en/LC_MESSAGES/messages.po`` the English (so both languages are reviewed and
checked alike: ``scripts/check_catalogue.py``, run by ``make lint``, fails when a message
of the source is missing, empty or fuzzy in either file).

The ``.po`` files are compiled to ``.mo`` when the package is built or installed (the
hatch build hook in ``hatch_build.py``). A source checkout whose ``.mo`` is missing or
older than its ``.po`` compiles the catalogue in memory instead, so an edited ``.po``
is always what runs.

Mark a message where it is written with :func:`N_` (Python) or ``_()`` (templates,
``{% trans %}``), translate it where it is shown with :func:`gettext`. A message whose
form depends on a number goes through :func:`render_plural` (``ngettext``); one whose
English alone is ambiguous (a lone word) through :func:`pgettext`, with a context.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Final, Literal, get_args

logger = logging.getLogger(__name__)

Language = Literal["fr", "en"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)
DOMAIN: Final = "messages"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, do not translate"
    """Marks ``message`` for extraction (``pybabel extract -k N_``); returns it unchanged."""
    return message


def _locale_dir(language: Language) -> Traversable:
    return files(__name__).joinpath("locale", language, "LC_MESSAGES")


@cache
def translations(language: Language) -> _gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (loaded once per process)."""
    folder = _locale_dir(language)
    po_file = folder.joinpath(f"{DOMAIN}.po")
    mo_file = folder.joinpath(f"{DOMAIN}.mo")
    if mo_file.is_file() and not _stale(po_file, mo_file):
        return _gettext.GNUTranslations(io.BytesIO(mo_file.read_bytes()))
    return _gettext.GNUTranslations(io.BytesIO(compile_po(po_file.read_bytes(), language)))


def _stale(po_file: Traversable, mo_file: Traversable) -> bool:
    try:
        po_mtime = po_file.stat().st_mtime  # type: ignore[attr-defined]
        mo_mtime = mo_file.stat().st_mtime  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # a zipped package: the build compiled it
        return False
    return bool(po_mtime > mo_mtime)


def compile_po(po_bytes: bytes, language: str) -> bytes:
    """``.po`` source to ``.mo`` bytes with Babel (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo  # noqa: PLC0415 - only when not prebuilt
    from babel.messages.pofile import read_po  # noqa: PLC0415

    catalog = read_po(io.BytesIO(po_bytes), locale=language)
    out = io.BytesIO()
    write_mo(out, catalog)
    logger.debug("compiled the %s message catalogue in memory", language)
    return out.getvalue()


def gettext(language: Language, message: str) -> str:
    """``message`` (an English source text) in ``language``."""
    return translations(language).gettext(message)


def ngettext(language: Language, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


def pgettext(language: Language, context: str, message: str) -> str:
    """``message`` in ``language`` where its English alone is ambiguous: ``context`` (the
    ``.po`` entry's ``msgctxt``) tells its uses apart."""
    return translations(language).pgettext(context, message)


class _Params(dict[str, object]):
    """Leaves an unknown ``{field}`` as written rather than failing inside an error path."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(language: Language, message: str, params: Mapping[str, object] | None = None) -> str:
    """``message`` translated into ``language``, its ``{field}`` filled from ``params``."""
    return gettext(language, message).format_map(_Params(params or {}))


def render_plural(
    language: Language,
    singular: str,
    plural: str,
    n: int,
    params: Mapping[str, object] | None = None,
) -> str:
    """The form of ``singular``/``plural`` that ``n`` takes in ``language``, fields filled."""
    return ngettext(language, singular, plural, n).format_map(_Params(params or {}))


def render_all(message: str, params: Mapping[str, object] | None = None) -> dict[Language, str]:
    """``message`` in every language, French first (the ``messages`` of API errors)."""
    return {language: render(language, message, params) for language in LANGUAGES}
