"""Pure HTML for the chat: questions, answers with [n] markers and a copy link, the chat history list.

Every piece of document text, file name and question is HTML-escaped here before it reaches the page; the chat is
shown without Markdown so a document cannot smuggle markup in through a quote. No Gradio, no files: tested
without a browser (tests/test_ui_render.py, golden file tests/golden/ui_answer.html).
"""
from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from typing import Sequence

from ..markdown import source_name
from ..records import Answer, Citation
from .i18n import t

EXAMPLES = [
    "Seit wann kooperieren Niedersachsen und Tjumen?",
    "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?",
    "Wie viele Kilometer liegen zwischen Haldensleben und Omsk?",
    "How many municipal partnerships exist between North Rhine-Westphalia and Dnipropetrovsk?",
    "Wer leitet die Delegation aus Omsk?",
]
QUESTION_SHOWN_CHARS = 600  # a refused 20,000-character question is not echoed whole


def esc(value: object) -> str:
    """HTML-escape anything shown on the page (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def one_line(text: str, limit: int) -> str:
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


@dataclass(frozen=True)
class Turn:
    """One question of a chat and what came back: an Answer, or a refusal/error message for the user."""

    question: str
    answer: Answer | None = None
    message: str | None = None  # BadQuestion text, index problem, or a short error note


_MARKER = re.compile(r"\[(\d+)\]")


def source_anchor(turn: int, n: int) -> str:
    return f"qc-src-{turn}-{n}"


def render_marker(citation: Citation, turn: int, lang: str) -> str:
    """A clickable [n]: its link names the source card, its tooltip shows the source and the quote."""
    tip = f"[{citation.n}] {source_name(citation, lang)}: {one_line(citation.quote, 240)}"
    return f'<a class="qc-cite" href="#{source_anchor(turn, citation.n)}" title="{esc(tip)}">[{citation.n}]</a>'


def render_copy(turn: int, lang: str) -> str:
    """The copy link under an answer; the page's script copies that turn's Markdown (question, answer, sources)."""
    return f'<div class="qc-tools"><a class="qc-copy" href="#qc-copy-{turn}" title="{esc(t(lang, "copy"))}">{esc(t(lang, "copy"))}</a></div>'


def render_answer(answer: Answer, turn: int, lang: str = "de") -> str:
    """Answer text, escaped, with its [n] markers turned into links to the sources panel, then notes and copy."""
    by_n = {c.n: c for c in answer.citations}
    parts: list[str] = []
    pos = 0
    for match in _MARKER.finditer(answer.text):
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            continue
        parts.append(esc(answer.text[pos : match.start()]))
        parts.append(render_marker(citation, turn, lang))
        pos = match.end()
    parts.append(esc(answer.text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    css = "qc-answer qc-abstained" if answer.abstained else "qc-answer"
    notes = "".join(f'<div class="qc-note">{esc(note)}</div>' for note in answer.notes)
    return f'<div class="{css}">{body}</div>{notes}{render_copy(turn, lang)}'


def render_partial(text: str) -> str:
    """A streamed answer still being written: plain escaped text."""
    return f'<div class="qc-answer qc-streaming">{esc(text).replace(chr(10), "<br>")}</div>'


def render_message(message: str) -> str:
    return f'<div class="qc-answer qc-refused">{esc(message)}</div>'


def render_question(question: str, read_as: str | None = None, lang: str = "de") -> str:
    """The question as asked; 'read as: …' under it when a follow-up was searched together with the one before."""
    shown = esc(one_line(question, QUESTION_SHOWN_CHARS)) or "&nbsp;"
    if read_as and read_as.strip() != question.strip():
        shown += f'<div class="qc-read-as">{esc(t(lang, "read_as", question=one_line(read_as, QUESTION_SHOWN_CHARS)))}</div>'
    return shown


def chat_messages(
    turns: Sequence[Turn], pending: str | None = None, partial: str | None = None, lang: str = "de"
) -> list[dict[str, str]]:
    """The chatbot's value: alternating user/assistant messages rebuilt from the turns (message i//2 = turn)."""
    messages: list[dict[str, str]] = []
    for number, turn in enumerate(turns):
        read_as = turn.answer.read_as if turn.answer is not None else None
        messages.append({"role": "user", "content": render_question(turn.question, read_as, lang)})
        if turn.answer is not None:
            content = render_answer(turn.answer, number, lang)
        else:
            content = render_message(turn.message or t(lang, "no_answer"))
        messages.append({"role": "assistant", "content": content})
    if pending is not None:
        messages.append({"role": "user", "content": render_question(pending)})
        messages.append({"role": "assistant", "content": render_partial(partial) if partial else '<div class="qc-answer qc-thinking">…</div>'})
    return messages


def render_history(chats: Sequence[tuple[str, str, float]], current: str | None, lang: str) -> str:
    """Earlier chats of this browser, newest first: (id, title, updated); a click opens one, × deletes it."""
    if not chats:
        return f'<div class="qc-chats qc-empty">{esc(t(lang, "history_empty"))}</div>'
    rows = []
    for chat_id, title, updated in chats:
        mark = f' <span class="qc-current">· {esc(t(lang, "current_chat"))}</span>' if chat_id == current else ""
        rows.append(
            f'<li class="qc-chat-item" data-chat="{esc(chat_id)}"><a href="#" class="qc-chat-open" data-chat="{esc(chat_id)}">'
            f'{esc(one_line(title, 90))}</a>{mark}<span class="qc-chat-when">{esc(human_time(updated))}</span>'
            f'<a href="#" class="qc-chat-delete" data-chat="{esc(chat_id)}" title="{esc(t(lang, "delete_chat"))}" '
            f'data-confirm="{esc(t(lang, "confirm_delete_chat"))}">×</a></li>'
        )
    return f'<ul class="qc-chats">{"".join(rows)}</ul>'


def render_markdown_store(turns_markdown: Sequence[str], chat_markdown: str, file_name: str, chat_id: str | None) -> str:
    """Hidden text areas holding each turn's Markdown and the whole chat's, for the copy links and export;
    `data-chat` tells the page which chat to reopen after a reload."""
    areas = "".join(f'<textarea data-turn="{i}" readonly>{esc(md)}</textarea>' for i, md in enumerate(turns_markdown))
    return (
        f'<div class="qc-md" data-chat="{esc(chat_id or "")}" data-file="{esc(file_name)}" data-turns="{len(turns_markdown)}">{areas}'
        f'<textarea class="qc-md-all" readonly>{esc(chat_markdown)}</textarea></div>'
    )
