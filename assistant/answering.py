"""Questions in, polite refusals out: cleaning and limits for questions, the "not in the documents" reply, and
the sentence/citation helpers the LLM citation check shares. The extractive answer itself is `assistant.answer`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Sequence

from .chunking import split_sentences
from .lexical import tokenize
from .records import Answer, Citation, Hit, Span

MAX_QUESTION_CHARS = 2000
NOT_FOUND = {"de": "Dazu steht nichts in den Dokumenten.", "en": "The documents don't say."}
_EMPTY = "Bitte stellen Sie eine Frage. / Please ask a question."  # no words, so no language to pick
_TOO_LONG = {
    "de": f"Die Frage ist zu lang (höchstens {MAX_QUESTION_CHARS} Zeichen). Bitte kürzer fassen.",
    "en": f"The question is too long (at most {MAX_QUESTION_CHARS} characters). Please shorten it.",
}


_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")  # colour and cursor codes pasted from a terminal ("\x1b[31m")


class BadQuestion(ValueError):
    """A question we refuse politely; the message is meant for the user."""


def clean_question(question: str, language: str = "en") -> str:
    """Strip terminal codes, control characters and surrounding space; refuse empty, letterless or oversized questions."""
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(_TOO_LONG[language])
    cleaned = "".join(" " if unicodedata.category(c).startswith("C") else c for c in _TERMINAL_CODES.sub(" ", question))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not any(c.isalnum() for c in cleaned):
        raise BadQuestion(_EMPTY)
    return cleaned


@dataclass(frozen=True)
class Candidate:
    """A sentence inside a retrieved passage, with absolute offsets in its document."""

    document: str
    span: Span
    text: str
    hit_rank: int


# A sentence that opens with a pronoun ("Sie leitet die Delegation …") names its subject in the sentence
# before; quoting both keeps the quote understandable on its own.
_OPENS_WITH_PRONOUN = re.compile(r"^(sie|er|es|dies\w*|das|dort|damals|he|she|it|they|this|these|there)\b", re.I)


def candidate_sentences(hits: Sequence[Hit]) -> list[Candidate]:
    """Sentences of the top passages, each once, with document offsets (overlapping chunks share sentences);
    a sentence that opens with a pronoun carries the sentence before it."""
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        previous: Span | None = None
        for span in split_sentences(chunk.text):
            start = previous.start if previous and opens_with_pronoun(chunk.text[span.start : span.end]) else span.start
            previous = span
            if (chunk.doc_id, chunk.start + span.start) in seen:
                continue
            seen.add((chunk.doc_id, chunk.start + span.start))
            out.append(Candidate(chunk.doc_id, Span(chunk.start + start, chunk.start + span.end), chunk.text[start : span.end], rank))
    return out


def opens_with_pronoun(sentence: str) -> bool:
    """Does the sentence name its subject only in the sentence before ("Sie leitet die Delegation …")?"""
    return _OPENS_WITH_PRONOUN.match(sentence) is not None


def is_heading(sentence: str) -> bool:
    """Short lines without closing punctuation are headlines and captions: they name a topic, they rarely answer."""
    return len(sentence) < 120 and not re.search(r"[.!?:;\"“”»«)]\s*$", sentence)


def is_substantive(sentence: str) -> bool:
    """At least three words: breadcrumbs ("1. Startseite 2. >") and bare dates resemble every question a little."""
    return len(re.findall(r"[^\W\d_]{2,}", sentence)) >= 3


def lexical_overlap(question: str, sentence: str) -> float:
    """Share of the question's content terms (stemmed) that the sentence contains."""
    terms = set(tokenize(question))
    return len(terms & set(tokenize(sentence))) / len(terms) if terms else 0.0


def verified_citations(quotes: Sequence[Candidate], document_text: Callable[[str], str | None]) -> list[Citation]:
    """Number the quotes, keeping only those whose text equals the document at their span."""
    citations: list[Citation] = []
    for quote in quotes:
        text = document_text(quote.document)
        if text is not None and text[quote.span.start : quote.span.end] == quote.text:
            citations.append(Citation(len(citations) + 1, quote.document, quote.span.start, quote.span.end, quote.text))
    return citations


def abstain(question: str, language: str) -> Answer:
    return Answer(question, language, NOT_FOUND[language], abstained=True)
