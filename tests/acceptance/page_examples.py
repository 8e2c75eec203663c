"""The ``curl`` examples of a documentation page, as its reader copies them: the text of
every ``<pre><code data-example="name">`` in page order, entities decoded."""

from __future__ import annotations

from html.parser import HTMLParser


class _Examples(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._name: str | None = None
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = dict(attrs).get("data-example")
        if tag == "code" and name:
            assert self._name is None, "examples do not nest"
            self._name, self._parts = name, []

    def handle_data(self, data: str) -> None:
        if self._name is not None:
            self._parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self._name is not None:
            self.found.append((self._name, "".join(self._parts)))
            self._name = None


def examples(page: str) -> dict[str, str]:
    """Example name → the command as displayed (page order kept; names are unique)."""
    parser = _Examples()
    parser.feed(page)
    names = [name for name, _text in parser.found]
    assert len(names) == len(set(names)), f"an example name is used twice: {names}"
    return dict(parser.found)
