"""Citation check for generated answers: every [n] a language model writes must point at a retrieved passage
that supports the sentence carrying it, and every kept citation quotes a verified span of that passage.

Pure: records, numpy and the project's pure text helpers; sentence vectors come in as a function, so tests and
the pipeline decide which embedder (and which cache) is used.

The rules, in order:
1. A marker that names no retrieved passage ([7] of 3) is removed.
2. A marker whose passage does not support its claim is flagged and removed. Support means: the best sentence of
   the passage scores `cosine + LEXICAL_WEIGHT * term overlap` above a threshold (stricter when answer and
   passage share a language, because cross-lingual cosines run lower), comes within `BEST_MARGIN` of the best
   retrieved passage for the same claim, and every number in the claim occurs in the passage. Short claims
   ("CeBIT [2].") are read together with the question, and then one of their own words must be in the passage.
3. A sentence whose markers were all flagged is dropped. A sentence left without markers is kept with a
   citation of the passage that best supports it, or dropped when none does; a sentence saying that the
   passages do not hold the answer is kept as it is.
4. Sentences of a passage that address the model with orders (prompt injection) never count as support.
5. Kept citations are renumbered [1], [2], … in reading order; each quotes the passage sentence that best
   supports its claim, checked character for character against the document.
Thresholds are calibrated on XQuAD (scripts/calibrate_citations.py): claims "question + answer" against the
gold paragraph and against the other paragraphs of the same article. The scoring behind rule 2 (`Scorer`, the
thresholds) lives in claim_support.py; this module applies the rules and rewrites the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .answering import Candidate, candidate_sentences, verified_citations
# the thresholds are re-exported: scripts/calibrate_citations.py reads them here
from .claim_support import (BEST_MARGIN, CROSS_LANGUAGE_THRESHOLD, LEXICAL_WEIGHT, SAME_LANGUAGE_THRESHOLD,  # noqa: F401
                            SHORT_CLAIM_TERMS, Scorer)
from .claims import Marker, Sentence, claim_text, is_instruction, says_not_found, split_answer
from .lexical import tokenize
from .records import Chunk, Citation, Hit


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as the model saw it: numbered from 1, with the language of its text."""

    n: int
    chunk: Chunk
    language: str


@dataclass(frozen=True)
class CheckReport:
    """What the check did to one answer; counts are per passage reference (one "[1, 2]" is two)."""

    kept: int = 0  # references whose passage supports the claim
    removed: int = 0  # references to no retrieved passage
    flagged: int = 0  # references whose passage does not support the claim
    attached: int = 0  # citations added to supported sentences that cited nothing valid
    dropped: tuple[str, ...] = field(default_factory=tuple)  # sentences left out: nothing supports them


@dataclass(frozen=True)
class CheckedAnswer:
    text: str
    citations: tuple[Citation, ...]
    report: CheckReport
    not_found: bool  # nothing supported was kept, and the answer says the passages do not hold it


# ---------------------------------------------------------------- claims


def _claims_for(text: str, sentence: Sentence, question: str, languages: dict[str, str], answer_language: str,
                language_of: Callable[[str], str] | None) -> tuple[str, list[tuple[Marker, str, str]]]:
    """The sentence's claim, and per marker the claim of the clause just before it (own words, scored text).
    Records each claim's language in `languages`: short claims are read with the question, in its language."""

    def scored(words: str) -> str:
        if len(tokenize(words)) < SHORT_CLAIM_TERMS:
            claim = f"{question} {words}"
            languages[claim] = answer_language
        else:
            claim = words
            languages[claim] = language_of(words) if language_of else answer_language
        return claim

    whole = claim_text(text[sentence.start : sentence.end])
    per_marker = []
    previous = sentence.start
    for marker in sentence.markers:
        clause = claim_text(text[previous : marker.start])
        per_marker.append((marker, clause, scored(clause) if clause else ""))
        previous = marker.end
    return scored(whole), per_marker


# ---------------------------------------------------------------- the check


