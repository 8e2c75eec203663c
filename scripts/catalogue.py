"""The gettext catalogue's upkeep: ``update`` (``make catalogue``) and ``check`` (``make lint``).

``update``  extracts every message of the source (babel.cfg) and merges it into
            ``fr`` and ``en`` ``.po`` files: new messages are added (English ones filled
            with their id, which is the English source text; French ones left empty
            for a translator), messages no longer in the source are dropped.
``check``   fails, naming them, when a message of the source is missing, empty or fuzzy
            in either language, when a ``.po`` holds a message the source no longer
            has, or when a translation's ``{fields}`` differ from its id's.
``merge``   a git merge driver (``%O %A %B``): the union of both sides' messages.

Adding a message: write it in English where it is shown (``N_("…")`` in Python,
``{{ _("…") }}`` in a template), run ``make catalogue``, translate it in
``src/obhub_i18n/locale/fr/LC_MESSAGES/messages.po``, run ``make lint``. A message
whose words follow a number: ``render_plural(lang, "{n} badge", "{n} badges", n)`` or
``say_plural(…)`` (``msgstr[0]``/``msgstr[1]`` in the ``.po``); a lone word whose
English is ambiguous: ``pgettext(lang, "JSON type", "list")`` (a ``msgctxt``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "obhub_i18n" / "locale"
LANGUAGES = ("fr", "en")
KEYWORDS = {
    "_": None,
    "gettext": (2,),
    "N_": None,
    "ngettext": (2, 3),
    "render_plural": (2, 3),
    "say_plural": (1, 2),
    "pgettext": ((2, "c"), 3),
}
FIELD = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)\}(?!\})")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every message the source marks, with where it is used."""
    method_map, options_map = parse_mapping_cfg((ROOT / "babel.cfg").open(encoding="utf-8"))
    template = Catalog(project="obhub", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def write(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


def update() -> int:
    template = extract()
    for language in LANGUAGES:
        path = po_path(language)
        catalog = read(path, language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            message.flags.discard("fuzzy")
            if language == "en" and not _translated(message):
                message.string = message.id
        write(catalog, path)
    return check()


def _translated(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def _fields(text: str | tuple[str, ...] | list[str]) -> set[str]:
    texts = [text] if isinstance(text, str) else list(text)
    return {field for part in texts for field in FIELD.findall(part)}


def check() -> int:
    template = extract()
    wanted = {message.id for message in template if message.id}
    problems: list[str] = []
    for language in LANGUAGES:
        catalog = read(po_path(language), language)
        held = {message.id: message for message in catalog if message.id}
        for msgid in sorted(wanted, key=str):
            message = held.get(msgid)
            if message is None:
                problems.append(f"{language}: missing {msgid!r} (run `make catalogue`)")
            elif not _translated(message):
                problems.append(f"{language}: not translated {msgid!r}")
            elif message.fuzzy:
                problems.append(f"{language}: fuzzy {msgid!r}")
            elif _fields(message.id) != _fields(message.string):
                problems.append(f"{language}: fields differ in {msgid!r}")
        problems.extend(
            f"{language}: no longer in the source {msgid!r} (run `make catalogue`)"
            for msgid in sorted(set(held) - wanted, key=str)
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"catalogue: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"catalogue: {len(wanted)} messages, translated in {', '.join(LANGUAGES)}")
    return 0


def merge(base: str, ours: str, theirs: str) -> int:
    """Git merge driver: writes into ``ours`` the union of both sides' messages."""
    language = _language_of(Path(ours))
    mine = read(Path(ours), language)
    other = read(Path(theirs), language)
    for message in other:
        if not message.id:
            continue
        existing = mine.get(message.id, message.context)
        if existing is None or not _translated(existing):
            mine[message.id] = message
    write(mine, Path(ours))
    return 0


def _language_of(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith('"Language:'):
            return line.split(":", 1)[1].strip().strip('"').replace("\\n", "").strip()
    return "en"


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        return update()
    if argv[:1] == ["check"]:
        return check()
    if argv[:1] == ["merge"] and len(argv) == 4:
        return merge(argv[1], argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
