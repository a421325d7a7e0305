"""Pick a document's title: the format's own (metadata, <title>, first heading) first, else a short first line.

Pure functions; readers pass in what their format offers. Titles are shown before the file name, so a bad one
(a breadcrumb, "Microsoft Word - x.docx", a whole paragraph) is worse than none.
"""
from __future__ import annotations

import re

MAX_TITLE_CHARS = 150
MAX_TITLE_WORDS = 20
_LIST_ITEM = re.compile(r"^\s*(\d+[.)]\s|[-*•>|#]|\W*$)")  # breadcrumbs, bullets, lines without a word
_JUNK_METADATA = re.compile(r"^(untitled|unbenannt|ohne titel|microsoft (word|powerpoint) - |dokument\d*$|document\d*$|"
                            r"folie\s*\d*$|slide\s*\d*$|präsentation\d*$|presentation\d*$)|\.(docx?|pptx?|odt|pdf|rtf)$", re.I)


def clean(title: str | None) -> str:
    """Whitespace collapsed, capped; '' for None."""
    title = " ".join((title or "").split())
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1].rstrip() + "…"


def from_metadata(title: str | None) -> str:
    """A metadata title unless it is an application's placeholder or a file name."""
    title = clean(title)
    return "" if not title or _JUNK_METADATA.search(title) else title


def first_line(text: str, lines: int = 12) -> str:
    """The first short line that reads like a heading: not a list item or breadcrumb, not a long paragraph."""
    for line in text.strip().splitlines()[: max(lines, 1) * 4]:
        line = line.strip()
        if not line or _LIST_ITEM.match(line):
            continue
        words = line.split()
        if len(words) <= MAX_TITLE_WORDS and len(line) <= MAX_TITLE_CHARS and any(c.isalpha() for c in line):
            return clean(line.lstrip("# ").strip())
        return ""  # the text starts with a paragraph: no heading to take
    return ""


def best(*candidates: str | None, text: str = "") -> str:
    """The first non-empty candidate, else a short first line of `text`."""
    for candidate in candidates:
        if clean(candidate):
            return clean(candidate)
    return first_line(text)
