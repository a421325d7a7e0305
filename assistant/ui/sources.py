"""Pure HTML for the sources panel: a card per citation (title, page, the passage with the quote and the short
answer highlighted) and the whole-document viewer, opened right under the card it belongs to.

File name and character range stay in the card's tooltip (and in the JSON); a reader sees title and page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ..markdown import document_name
from ..records import Citation, ShortAnswer, page_at
from .i18n import t
from .render import Turn, esc, one_line, source_anchor

CONTEXT_CHARS = 220  # passage context shown on each side of a quote in the sources panel
VIEW_CHARS = 60_000  # longest stretch of a document the viewer renders at once (around the cited span)


@dataclass(frozen=True)
class Located:
    """Where a citation's quote sits in the document text as the index holds it now."""

    start: int
    end: int
    exact: bool  # False when the document changed and the quote was found elsewhere (or not at all)


def locate(citation: Citation, text: str) -> Located | None:
    if text[citation.start : citation.end] == citation.quote:
        return Located(citation.start, citation.end, True)
    found = text.find(citation.quote)
    return Located(found, found + len(citation.quote), False) if found >= 0 and citation.quote else None


def _cut_left(text: str, start: int, width: int) -> tuple[str, bool]:
    """Up to `width` characters before `start`, beginning at a word boundary."""
    lo = max(0, start - width)
    chunk = text[lo:start]
    if lo > 0:
        space = re.search(r"\s", chunk)
        chunk = chunk[space.end() :] if space else chunk
    return chunk, lo > 0


def _cut_right(text: str, end: int, width: int) -> tuple[str, bool]:
    hi = min(len(text), end + width)
    chunk = text[end:hi]
    if hi < len(text):
        space = max(chunk.rfind(" "), chunk.rfind("\n"))
        chunk = chunk[:space] if space > 0 else chunk
    return chunk, hi < len(text)


def _marked(text: str, start: int, end: int, short: tuple[int, int] | None) -> str:
    """The quote, escaped, with the short answer inside it in <strong class="qc-short">."""
    if short is None:
        return esc(text[start:end])
    lo, hi = max(start, short[0]), min(end, short[1])
    if hi <= lo:
        return esc(text[start:end])
    return f'{esc(text[start:lo])}<strong class="qc-short">{esc(text[lo:hi])}</strong>{esc(text[hi:end])}'


def render_passage(text: str, start: int, end: int, context: int = CONTEXT_CHARS, short: tuple[int, int] | None = None) -> str:
    """The quoted span in <mark>, with escaped context around it; the document text is never trusted."""
    before, more_left = _cut_left(text, start, context)
    after, more_right = _cut_right(text, end, context)
    return (
        f'<div class="qc-passage">{"… " if more_left else ""}{esc(before)}'
        f'<mark class="qc-quote">{_marked(text, start, end, short)}</mark>{esc(after)}{" …" if more_right else ""}</div>'
    )


def source_head(citation: Citation, lang: str) -> str:
    """'[1] Title · p. 2'; the file name and character range are in the tooltip."""
    where = t(lang, "where", document=citation.document, start=citation.start, end=citation.end)
    page = f' <span class="qc-page">{esc(t(lang, "page", page=citation.page))}</span>' if citation.page else ""
    return (
        f'<div class="qc-source-head" title="{esc(where)}"><span class="qc-n">[{citation.n}]</span> '
        f'<span class="qc-title">{esc(document_name(citation))}</span>{page}</div>'
    )


def render_source(citation: Citation, turn: int, lang: str, text: str | None, short: ShortAnswer | None = None, viewer: str = "") -> str:
    found = locate(citation, text) if text is not None else None
    if found is None:
        note = t(lang, "gone") if text is None else t(lang, "moved")
        body = f'<div class="qc-passage"><mark class="qc-quote">{esc(citation.quote)}</mark></div><div class="qc-note">{esc(note)}</div>'
        link = ""
    else:
        shift = found.start - citation.start
        span = (short.start + shift, short.end + shift) if short is not None and short.n == citation.n else None
        body = render_passage(text or "", found.start, found.end, short=span)
        if not found.exact:
            body += f'<div class="qc-note">{esc(t(lang, "moved"))}</div>'
        link = f'<a href="#" class="qc-open" data-turn="{turn}" data-n="{citation.n}">{esc(t(lang, "open"))} ↗</a>'
    return f'<div class="qc-source" id="{source_anchor(turn, citation.n)}">{source_head(citation, lang)}{body}{link}{viewer}</div>'


def sources_placeholder(lang: str) -> str:
    return f'<div class="qc-sources qc-empty">{esc(t(lang, "sources_placeholder"))}</div>'


