"""Extractive answers: the fitted model picks the sentences (and, for fact questions, the span) that answer
the question, or says the documents do not hold it; every quote is checked against its document.

select → features → model → decide → extract → compose; the LLM path (generation.py, citations.py) falls
back to this one."""
from __future__ import annotations

import re
from typing import Callable, Sequence

from ..answering import NOT_FOUND
from ..records import Answer, Citation, Hit, ShortAnswer
from .compose import compose
from .decide import Decision, decide
from .extract import english_rendering
from .model import AnswerModel, load_model
from .select import Sentence

# A sentence that opens with a pronoun ("Sie leitet die Delegation …") names its subject in the sentence before.
_OPENS_WITH_PRONOUN = re.compile(r"^[„“\"»]?(sie|er|es|dies\w*|das|dort|damals|dabei|dazu|davon|damit|darüber|dafür|deshalb|daher|he|she|it|they|this|these|there)\b", re.I)


def quote_span(sentence: Sentence) -> tuple[int, int]:
    """The sentence's span, extended to the sentence before when it opens with a pronoun."""
    if sentence.before_start is not None and _OPENS_WITH_PRONOUN.match(sentence.text):
        return sentence.before_start, sentence.end
    return sentence.start, sentence.end


def citations_for(decision: Decision, document_text: Callable[[str], str | None]) -> tuple[list[Citation], ShortAnswer | None]:
    """Numbered citations whose quotes equal the document at their spans; the short answer points into one of them."""
    citations: list[Citation] = []
    short = None
    texts: dict[str, str | None] = {}
    for sentence in decision.quotes:
        text = texts.setdefault(sentence.document, document_text(sentence.document))
        start, end = quote_span(sentence)
        if text is None or text[sentence.start : sentence.end] != sentence.text:
            continue
        citations.append(Citation(len(citations) + 1, sentence.document, start, end, text[start:end]))
        s = decision.short
        if s is not None and s.sentence.document == sentence.document and s.sentence.start == sentence.start:
            short = (len(citations), s.start, s.end, text[s.start : s.end])
    if short is None:
        return citations, None
    n, start, end, verbatim = short
    return citations, ShortAnswer(verbatim, n, start, end)


def answer_question(question: str, language: str, hits: Sequence[Hit], document_text: Callable[[str], str | None],
                    model: AnswerModel | None = None, context: str = "") -> Answer:
    """Quote what answers the question, the answer itself first, or say that the documents do not hold it.
    `context`: the previous question, when this one is its follow-up."""
    decision = decide(question, language, hits, model or load_model(), context)
    citations, short = citations_for(decision, document_text) if not decision.abstain else ([], None)
    if not citations:
        return Answer(question, language, NOT_FOUND.get(language, NOT_FOUND["en"]), abstained=True)
    if short is not None and language == "en":
        short = ShortAnswer(english_rendering(short.text), short.n, short.start, short.end)
    text = compose(language, citations, short, overview=decision.question.kind == "open")
    return Answer(question, language, text, abstained=False, citations=tuple(citations), short_answer=short)


__all__ = ["answer_question", "decide", "load_model"]