def check_answer(
    text: str,
    question: str,
    passages: Sequence[Passage],
    embed: Callable[[list[str]], np.ndarray],
    document_text: Callable[[str], str | None],
    answer_language: str,
    language_of: Callable[[str], str] | None = None,
) -> CheckedAnswer:
    """Apply the rules in the module docstring to a model's answer over `passages`.

    `answer_language` is the language the answer was asked in; `language_of`, when given, tells the language of
    each longer sentence, since a model may mix (an English sentence, then a German quote)."""
    sentences = split_answer(text)
    valid = {p.n for p in passages}
    candidates: dict[int, list[Candidate]] = {}
    doc_cache: dict[str, str | None] = {}
    for p in passages:
        found = candidate_sentences([Hit(p.chunk, 0.0)])
        doc = doc_cache.setdefault(p.chunk.doc_id, document_text(p.chunk.doc_id))
        # only spans that equal the document text can become citations
        candidates[p.n] = [
            c for c in found
            if doc is not None and doc[c.span.start : c.span.end] == c.text and tokenize(c.text) and not is_instruction(c.text)
        ]

    languages: dict[str, str] = {}
    claims = {s: _claims_for(text, s, question, languages, answer_language, language_of) for s in sentences}
    scorer = Scorer(languages, passages, candidates, embed)

    kept = removed = flagged = attached = 0
    dropped: list[str] = []
    # per sentence: None = drop, else list of (marker or None for an appended citation, [Candidate, ...])
    plan: dict[Sentence, list[tuple[Marker | None, list[Candidate]]] | None] = {}
    for s in sentences:
        raw = text[s.start : s.end]
        whole, per_marker = claims[s]
        own_whole = claim_text(raw)
        if not any(ch.isalnum() for ch in own_whole):
            plan[s] = None  # punctuation or a stray marker: nothing to check
            continue
        cited_numbers = {n for marker in s.markers for n in marker.numbers}
        entries: list[tuple[Marker | None, list[Candidate]]] = []
        any_valid = any_supported = False
        for marker, clause, scored_clause in per_marker:
            cited: list[Candidate] = []
            for n in dict.fromkeys(marker.numbers):
                if n not in valid:
                    removed += 1
                    continue
                any_valid = True
                found = scorer.supports(scored_clause, n, clause) if scored_clause else None
                found = (found or scorer.supports(whole, n, own_whole)
                         or scorer.jointly_supports(whole, n, cited_numbers, own_whole))
                if found is None:
                    flagged += 1
                    continue
                kept += 1
                any_supported = True
                cited.append(found.candidate)
            entries.append((marker, cited))
        if any_supported:
            plan[s] = entries
        elif says_not_found(raw):
            plan[s] = entries  # a statement about the passages, not a claim from them: markers go, words stay
        elif any_valid:
            plan[s] = None
            dropped.append(_tidy(own_whole))
        else:
            best = max(
                (f for n in sorted(valid) if (f := scorer.supports(whole, n, own_whole, cited=False)) is not None),
                key=lambda f: f.margin,
                default=None,
            )
            if best is None:
                plan[s] = None
                dropped.append(_tidy(own_whole))
            else:
                attached += 1
                plan[s] = [*entries, (None, [best.candidate])]

    citations, new_text = _render(text, sentences, plan, document_text)
    report = CheckReport(kept, removed, flagged, attached, tuple(dropped))
    kept_sentences = [s for s in sentences if plan.get(s) is not None]
    not_found = not citations and any(says_not_found(text[s.start : s.end]) for s in kept_sentences)
    return CheckedAnswer(new_text, tuple(citations), report, not_found)


def _render(
    text: str,
    sentences: Sequence[Sentence],
    plan: dict[Sentence, list[tuple[Marker | None, list[Candidate]]] | None],
    document_text: Callable[[str], str | None],
) -> tuple[list[Citation], str]:
    """Rewrite the answer: dropped sentences out, markers renumbered in reading order, citations verified."""
    quotes: dict[tuple[str, int, int], Candidate] = {}
    for s in sentences:
        for _, cited in plan.get(s) or []:
            for cand in cited:
                quotes.setdefault((cand.document, cand.span.start, cand.span.end), cand)
    citations = verified_citations(list(quotes.values()), document_text)
    number = {(c.document, c.start, c.end): c.n for c in citations}

    def label(cited: list[Candidate]) -> str:
        found = (number.get((c.document, c.span.start, c.span.end)) for c in cited)
        return "".join(f"[{n}]" for n in dict.fromkeys(n for n in found if n is not None))

    pieces: list[str] = []
    previous_end = 0
    for s in sentences:
        gap = text[previous_end : s.start]
        previous_end = s.end
        entries = plan.get(s)
        if entries is None:
            continue
        out, last = [], s.start
        for marker, cited in entries:
            if marker is not None:
                out.append(text[last : marker.start])
                out.append(label(cited))
                last = marker.end
        tail = text[last : s.end]
        appended = [cited for marker, cited in entries if marker is None]
        if appended:
            body = tail.rstrip()
            stop = len(body.rstrip(".!?:;… "))
            tail = body[:stop] + " " + label(appended[0]) + body[stop:] + tail[len(body) :]
        if pieces:  # the whitespace that preceded this sentence: a paragraph break, a line break or a space
            pieces.append("\n\n" if "\n\n" in gap else "\n" if "\n" in gap else " ")
        pieces.append(_tidy("".join(out) + tail))
    return citations, "".join(pieces).strip()


def _tidy(sentence: str) -> str:
    sentence = re.sub(r"[ \t]+([.,;:!?])", r"\1", sentence)
    sentence = re.sub(r"[ \t]{2,}", " ", sentence)
    return sentence.strip()


def passages_from_hits(hits: Sequence[Hit], language_of: Callable[[Chunk], str]) -> list[Passage]:
    """Number the hits from 1 in retrieval order, as the prompt shows them."""
    return [Passage(i, hit.chunk, language_of(hit.chunk)) for i, hit in enumerate(hits, 1)]
