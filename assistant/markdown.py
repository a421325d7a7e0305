"""Answers as Markdown: the reply text of the OpenAI-compatible API, the UI's copy button and chat export.

Pure functions over records. A source is named as a reader knows it (title, else file name; page when the
document has pages), never by character offsets; the quote is the verified span, on one line.
"""
from __future__ import annotations

import re
from typing import Iterable

from .answer.compose import quoted
from .records import Answer, Citation

SOURCES = {"de": "Quellen", "en": "Sources"}
PAGE = {"de": "S.", "en": "p."}
QUESTION = {"de": "Frage", "en": "Question"}
ANSWER = {"de": "Antwort", "en": "Answer"}


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def document_name(citation: Citation) -> str:
    """The document's title, or its file name when it has none."""
    return one_line(citation.title or "") or citation.document


def source_name(citation: Citation, language: str) -> str:
    """'Title, S. 2' / 'Title, p. 2'; the file name stands in for a missing title."""
    name = document_name(citation)
    page = f", {PAGE.get(language, 'p.')} {citation.page}" if citation.page else ""
    return f"{name}{page}"


def sources_markdown(answer: Answer) -> str:
    """A Markdown list: '- [1] Title, p. 2: “quote”' per citation; '' for an answer without sources."""
    if not answer.citations:
        return ""
    lang = answer.language
    lines = [f"- [{c.n}] {source_name(c, lang)}: {quoted(c.quote, lang)}" for c in answer.citations]
    return f"**{SOURCES.get(lang, 'Sources')}:**\n" + "\n".join(lines)


def reply_markdown(answer: Answer) -> str:
    """The answer text with its [n] markers, then its sources."""
    sources = sources_markdown(answer)
    return f"{answer.text}\n\n{sources}" if sources else answer.text


def turn_markdown(question: str, answer: Answer | None, message: str | None, ui_language: str) -> str:
    """One question and what came back, for copying or exporting."""
    head = f"### {QUESTION.get(ui_language, 'Question')}: {one_line(question)}"
    body = reply_markdown(answer) if answer is not None else (message or "")
    return f"{head}\n\n{body}\n"


def chat_markdown(title: str, turns: Iterable[tuple[str, Answer | None, str | None]], ui_language: str) -> str:
    """A whole chat: a heading, then each turn."""
    parts = [f"# {one_line(title)}\n"]
    parts += [turn_markdown(q, a, m, ui_language) for q, a, m in turns]
    return "\n".join(parts)
