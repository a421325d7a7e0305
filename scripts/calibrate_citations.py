"""Calibrate the support thresholds of assistant/citations.py on XQuAD (German paragraphs, de/en questions).

    python scripts/calibrate_citations.py [--xquad ../shared/eval/xquad]

A claim is "question + gold answer" in German or English (the shape of a short model answer). Positive: the
claim against its gold paragraph. Negatives: the same claim against the other four paragraphs of the same
article (same topic, so hard). A paragraph's score is its best sentence's `cosine + LEXICAL_WEIGHT * term
overlap`, minus the threshold for the claim's language pairing; "with margin" adds the rule that a supporting
paragraph must come within BEST_MARGIN of the best paragraph in the group, as it must among retrieved passages.

Prints recall (gold paragraph accepted) and false accepts (another paragraph accepted) for a sweep of
thresholds around the configured ones, per claim language. Embedding ~1,800 texts takes a few minutes on CPU.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import citations as C  # noqa: E402
from assistant.answering import lexical_overlap  # noqa: E402
from assistant.chunking import split_sentences  # noqa: E402
from assistant.embedding import make_embedder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--xquad", type=Path, default=ROOT.parent / "shared/eval/xquad")
    args = parser.parse_args()
    paragraphs = {p["id"]: p["context"] for p in map(json.loads, (args.xquad / "paragraphs.jsonl").open(encoding="utf-8"))}
    questions = [json.loads(line) for line in (args.xquad / "questions.jsonl").open(encoding="utf-8")]
    sentences = {pid: [text[s.start : s.end] for s in split_sentences(text)] for pid, text in paragraphs.items()}
    claims = {(q["id"], lang): f'{q["question_" + lang]} {q["answer_" + lang]}' for q in questions for lang in ("de", "en")}
    texts = list(dict.fromkeys([*(s for ss in sentences.values() for s in ss), *claims.values()]))
    vectors = dict(zip(texts, make_embedder().embed_passages(texts)))
    articles = defaultdict(list)
    for pid in paragraphs:
        articles[pid.rsplit("-", 1)[0]].append(pid)

    def score(claim: str, pid: str) -> float:
        return max(float(vectors[claim] @ vectors[s]) + C.LEXICAL_WEIGHT * lexical_overlap(claim, s) for s in sentences[pid])

    for lang, configured in (("de", C.SAME_LANGUAGE_THRESHOLD), ("en", C.CROSS_LANGUAGE_THRESHOLD)):
        scored = []  # (is gold, score, best score in the article group)
        for q in questions:
            claim = claims[(q["id"], lang)]
            group = {pid: score(claim, pid) for pid in articles[q["paragraph_id"].rsplit("-", 1)[0]]}
            best = max(group.values())
            scored += [(pid == q["paragraph_id"], s, best) for pid, s in group.items()]
        print(f"claims in {lang} over German paragraphs (configured threshold {configured}, margin {C.BEST_MARGIN})")
        for t in np.round(np.arange(configured - 0.04, configured + 0.041, 0.01), 3):
            for margin in (None, C.BEST_MARGIN):
                accept = [s >= t and (margin is None or s >= best - margin) for _, s, best in scored]
                pos = [a for (gold, _, _), a in zip(scored, accept) if gold]
                neg = [a for (gold, _, _), a in zip(scored, accept) if not gold]
                label = "with margin" if margin is not None else "no margin  "
                print(f"  t={t:.2f} {label} recall={np.mean(pos):.3f} false_accepts={np.mean(neg):.3f}")


if __name__ == "__main__":
    main()
