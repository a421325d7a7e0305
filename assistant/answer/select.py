"""Candidate sentences for an answer: the sentences of the top passages, with the spans and cosines the index
already computed (no second sentence split, no embedding at question time)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..chunking import split_sentences
from ..records import Hit

PASSAGES = 5  # sentences come from this many top passages


@dataclass(frozen=True)
class Sentence:
    """One candidate sentence, at [start, end) of its document, with what retrieval knew about it."""

    document: str
    start: int
    end: int
    text: str
    cosine: float  # question vs this sentence
    rank: int  # rank of the best passage holding it
    passage_score: float  # fused score of that passage
    passage_cosine: float
    position: int  # index of the sentence inside its passage
    before: str = ""  # neighbouring sentences inside the passage
    after: str = ""
    before_cosine: float = 0.0
    after_cosine: float = 0.0
    before_start: int | None = None  # document offset of the sentence before, inside the same passage


def candidates(hits: Sequence[Hit], passages: int = PASSAGES) -> list[Sentence]:
    """Each sentence once (overlapping chunks share sentences), from the best-ranked passage holding it."""
    seen: set[tuple[str, int]] = set()
    out: list[Sentence] = []
    for rank, hit in enumerate(hits[:passages]):
        chunk = hit.chunk
        # hits built without sentence cosines (single-retriever ablations) fall back to the passage cosine
        spans = list(hit.sentence_scores) or [(chunk.start + s.start, chunk.start + s.end, hit.dense_score)
                                               for s in split_sentences(chunk.text)]
        texts = [chunk.text[s - chunk.start : e - chunk.start] for s, e, _ in spans]
        for i, (start, end, cosine) in enumerate(spans):
            if (chunk.doc_id, start) in seen or not texts[i].strip():
                continue
            seen.add((chunk.doc_id, start))
            out.append(Sentence(
                chunk.doc_id, start, end, texts[i], float(cosine), rank, hit.score, hit.dense_score, i,
                texts[i - 1] if i > 0 else "", texts[i + 1] if i + 1 < len(spans) else "",
                float(spans[i - 1][2]) if i > 0 else 0.0, float(spans[i + 1][2]) if i + 1 < len(spans) else 0.0,
                spans[i - 1][0] if i > 0 else None,
            ))
    return out
