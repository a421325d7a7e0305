"""Pure HTML for the chat: answers with [n] markers, source cards, the document viewer.

Every piece of document text, file name and question is HTML-escaped here before it reaches the page; the chat is
shown without Markdown so a document cannot smuggle markup in through a quote. No Gradio, no files: tested
without a browser (tests/test_ui_render.py, golden file tests/golden/ui_answer.html).
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from ..records import Answer, Citation

EXAMPLES = [
    "Seit wann kooperieren Niedersachsen und Tjumen?",
    "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?",
    "Wie viele Kilometer liegen zwischen Haldensleben und Omsk?",
    "How many municipal partnerships exist between North Rhine-Westphalia and Dnipropetrovsk?",
    "Wer leitet die Delegation aus Omsk?",
]
CONTEXT_CHARS = 220  # passage context shown on each side of a quote in the sources panel
VIEW_CHARS = 60_000  # longest stretch of a document the viewer renders at once (around the cited span)
QUESTION_SHOWN_CHARS = 600  # a refused 20,000-character question is not echoed whole

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "sources": "Quellen zu Antwort {turn}",
        "chars": "Zeichen {start}–{end}",
        "open": "Ganzes Dokument an dieser Stelle öffnen",
        "no_sources": "Keine Quellen: Die Dokumente enthalten dazu nichts.",
        "refused": "Keine Quellen: Die Frage wurde nicht beantwortet.",
        "moved": "Das Dokument wurde seit dieser Antwort geändert; die Stelle ist nicht mehr genau dieselbe.",
        "gone": "Das Dokument ist nicht mehr im Index.",
    },
    "en": {
        "sources": "Sources for answer {turn}",
        "chars": "characters {start}–{end}",
        "open": "Open the whole document at this passage",
        "no_sources": "No sources: the documents do not say.",
        "refused": "No sources: the question was not answered.",
        "moved": "The document changed since this answer; the passage may have moved.",
        "gone": "The document is no longer in the index.",
    },
}


def esc(value: object) -> str:
    """HTML-escape anything shown on the page (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def _labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def _one_line(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def human_time(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "–"


# ---------------------------------------------------------------- chat


@dataclass(frozen=True)
class Turn:
    """One question of a chat and what came back: an Answer, or a refusal/error message for the user."""

    question: str
    answer: Answer | None = None
    message: str | None = None  # BadQuestion text, index problem, or a short error note


_MARKER = re.compile(r"\[(\d+)\]")


def source_anchor(turn: int, n: int) -> str:
    return f"qc-src-{turn}-{n}"


def render_marker(citation: Citation, turn: int) -> str:
    """A clickable [n]: its link names the source card, its tooltip shows document and quote."""
    tip = f"[{citation.n}] {citation.document}: {_one_line(citation.quote, 240)}"
    return f'<a class="qc-cite" href="#{source_anchor(turn, citation.n)}" title="{esc(tip)}">[{citation.n}]</a>'


def render_answer(answer: Answer, turn: int) -> str:
    """Answer text, escaped, with its [n] markers turned into links to the sources panel."""
    by_n = {c.n: c for c in answer.citations}
    parts: list[str] = []
    pos = 0
    for match in _MARKER.finditer(answer.text):
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            continue
        parts.append(esc(answer.text[pos : match.start()]))
        parts.append(render_marker(citation, turn))
        pos = match.end()
    parts.append(esc(answer.text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    css = "qc-answer qc-abstained" if answer.abstained else "qc-answer"
    notes = "".join(f'<div class="qc-note">{esc(note)}</div>' for note in answer.notes)
    return f'<div class="{css}">{body}</div>{notes}'


def render_partial(text: str) -> str:
    """A streamed answer still being written: plain escaped text."""
    return f'<div class="qc-answer qc-streaming">{esc(text).replace(chr(10), "<br>")}</div>'


def render_message(message: str) -> str:
    return f'<div class="qc-answer qc-refused">{esc(message)}</div>'


def render_question(question: str) -> str:
    return esc(_one_line(question, QUESTION_SHOWN_CHARS)) or "&nbsp;"


def chat_messages(turns: Sequence[Turn], pending: str | None = None, partial: str | None = None) -> list[dict[str, str]]:
    """The chatbot's value: alternating user/assistant messages rebuilt from the turns (message i//2 = turn)."""
    messages: list[dict[str, str]] = []
    for number, turn in enumerate(turns):
        messages.append({"role": "user", "content": render_question(turn.question)})
        if turn.answer is not None:
            content = render_answer(turn.answer, number)
        else:
            content = render_message(turn.message or "")
        messages.append({"role": "assistant", "content": content})
    if pending is not None:
        messages.append({"role": "user", "content": render_question(pending)})
        messages.append({"role": "assistant", "content": render_partial(partial) if partial else '<div class="qc-answer qc-thinking">…</div>'})
    return messages


# ---------------------------------------------------------------- sources and document viewer


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


def render_passage(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> str:
    """The quoted span in <mark>, with escaped context around it; the document text is never trusted."""
    before, more_left = _cut_left(text, start, context)
    after, more_right = _cut_right(text, end, context)
    return (
        f'<div class="qc-passage">{"… " if more_left else ""}{esc(before)}'
        f'<mark class="qc-quote">{esc(text[start:end])}</mark>{esc(after)}{" …" if more_right else ""}</div>'
    )


def render_source(citation: Citation, turn: int, language: str, text: str | None) -> str:
    labels = _labels(language)
    head = (
        f'<div class="qc-source-head"><span class="qc-n">[{citation.n}]</span> '
        f'<span class="qc-docname">{esc(citation.document)}</span> '
        f'<span class="qc-range">{esc(labels["chars"].format(start=citation.start, end=citation.end))}</span></div>'
    )
    found = locate(citation, text) if text is not None else None
    if found is None:
        note = labels["gone"] if text is None else labels["moved"]
        body = f'<div class="qc-passage"><mark class="qc-quote">{esc(citation.quote)}</mark></div><div class="qc-note">{esc(note)}</div>'
        link = ""
    else:
        body = render_passage(text or "", found.start, found.end)
        if not found.exact:
            body += f'<div class="qc-note">{esc(labels["moved"])}</div>'
        link = (
            f'<a href="#" class="qc-open" data-turn="{turn}" data-n="{citation.n}">{esc(labels["open"])} ↗</a>'
        )
    return f'<div class="qc-source" id="{source_anchor(turn, citation.n)}">{head}{body}{link}</div>'


SOURCES_PLACEHOLDER = (
    '<div class="qc-sources qc-empty">Quellen / Sources: Stellen Sie eine Frage – die zitierten Stellen erscheinen hier. '
    "Ask a question – the cited passages appear here.</div>"
)


def render_sources(turn: int | None, item: Turn | None, document_text: Callable[[str], str | None]) -> str:
    """The sources panel for one chat turn: a card per citation, or a plain note when there are none."""
    if turn is None or item is None:
        return SOURCES_PLACEHOLDER
    answer = item.answer
    language = answer.language if answer else "en"
    labels = _labels(language)
    title = f'<div class="qc-sources-title">{esc(labels["sources"].format(turn=turn + 1))}</div>'
    if answer is None or not answer.citations:
        note = labels["refused"] if answer is None else labels["no_sources"]
        return f'<div class="qc-sources" data-turn="{turn}">{title}<div class="qc-empty">{esc(note)}</div></div>'
    texts: dict[str, str | None] = {}
    for c in answer.citations:
        if c.document not in texts:
            texts[c.document] = document_text(c.document)
    cards = "".join(render_source(c, turn, language, texts[c.document]) for c in answer.citations)
    return f'<div class="qc-sources" data-turn="{turn}">{title}{cards}</div>'


VIEWER_PLACEHOLDER = (
    '<div class="qc-viewer qc-empty">Dokument / Document: „Ganzes Dokument öffnen“ bei einer Quelle zeigt hier den '
    "vollständigen Text, an der zitierten Stelle markiert. “Open the whole document” on a source shows it here.</div>"
)


def render_document(doc_id: str, text: str | None, span: tuple[int, int] | None = None, window: int = VIEW_CHARS) -> str:
    """The whole document (or a window of a huge one around the span), escaped, with the span marked."""
    close = '<a href="#" class="qc-close" title="close">×</a>'
    if text is None:
        return f'<div class="qc-viewer"><div class="qc-viewer-head">{close}<b>{esc(doc_id)}</b></div><div class="qc-note">{esc(_labels("de")["gone"])} / {esc(_labels("en")["gone"])}</div></div>'
    start, end = span if span else (0, 0)
    lo, hi = 0, len(text)
    if len(text) > window:
        centre = (start + end) // 2
        lo = max(0, min(centre - window // 2, len(text) - window))
        hi = lo + window
    start, end = max(start, lo), min(end, hi)
    shown = f"{lo}–{hi} / {len(text)}" if (lo, hi) != (0, len(text)) else f"{len(text)}"
    where = f" · markiert / marked {span[0]}–{span[1]}" if span else ""
    head = (
        f'<div class="qc-viewer-head">{close}<b class="qc-docname">{esc(doc_id)}</b>'
        f'<span class="qc-range"> · Zeichen / characters {esc(shown)}{esc(where)}</span></div>'
    )
    if span and end > start:
        body = f'{esc(text[lo:start])}<mark class="qc-doc-mark">{esc(text[start:end])}</mark>{esc(text[end:hi])}'
    else:
        body = esc(text[lo:hi])
    return f'<div class="qc-viewer" data-doc="{esc(doc_id)}">{head}<div class="qc-doc-text">{body}</div></div>'
