"""Build hook: compiles the gettext catalogue (``.po`` -> ``.mo``) into the package.

Runs for wheels, editable installs (``make install``) and the container image, so an
installed obhub reads compiled catalogues; the ``.mo`` files are git-ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE = Path("src") / "obhub_i18n" / "locale"


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for po_file in sorted((root / LOCALE).glob("*/LC_MESSAGES/*.po")):
            language = po_file.parent.parent.name
            with po_file.open("rb") as source:
                catalog = read_po(source, locale=language)
            with po_file.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalog)
