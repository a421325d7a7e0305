"""What every reader returns (`Extracted`) and the one error they raise, plus the page-joining rule.

Pages are joined with a blank line, which the sentence splitter treats as a hard boundary, and each page's
start offset is recorded so a citation can name its page without storing the pages twice.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

PAGE_SEPARATOR = "\n\n"


class DocumentError(Exception):
    """Why a file can't be read; the message is shown to the user as is."""


@dataclass(frozen=True)
class Extracted:
    """A reader's result: the text every offset points into, a title, and (for paged formats) page starts."""

    text: str
    title: str = ""
    page_starts: tuple[int, ...] = ()  # offset where page 1, 2, … begins; () when the format has no pages
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text came from OCR

    def with_title(self, title: str) -> "Extracted":
        return replace(self, title=title)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def from_pages(pages: list[str], title: str = "", ocr_pages: tuple[int, ...] = ()) -> Extracted:
    """Join page texts with a blank line and remember where each page starts (empty pages keep their number)."""
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for i, page in enumerate(pages):
        if i:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        page = normalise_newlines(page)
        starts.append(offset)
        parts.append(page)
        offset += len(page)
    return Extracted("".join(parts), title, tuple(starts), tuple(ocr_pages))


def short(e: BaseException) -> str:
    """One line of an exception for the user: no traceback, no multi-line dumps."""
    lines = str(e).strip().splitlines()
    return (lines[0] if lines else type(e).__name__)[:120]
