"""Retrieval quality of both stores over the same data in one run: XQuAD (DE and EN questions) and GermanQuAD
(DE, answerable questions) MRR@10, plus the seed questions' answers compared citation by citation.

    python -m bench.pg_quality --database-url URL [--eval ../shared/eval] [--out bench/results-postgres.json]

Each paragraph is one document; a question scores the rank of its paragraph among the documents of the top 20
chunks. The folder store embeds once; its embedding cache is copied into PostgreSQL's, so both stores rank
the very same vectors and the comparison shows only what the storage changes (halfvec, HNSW, BM25 in SQL).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .common import default_settings, eval_dir


def _pair(docs: Path, work: Path, url: str, collection: str):
    from assistant.cli import make_assistant
    from assistant.store.postgres_sync import PgEmbeddingCache

    from assistant.store.folder_build import EmbeddingCache

    settings = default_settings()
    folder = make_assistant(settings, docs, work / "index")
    postgres = make_assistant(dataclasses.replace(settings, database_url=url, collection=collection), docs, work / "unused")
    known = postgres.store.conns.run(lambda conn: conn.execute(  # vectors an earlier run left in the database
        "SELECT hash, vec FROM qc_embedding_cache WHERE model = %s", [folder.embedder.model_id]).fetchall())
    cache = EmbeddingCache(work / "index" / "cache" / "embeddings.sqlite", folder.embedder.model_id, folder.embedder.dim)
    cache.put_many({h: np.frombuffer(v, dtype=np.float32) for h, v in known})
    cache.close()
    folder.update()
    db = sqlite3.connect(work / "index" / "cache" / "embeddings.sqlite")
    rows = db.execute("SELECT hash, vec FROM vectors WHERE model = ?", [folder.embedder.model_id]).fetchall()
    PgEmbeddingCache(postgres.store.conns, folder.embedder.model_id, folder.embedder.dim).put_many(
        {h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
    started = time.monotonic()
    report = postgres.update()
    return folder, postgres, {"chunks": report.chunks, "postgres_sync_seconds": round(time.monotonic() - started, 2)}


def retrieval(paragraphs: Path, questions: Path, languages: list[str], url: str, name: str) -> dict:
    from assistant.evaluation import document_ranking, read_jsonl, retrieval_metrics, write_paragraphs

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        write_paragraphs(read_jsonl(paragraphs), docs)
        folder, postgres, out["build"] = _pair(docs, Path(tmp), url, f"bench-{name}")
        try:
            asked = [q for q in read_jsonl(questions) if q.get("paragraph_id")]
            for lang in languages:
                for label, assistant in (("folder", folder), ("postgres", postgres)):
                    rankings = []
                    for q in asked:
                        hits, _, _ = assistant.retrieve(q[f"question_{lang}"], lang, k=20)
                        rankings.append(([d.removesuffix(".txt") for d in document_ranking(hits)], q["paragraph_id"]))
                    out[f"{label}_{lang}"] = retrieval_metrics(rankings)
        finally:
            postgres.store.drop()
    return out


def answers(docs: Path, questions: Path, url: str) -> dict:
    """Seed questions through both stores: the same answer text and the same cited spans?"""
    from assistant.evaluation import read_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        folder, postgres, _ = _pair(docs, Path(tmp), url, "bench-seeds")
        try:
            same_text = same_citations = 0
            asked = read_jsonl(questions)
            for q in asked:
                a, b = folder.ask(q["question"]), postgres.ask(q["question"])
                same_text += a.text == b.text
                same_citations += [(c.document, c.start, c.end) for c in a.citations] == [(c.document, c.start, c.end) for c in b.citations]
        finally:
            postgres.store.drop()
    return {"questions": len(asked), "same_answer_text": same_text, "same_citations": same_citations}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.pg_quality")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--eval")
    parser.add_argument("--out", type=Path, help="also keep the result as `quality` in this JSON file (e.g. bench/results-postgres.json)")
    args = parser.parse_args(argv)
    evaluation = eval_dir(args.eval)
    from .common import seed_docs_dir

    result = {
        "seeds": answers(seed_docs_dir(evaluation), evaluation / "seeds" / "questions.jsonl", args.database_url),
        "xquad": retrieval(evaluation / "xquad" / "paragraphs.jsonl", evaluation / "xquad" / "questions.jsonl", ["de", "en"],
                           args.database_url, "xquad"),
        "germanquad": retrieval(evaluation / "germanquad" / "paragraphs.jsonl", evaluation / "germanquad" / "questions.jsonl",
                                ["de"], args.database_url, "germanquad"),
    }
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    if args.out:
        from .machine import machine_facts

        kept = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
        kept["quality"] = {**result, "measured": machine_facts(), "command": "python -m bench.pg_quality --database-url URL"}
        args.out.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
