"""What the UI render tests share: hostile text, and a check that markup built from it stays inert."""
from __future__ import annotations

from html.parser import HTMLParser

HOSTILE = '<script>alert(1)</script> <img src=x onerror=alert(1)> "quoted" & \'single\''


class TagCollector(HTMLParser):
    """Every element and attribute the browser would build from a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = TagCollector()
    parser.feed(markup)
    return parser.tags


def assert_inert(markup: str) -> None:
    """No script, no image, no event handler attribute: hostile text stayed text."""
    for tag, attrs in tags(markup):
        assert tag not in {"script", "img", "iframe", "object", "embed", "svg", "style"}, markup
        assert not any(name.startswith("on") for name in attrs), markup
        assert not any((value or "").strip().lower().startswith("javascript:") for value in attrs.values()), markup
