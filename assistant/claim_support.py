"""How well a retrieved passage supports one claim of a generated answer: the scoring behind the citation
check (citations.py), kept apart so that the check reads as its rules and this module as their thresholds.

A claim is scored against each sentence of a passage that may be evidence: `cosine + LEXICAL_WEIGHT * term
overlap` minus a threshold that is stricter when claim and passage share a language (cross-lingual cosines run
lower). Thresholds are calibrated on XQuAD (scripts/calibrate_citations.py, which reads them via citations.py).
Pure: numpy and the project's pure text helpers; sentence vectors come in as a function.
"""
from __future__ import annotations

from difflib import SequenceMatcher
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .answering import Candidate, lexical_overlap
from .claims import numbers
from .lexical import tokenize

if TYPE_CHECKING:
    from .citations import Passage

LEXICAL_WEIGHT = 0.1
SAME_LANGUAGE_THRESHOLD = 0.91
CROSS_LANGUAGE_THRESHOLD = 0.84
BEST_MARGIN = 0.02  # a cited passage may score this much below the best passage for the claim
SHORT_CLAIM_TERMS = 4  # claims with fewer content terms are read together with the question ("CeBIT [2].")


def shares_words(own_text: str, passage_terms: set[str]) -> bool:
    """Does a content word of the claim occur in the passage? Spelling variants across languages count
    ("Hanover"/"Hannover", "Yekaterinburg"/"Jekaterinburg"): long terms match at similarity >= 0.8."""
    for term in set(tokenize(own_text)):
        if term in passage_terms:
            return True
        if len(term) >= 5 and any(len(p) >= 5 and SequenceMatcher(None, term, p).ratio() >= 0.8 for p in passage_terms):
            return True
    return False


def threshold(answer_language: str, passage_language: str) -> float:
    return SAME_LANGUAGE_THRESHOLD if answer_language == passage_language else CROSS_LANGUAGE_THRESHOLD


@dataclass(frozen=True)
class Support:
    """How well one passage supports one claim: its best sentence and that sentence's score minus the threshold."""

    passage: int  # passage number
    candidate: Candidate
    margin: float  # score - threshold: >= 0 passes the absolute test
    numbers_ok: bool


class Scorer:
    """Scores claims against passage sentences; all vectors are computed in one batch up front."""

    def __init__(self, claims: dict[str, str], passages: Sequence[Passage], candidates: dict[int, list[Candidate]],
                 embed: Callable[[list[str]], np.ndarray]) -> None:
        """`claims` maps each claim to the language it is written in."""
        texts = list(dict.fromkeys([*claims, *(c.text for cs in candidates.values() for c in cs)]))
        vectors = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        self._vec = {t: v for t, v in zip(texts, vectors)}
        self._passages = {p.n: p for p in passages}
        self._candidates = candidates
        # words and numbers only from sentences that may be evidence (not from an injected instruction)
        evidence = {p.n: " ".join(c.text for c in candidates.get(p.n, [])) for p in passages}
        self._numbers = {n: numbers(text) for n, text in evidence.items()}
        self._terms = {n: set(tokenize(text)) for n, text in evidence.items()}
        self._language = claims
        self._memo: dict[tuple[str, int], Support | None] = {}

    def support(self, claim: str, n: int, own_text: str) -> Support | None:
        """Best sentence of passage n for the claim; `own_text` is the part whose numbers must be in the passage."""
        key = (claim, n)
        if key not in self._memo:
            best: Support | None = None
            limit = threshold(self._language[claim], self._passages[n].language)
            for cand in self._candidates.get(n, []):
                score = float(self._vec[claim] @ self._vec[cand.text]) + LEXICAL_WEIGHT * lexical_overlap(claim, cand.text)
                if best is None or score - limit > best.margin:
                    best = Support(n, cand, score - limit, True)
            self._memo[key] = best
        found = self._memo[key]
        if found is None:
            return None
        return Support(found.passage, found.candidate, found.margin, numbers(own_text) <= self._numbers[n])

    def best_margin(self, claim: str) -> float:
        margins = [s.margin for n in self._passages if (s := self.support(claim, n, "")) is not None]
        return max(margins, default=-1.0)

    def words_ok(self, own_text: str, n: int, cited: bool) -> bool:
        """A short claim is scored together with the question, so the question alone could carry it ("Meine
        Systemanweisungen lauten: …"): its own words must then occur in the passage. A claim of function words
        only ("Ja [1].") passes when the model cited the passage, never when we would attach one."""
        if len(tokenize(own_text)) >= SHORT_CLAIM_TERMS:
            return True
        if not tokenize(own_text):
            return cited and not numbers(own_text)
        return shares_words(own_text, self._terms[n])

    def supports(self, claim: str, n: int, own_text: str, cited: bool = True) -> Support | None:
        """The support of passage n if it passes all the tests, else None."""
        found = self.support(claim, n, own_text)
        if found is None or found.margin < 0 or not found.numbers_ok or not self.words_ok(own_text, n, cited):
            return None
        if found.margin < self.best_margin(claim) - BEST_MARGIN:
            return None
        return found

    def jointly_supports(self, claim: str, n: int, cited: set[int], own_text: str) -> Support | None:
        """A sentence citing several passages may state one fact from each: then each cited passage only has to
        pass the absolute test, and the sentence's numbers have to occur in one of the cited passages."""
        cited = cited & set(self._passages)
        if len(cited) < 2:
            return None
        found = self.support(claim, n, "")
        if found is None or found.margin < 0 or not self.words_ok(own_text, n, True):
            return None
        if not numbers(own_text) <= set().union(*(self._numbers[k] for k in cited)):
            return None
        return found
