"""Every page template compiles in both languages and keeps the Content-Security-Policy's
promise: no inline style, no inline script other than JSON data blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from issuer_api.i18n import Language
from issuer_api.web.templating import environment

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "issuer_api" / "web" / "templates"
TEMPLATE_NAMES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
# Emails style inline (mail clients ignore stylesheets) and are not served under the CSP.
PAGES = [name for name in TEMPLATE_NAMES if not name.startswith("mail/")]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_template_compiles(name: str, language: Language) -> None:
    environment(language).get_template(name)


@pytest.mark.parametrize("name", PAGES)
def test_no_template_has_inline_style_or_script(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert not re.search(r"\sstyle\s*=", source), "style attribute"
    assert "<style" not in source
    assert not re.search(r"\son[a-z]+\s*=", source), "event handler attribute"
    for script in re.findall(r"<script\b[^>]*>", source):
        assert ' src="/' in script or 'type="application/json"' in script, script


@pytest.mark.parametrize(
    "name",
    [n for n in PAGES if n != "base.html" and not n.startswith(("macros/", "includes/"))],
)
def test_every_page_extends_the_one_layout(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    first = re.sub(r"\{#.*?#\}", "", source, flags=re.DOTALL).lstrip()
    layout = re.match(r'\{% extends "([a-z_/]+\.html)" %\}', first)
    assert layout is not None, name
    # Directly, or through an area's layout (the console's) that extends it.
    while layout.group(1) != "base.html":
        parent = (TEMPLATES / layout.group(1)).read_text(encoding="utf-8")
        layout = re.search(r'\{% extends "([a-z_/]+\.html)" %\}', parent)
        assert layout is not None, name
