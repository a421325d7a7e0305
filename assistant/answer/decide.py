"""From retrieved passages to a decision: answerable or not, which sentences to quote, which span is the
answer itself. The fitted model (and the judge and reader inside it) comes in as an argument, so training scores
folds with the very code that answers questions; a model without them uses the shipped ones, loaded once."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..answering import is_substantive
from ..claims import is_instruction
from ..records import Hit
from .extract import has_unit
from .features import JUDGED, question_features, sentence_features
from .model import AnswerModel, sigmoid
from .question import QuestionInfo, analyse
from .reader import shipped_judge, shipped_reader
from .select import Sentence, candidates

OVERVIEW_MIN, OVERVIEW_MAX = 3, 5
MAX_QUOTES = 3
# The lead quote: the judged sentence with the best logit + LEAD_WEIGHT × judge margin. Held out by article (the
# right sentence leads; XQuAD DE / EN, GermanQuAD): by logit alone .795 / .752 / .661; + margin × 0.5 .813 / .788 /
# .711; × 1 .807 / .788 / .719; × 1.5 .803 / .762 / .720 (3 sentences judged; 5 gave +.01 at 5/3 of the cost).
LEAD_WEIGHT = 1.0


@dataclass(frozen=True)
class ShortSpan:
    sentence: Sentence
    start: int  # document offsets
    end: int
    confidence: float  # the reader's expected token F1 of the span


@dataclass(frozen=True)
class Decision:
    question: QuestionInfo
    answerable: float  # P(the documents hold the answer)
    abstain: bool
    quotes: tuple[Sentence, ...]  # the best first, then the support in reading order (an overview: all in reading order)
    short: ShortSpan | None


def _distinct(chosen: list[Sentence], candidate: Sentence) -> bool:
    words = set(candidate.text.lower().split())
    return all(len(words & set(c.text.lower().split())) < 0.8 * max(1, len(words)) for c in chosen)


def overview(sentences: Sequence[Sentence], logits: np.ndarray, margin: float) -> list[Sentence]:
    """3–5 distinct, well-scored sentences across passages and documents for "Erzähl mir von …"."""
    order = sorted(range(len(sentences)), key=lambda i: -logits[i])
    chosen: list[Sentence] = []
    for i in order:
        if len(chosen) >= OVERVIEW_MAX or (len(chosen) >= OVERVIEW_MIN and logits[i] < logits[order[0]] - 2 * margin):
            break
        if is_substantive(sentences[i].text) and _distinct(chosen, sentences[i]):
            chosen.append(sentences[i])
    return chosen


def supporting(sentences: Sequence[Sentence], logits: np.ndarray, margin: float, lead: int) -> list[Sentence]:
    """The lead sentence, and up to MAX_QUOTES - 1 more that score within `margin` of the best logit (fitted on
    held-out folds): when the model cannot tell two sentences apart, the reader sees both."""
    order = np.argsort(-logits)
    chosen = [sentences[lead]]
    for i in order:
        if len(chosen) >= MAX_QUOTES or logits[i] < logits[order[0]] - margin:
            break
        if i != lead and _distinct(chosen, sentences[i]):
            chosen.append(sentences[i])
    return chosen


def best_span(reader, question: str, sentence: Sentence) -> ShortSpan | None:
    """The reader's answer inside the sentence (its neighbours read as context), trimmed of enclosing punctuation."""
    found = reader.best_span(question, sentence.text, sentence.before, sentence.after)
    if found is None:
        return None
    start, end, confidence = found
    start, end = trimmed(sentence.text, start, end)
    if end <= start:
        return None
    return ShortSpan(sentence, sentence.start + start, sentence.start + end, confidence)


_EDGE = " \t\n,;:.!?„“”\"'«»()[]–—"


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the punctuation and brackets around it ("2023." → "2023"), as SQuAD's answers are written."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def judged_margins(judge, question: str, sentences: Sequence[Sentence], logits: np.ndarray) -> tuple[list[int], list[float]]:
    """The JUDGED best-scored sentences (indices, in the scorer's order) and the judge's margin on each."""
    judged = [int(i) for i in np.argsort(-logits)[:JUDGED]]
    return judged, judge.margins(question, [(sentences[i].text, sentences[i].before, sentences[i].after) for i in judged])


STRICT_UNITS = frozenset({"distance", "percent"})


def lacks_unit(q: QuestionInfo, sentences: Sequence[Sentence]) -> bool:
    """A question asking how far or what share cannot be answered by a sentence without a distance or a percentage
    ("How far …?" is not answered by "alle 3 bis 4 Jahre"): a type check, not a weight."""
    return q.kind == "count" and q.unit in STRICT_UNITS and not any(has_unit(q.unit, s.text) for s in sentences)


def decide(question: str, language: str, hits: Sequence[Hit], model: AnswerModel, context: str = "") -> Decision:
    """`context` is the previous question when this one was read as its follow-up: its words count, the kind
    of answer asked for comes from this question ("Und wann war das?" asks for a date)."""
    q = analyse(question, language)
    if context:
        q = replace(analyse(f"{context} {question}", language), kind=q.kind, counted=q.counted)
    # a sentence addressing the model with orders ("Ignore previous instructions …") is never evidence
    sentences = [s for s in candidates(hits) if is_substantive(s.text) and not is_instruction(s.text)]
    if not sentences:
        return Decision(q, 0.0, True, (), None)
    rows = sentence_features(q, language, sentences)
    logits = model.sentence.logits(rows)
    question_read = f"{context} {question}" if context else question
    judged, margins = judged_margins(model.judge if model.judge is not None else shipped_judge(), question_read, sentences, logits)
    features = question_features(q, language, sentences, rows, list(logits), margins)
    answerable = float(sigmoid(model.question.logits([features])[0]))
    if answerable < model.answerable_threshold.get(language, model.answerable_threshold["de"]) or lacks_unit(q, sentences):
        return Decision(q, answerable, True, (), None)
    if q.kind == "open":
        chosen = overview(sentences, logits, model.second_quote_margin)
    else:
        lead = max(zip(judged, margins), key=lambda im: logits[im[0]] + LEAD_WEIGHT * im[1])[0]
        chosen = supporting(sentences, logits, model.second_quote_margin, lead)
    short = None
    threshold = model.span_threshold.get(q.kind)  # kinds without one get no short answer
    if threshold is not None:
        found = best_span(model.reader if model.reader is not None else shipped_reader(), question_read, chosen[0])
        short = found if found is not None and found.confidence >= threshold else None
    # an overview reads in document order; an answer leads with the sentence the model trusts most, then its support
    lead = () if q.kind == "open" else (chosen[0],)
    ordered = lead + tuple(sorted(chosen[len(lead):], key=lambda s: (s.rank, s.document, s.start)))
    return Decision(q, answerable, False, ordered, short)