def render_sources(
    turn: int | None, item: Turn | None, document_text: Callable[[str], str | None], lang: str = "de", open_n: int | None = None,
    page_starts: Callable[[str], Sequence[int]] | None = None,
) -> str:
    """The sources panel for one chat turn: a card per citation (the viewer under card `open_n`, with page
    markers when `page_starts` knows the document's pages), or a plain note."""
    if turn is None or item is None:
        return sources_placeholder(lang)
    answer = item.answer
    title = f'<div class="qc-sources-title">{esc(t(lang, "sources", turn=turn + 1))}</div>'
    if answer is None or not answer.citations:
        note = t(lang, "refused") if answer is None else t(lang, "no_sources")
        return f'<div class="qc-sources" data-turn="{turn}">{title}<div class="qc-empty">{esc(note)}</div></div>'
    texts: dict[str, str | None] = {}
    for c in answer.citations:
        if c.document not in texts:
            texts[c.document] = document_text(c.document)
    cards = []
    for c in answer.citations:
        viewer = ""
        if c.n == open_n and texts[c.document] is not None:
            located = locate(c, texts[c.document] or "")
            pages = page_starts(c.document) if page_starts is not None else ()
            viewer = render_document(c.document, texts[c.document], (located.start, located.end) if located else None, lang,
                                     c.title, page_starts=pages)
        cards.append(render_source(c, turn, lang, texts[c.document], answer.short_answer, viewer))
    return f'<div class="qc-sources" data-turn="{turn}">{title}{"".join(cards)}</div>'


def render_document(
    doc_id: str, text: str | None, span: tuple[int, int] | None = None, lang: str = "de", title: str | None = None,
    window: int = VIEW_CHARS, page_starts: Sequence[int] = (),
) -> str:
    """The whole document (or a window of a huge one around the span), escaped, with the span marked and a
    "— S. 2 —" line where each page begins, so a reader can tell which page a cited passage is on."""
    close = f'<a href="#" class="qc-close" title="{esc(t(lang, "close"))}">×</a>'
    name = one_line(title or "", 200) or doc_id
    file = f' <span class="qc-file">{esc(doc_id)}</span>' if name != doc_id else ""
    if text is None:
        return (f'<div class="qc-viewer" data-doc="{esc(doc_id)}"><div class="qc-viewer-head">{close}<b class="qc-docname">'
                f'{esc(name)}</b>{file}</div><div class="qc-note">{esc(t(lang, "gone"))}</div></div>')
    start, end = span if span else (0, 0)
    lo, hi = 0, len(text)
    if len(text) > window:
        centre = (start + end) // 2
        lo = max(0, min(centre - window // 2, len(text) - window))
        hi = lo + window
    shown = f"{lo}–{hi} / {len(text)}" if (lo, hi) != (0, len(text)) else f"{len(text)}"
    where = t(lang, "viewer_range", shown=shown) + (t(lang, "viewer_marked", start=span[0], end=span[1]) if span else "")
    if page_starts:
        where = t(lang, "viewer_pages", n=len(page_starts)) + " · " + where
    head = (
        f'<div class="qc-viewer-head" title="{esc(doc_id)}">{close}<b class="qc-docname">{esc(name)}</b>{file}'
        f'<span class="qc-range"> · {esc(where)}</span></div>'
    )
    marked = (max(start, lo), min(end, hi)) if span and min(end, hi) > max(start, lo) else None
    body = _document_body(text, lo, hi, marked, page_starts, lang)
    return f'<div class="qc-viewer" data-doc="{esc(doc_id)}">{head}<div class="qc-doc-text">{body}</div></div>'


def _document_body(text: str, lo: int, hi: int, marked: tuple[int, int] | None, page_starts: Sequence[int], lang: str) -> str:
    """Escaped text[lo:hi] cut at the marked span and at page starts: a page marker never sits inside a <mark>,
    so a span across a page break becomes two marks with the marker between them."""
    breaks: dict[int, int] = {}
    if page_starts:
        breaks[lo] = page_at(tuple(page_starts), lo) or 1  # the page the window opens on
        breaks.update({s: i + 1 for i, s in enumerate(page_starts) if lo < s < hi})
    cuts = sorted({lo, hi, *breaks, *(marked or ())})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        if a in breaks:
            label = t(lang, "page_break", page=breaks[a])
            out.append(f'<span class="qc-page-break" data-page="{breaks[a]}" role="separator">{esc(label)}</span>')
        piece = esc(text[a:b])
        out.append(f'<mark class="qc-doc-mark">{piece}</mark>' if marked and marked[0] <= a and b <= marked[1] else piece)
    return "".join(out)
