"""Retrieve once, train many times: index the development sets and dump, per question, the retrieved passages
with their sentence cosines to JSONL, so `train_answerer.py` can fit the answer model without re-embedding.

    python scripts/answer_data.py [--shared ../shared] [--out work/answer-data]

Writes `xquad.jsonl` (every question in German and English, asked twice: once over an index holding its
paragraph and once over the other half of the paragraphs, SQuAD-2 style), `germanquad.jsonl` (all paragraphs,
its own unanswerables, plus the same two halves; its questions in German and in English, translated for this
project: scripts/data/) and `seeds.jsonl` (the bundled documents).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistant.embedding import make_embedder  # noqa: E402
from assistant.evaluation import read_jsonl, split_halves, squad_questions, write_paragraphs  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from train_reader import read_questions  # noqa: E402

HITS = 8  # passages kept per question; the answer stage reads the top few


def hit_json(hit) -> dict:
    c = hit.chunk
    return {"doc": c.doc_id, "start": c.start, "end": c.end, "text": c.text, "score": hit.score,
            "dense": hit.dense_score, "sentences": [list(s) for s in hit.sentence_scores]}


def ask_all(assistant: Assistant, items: list[dict], out, setting: str, answerable_docs: set[str]) -> None:
    for item in items:
        hits, _, _ = assistant.retrieve(item["question"], item["lang"], k=HITS)
        gold = item["gold_doc"]
        row = dict(item, setting=setting, answerable=gold is not None and gold in answerable_docs,
                   hits=[hit_json(h) for h in hits])
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def squad_items(questions: list[dict], langs: tuple[str, ...], article: dict[str, str]) -> list[dict]:
    """The questions of each language as `eval answers` reads them, with the article that groups the folds."""
    items = []
    for lang in langs:
        asked = [q for q in questions if q.get(f"question_{lang}")]  # the questions squad_questions keeps, in order
        for q, item in zip(asked, squad_questions(questions, lang)):
            items.append(dict(item, qid=q["id"], lang=lang, answer_start=q.get("answer_start_de"),
                              article=article[q["paragraph_id"]] if item["gold_doc"] else None))
    return items


def dump_squad(name: str, shared: Path, out_dir: Path, embedder, work: Path) -> None:
    paragraphs = read_jsonl(shared / "eval" / name / "paragraphs.jsonl")
    items = squad_items(read_questions(shared / "eval", name), ("de", "en"), {p["id"]: p["title"] for p in paragraphs})
    docs, index_dir = work / f"{name}-docs", work / f"{name}-index"
    with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as out:
        settings = [("full", paragraphs)] + list(zip(("half-a", "half-b"), split_halves(paragraphs)))
        for setting, kept in settings:
            shutil.rmtree(docs, ignore_errors=True)
            write_paragraphs(kept, docs)
            assistant = Assistant(docs, index_dir, embedder)
            assistant.update()  # one index folder: the embedding cache makes the halves free
            ask_all(assistant, items, out, setting, {f"{p['id']}.txt" for p in kept})
            print(f"{name} {setting}: {len(kept)} paragraphs, {len(items)} questions", file=sys.stderr)


def dump_seeds(shared: Path, out_dir: Path, embedder, work: Path) -> None:
    items = []
    for q in read_jsonl(shared / "eval" / "seeds" / "questions.jsonl"):
        gold = q["gold_doc"] if not isinstance(q["gold_doc"], list) else q["gold_doc"][0]
        evidence = q["evidence"] if isinstance(q["evidence"], list) else [q["evidence"]]
        items.append({"qid": q["id"], "lang": q["lang"], "question": q["question"], "gold_doc": gold,
                      "article": "seeds", "answers": [e for e in evidence if e], "answer_start": None})
    assistant = Assistant(shared / "corpus", work / "seeds-index", embedder)
    assistant.update()
    with open(out_dir / "seeds.jsonl", "w", encoding="utf-8") as out:
        ask_all(assistant, items, out, "full", {p.name for p in (shared / "corpus").iterdir()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--out", type=Path, default=Path("bench/work/answer-data"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    embedder = make_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        dump_seeds(args.shared, args.out, embedder, Path(tmp))
        dump_squad("xquad", args.shared, args.out, embedder, Path(tmp))
        dump_squad("germanquad", args.shared, args.out, embedder, Path(tmp))


if __name__ == "__main__":
    main()
