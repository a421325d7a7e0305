"""Fit the judge (assistant/answer/reader/judge.json): is the answer in this sentence at all? Cross-validated by article.

    python scripts/answer_data.py             # once: retrieve every development question (bench/work/answer-data)
    python scripts/train_judge.py --folds     # 2 article folds: fold judges for train_answerer, held-out numbers
    python scripts/train_judge.py --folds --rescore   # the held-out numbers of the saved fold judges again
    python scripts/train_judge.py             # the shipped judge, fitted on every article

The judge is the reader (train_reader.py) trained SQuAD-2 style: besides the gold sentences with their answer
spans, it reads hard negatives — for each unanswerable development question (XQuAD with half its paragraphs
indexed, GermanQuAD's own) and for half of the answerable ones, the retrieved sentence most similar to the question
that does not hold the answer — with the [bos] token ("no answer here") as the target. Its margin, log P(best span)
− log P(no answer), on the top sentences feeds the answerability model and picks the lead quote (train_answerer.py).
Folds are the reader's (article title hash), so a held-out question is judged by a judge that never saw its article.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from assistant.answer.reader.reader import JUDGE_FILE, load_reader  # noqa: E402
from assistant.answer.reader.weights import read_e5  # noqa: E402
from assistant.answer.select import candidates  # noqa: E402
from assistant.evaluation import answer_in_quotes  # noqa: E402
from train_reader import FOLDS_DIR, examples, fold_of, train  # noqa: E402

REPORT = ROOT / "bench" / "judge_report.json"
JUDGE_FOLDS = 2  # ~10 min a fold judge on 2 cores (span readers: train_reader.READER_FOLDS)


def hard_negatives(data_dir: Path, seed: int = 0) -> list[dict]:
    """Per unanswerable question and per second answerable one (full index): the candidate sentence with the
    highest cosine to the question among those that do not hold a gold answer."""
    from train_answerer import load  # the dumped hits as the answer stage sees them

    rng = random.Random(seed)
    out, seen = [], set()
    for it in load(data_dir):
        if it["set"] == "seeds" or not it.get("article"):
            continue
        if it["answerable"] and (it["setting"] != "full" or rng.random() < 0.5):
            continue
        sentences = [s for s in sorted(candidates(it["hits"]), key=lambda s: -s.cosine)
                     if not answer_in_quotes([s.text], it["answers"] or [])]
        if not sentences or (it["question"], sentences[0].text) in seen:
            continue
        s = sentences[0]
        seen.add((it["question"], s.text))
        out.append({"set": f"{it['set']}/{it['lang']}", "qid": it["qid"], "question": it["question"], "article": it["article"],
                    "answers": it["answers"], "sentence": s.text, "before": s.before, "after": s.after, "answer": None})
    return out


def separation(judge, positives: list[dict], negatives: list[dict]) -> dict:
    """How well the margin tells held-out gold sentences from held-out hard negatives (ROC AUC) and the share of each
    on the right side of 0."""
    def margins(items):
        return [judge.margins(ex["question"], [(ex["sentence"], ex["before"], ex["after"])])[0] for ex in items]
    pos, neg = np.array(margins(positives)), np.array(margins(negatives))
    auc = float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    return {"positives": len(pos), "negatives": len(neg), "auc": round(auc, 4),
            "positives_above_0": round(float((pos > 0).mean()), 4), "negatives_below_0": round(float((neg < 0).mean()), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "work" / "answer-data")
    parser.add_argument("--folds", action="store_true", help=f"{JUDGE_FOLDS} article folds: fold judges and held-out numbers")
    parser.add_argument("--rescore", action="store_true", help="with --folds: the held-out numbers of the saved fold judges")
    parser.add_argument("--out", type=Path, default=JUDGE_FILE)
    args = parser.parse_args()
    torch.set_num_threads(2)
    e5 = read_e5()
    positives, negatives = examples(args.eval), hard_negatives(args.data)
    print(f"{len(positives)} gold sentences, {len(negatives)} hard negatives", file=sys.stderr)
    if not args.folds:
        judge = train(e5, positives + negatives, no_answer=True)
        args.out.write_text(json.dumps(judge.to_json()) + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
        return
    FOLDS_DIR.mkdir(parents=True, exist_ok=True)
    report = {}
    for fold in range(JUDGE_FOLDS):
        t0 = time.time()
        if args.rescore:
            judge = load_reader(FOLDS_DIR / f"judge{fold}.json")
        else:
            judge = train(e5, [ex for ex in positives + negatives if fold_of(ex["article"], JUDGE_FOLDS) != fold], no_answer=True)
            (FOLDS_DIR / f"judge{fold}.json").write_text(json.dumps(judge.to_json()), encoding="utf-8")
        report[f"fold {fold}"] = separation(judge, [ex for ex in positives if fold_of(ex["article"], JUDGE_FOLDS) == fold],
                                            [ex for ex in negatives if fold_of(ex["article"], JUDGE_FOLDS) == fold])
        print(f"fold {fold}: {time.time() - t0:.0f} s {report[f'fold {fold}']}", file=sys.stderr, flush=True)
    REPORT.write_text(json.dumps({f"held_out_{JUDGE_FOLDS}_folds_by_article": report}, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
