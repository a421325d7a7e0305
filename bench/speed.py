"""Speed and memory at ~1k, ~10k and ~100k chunks (see corpora.py for how each corpus is made).

Per size: build time, warm-cache rebuild, question -> answer latency with its FAISS and BM25 parts, peak RSS of
a serving process, index size on disk. At 1k: cold indexing (empty embedding cache, real model). At 10k: adding
one real article (only its chunks are embedded) and removing it again. At the largest size: the FAISS index
type comparison. Latency and RSS come from separate processes (bench.serve), one per size and repeat.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from .common import Timer, dir_bytes, log, mb, median, new_assistant, run_json, chunk_params
from .corpora import (
    chunks_of, first_articles_for, latency_questions, pool_cache_entries, read_gnad, recombined_documents,
    seed_cache, sentence_pool, sentences_of, write_docs,
)
from .machine import load_average

REAL_MAX = 5_000  # sizes up to this use unchanged articles and real embeddings (10kGNAD has ~7.6k chunks)


def parse_size(label: str) -> int:
    """'1k' -> 1000, '100k' -> 100000, '250' -> 250."""
    label = label.strip().lower()
    return int(float(label[:-1]) * 1000) if label.endswith("k") else int(label)
ENGINE_CONFIGS = [(0, 32), (1, 32), (0, 8), (0, 150)]  # (threads, batch); 0 = engine default (all cores)


def _generation(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()


def disk_usage(index_dir: Path) -> dict:
    gen = _generation(index_dir)
    cache = index_dir / "cache"
    return {
        "index_mb": mb(dir_bytes(gen)),
        "vectors_faiss_mb": mb((gen / "vectors.faiss").stat().st_size),
        "store_sqlite_mb": mb((gen / "store.sqlite").stat().st_size),
        "bm25_mb": mb(dir_bytes(gen / "bm25")),
        "embedding_cache_mb": mb(dir_bytes(cache)) if cache.is_dir() else 0.0,
    }


class StageClock:
    """Progress callback that notes when the embedding stage starts and ends."""

    def __init__(self) -> None:
        self.embed_start: float | None = None
        self.embed_end: float | None = None
        self.embed_total = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "chunks":
            now = time.perf_counter()
            if self.embed_start is None:
                self.embed_start = now
            self.embed_end, self.embed_total = now, total

    @property
    def embed_seconds(self) -> float:
        return (self.embed_end or 0.0) - (self.embed_start or 0.0)


def _drop_generations(index_dir: Path) -> None:
    for gen in index_dir.glob("gen-*"):
        shutil.rmtree(gen)
    (index_dir / "CURRENT").unlink(missing_ok=True)


def _serve(docs: Path, index_dir: Path, questions_file: Path, repeats: int) -> dict:
    runs = [run_json("bench.serve", ["--docs", docs, "--index", index_dir, "--questions", questions_file]) for _ in range(repeats)]
    summary = {key: median([r[key] for r in runs]) for key in runs[0] if isinstance(runs[0][key], (int, float))}
    summary["vector_index"] = runs[0]["vector_index"]
    summary["runs"] = runs
    return summary


def engine_throughput(texts: list[str], work: Path, repeats: int) -> list[dict]:
    path = work / "engine-texts.json"
    path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    results = []
    for threads, batch in ENGINE_CONFIGS:
        log(f"engine: {len(texts)} sentences, threads={threads or 'default'}, batch={batch}")
        results.append(run_json("bench.engine", ["--texts", path, "--threads", threads, "--batch", batch, "--repeats", repeats]))
    return results


def size_real(name: str, texts: list[str], work: Path, questions_file: Path, repeats: int) -> dict:
    params = chunk_params()
    folder = work / f"size-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    docs, index_dir = folder / "docs", folder / "index"
    articles, n_chunks = first_articles_for(texts, parse_size(name), params)
    write_docs(articles, docs, "gnad")
    assistant = new_assistant(docs, index_dir)
    with Timer() as t_model:
        assistant.embedder.dim  # model load is not part of indexing throughput
    log(f"{name}: cold index of {len(articles)} articles ({n_chunks} chunks), empty embedding cache, load {load_average()}")
    clock = StageClock()
    load_before = load_average()
    with Timer() as t:
        report = assistant.update(progress=clock)
    cold = {
        "articles": len(articles), "chunks": report.chunks, "embedded_chunks": report.embedded_chunks,
        "embedded_sentences": getattr(report, "embedded_sentences", None),
        "seconds": round(report.seconds, 2), "chunks_per_s": round(report.chunks / report.seconds, 2),
        "embedding_seconds": round(clock.embed_seconds, 2),
        "embedding_chunks_per_s": round(report.embedded_chunks / clock.embed_seconds, 2) if clock.embed_seconds else None,
        "cpu_seconds": round(t.cpu, 1), "cores_busy": round(t.cpu / t.wall, 2),
        "cpu_ms_per_chunk": round(1000 * t.cpu / report.chunks, 1),
        "chunks_per_s_if_2_cores_free": round(2 * report.chunks / t.cpu, 1),
        "model_load_seconds": round(t_model.wall, 2), "load_average_before": load_before, "load_average_after": load_average(),
    }
    log(f"{name}: cold {cold['chunks_per_s']} chunks/s; warm-cache rebuilds x{repeats}")
    warm_runs = []
    for _ in range(repeats):
        _drop_generations(index_dir)
        r = assistant.update()
        warm_runs.append({"seconds": round(r.seconds, 3), "embedded_chunks": r.embedded_chunks})
    warm_s = median([r["seconds"] for r in warm_runs])
    result = {
        "corpus": "first 10kGNAD articles, unchanged; real embeddings",
        "chunks": report.chunks, "cold": cold,
        "warm": {"seconds": round(warm_s, 3), "chunks_per_s": round(report.chunks / warm_s, 1), "runs": warm_runs},
        "disk": disk_usage(index_dir),
    }
    log(f"{name}: serving latency and RSS")
    result["serve"] = _serve(docs, index_dir, questions_file, repeats=max(1, min(repeats, 2)))
    return result


def size_pooled(name: str, texts: list[str], work: Path, questions_file: Path, faiss_questions: Path,
                repeats: int, pool=None) -> dict:
    params = chunk_params()
    folder = work / f"size-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    docs, index_dir = folder / "docs", folder / "index"
    assistant = new_assistant(docs, index_dir)
    if pool is None:
        pool = sentence_pool(texts, assistant.embedder, work)
    with Timer() as t_make:
        doc_texts, n_chunks, n_distinct = recombined_documents(pool, parse_size(name), params, seed=parse_size(name))
        write_docs(doc_texts, docs, f"mix{name}")
        seed_cache(index_dir, assistant.embedder, pool_cache_entries(pool))
    log(f"{name}: {len(doc_texts)} recombined documents, {n_chunks} chunks ({t_make.wall:.0f} s to make); building")
    with Timer() as t:
        report = assistant.update()
    result = {
        "corpus": f"{len(doc_texts)} documents recombined from sentences of {len(pool.articles)} 10kGNAD articles; "
                  "real sentence vectors from the pool in the embedding cache (see corpora.py)",
        "chunks": report.chunks, "distinct_chunk_texts": n_distinct, "documents": len(doc_texts),
        "make_corpus_seconds": round(t_make.wall, 1),
        "build": {"seconds": round(report.seconds, 2), "embedded_chunks": report.embedded_chunks,
                  "embedded_sentences": getattr(report, "embedded_sentences", None),
                  "chunks_per_s": round(report.chunks / report.seconds, 1), "cpu_seconds": round(t.cpu, 1)},
        "disk": disk_usage(index_dir),
    }
    if parse_size(name) == 10_000:
        result["add_one_document"] = add_one(assistant, texts, docs, params, repeats)
    log(f"{name}: serving latency and RSS")
    result["serve"] = _serve(docs, index_dir, questions_file, repeats=max(1, min(repeats, 2)))
    log(f"{name}: FAISS index types")
    result["faiss_choice"] = run_json("bench.faiss_choice", ["--index", index_dir, "--questions", faiss_questions])
    return result


def add_one(assistant, texts: list[str], docs: Path, params, repeats: int) -> dict:
    """Add one real, unseen article to the index and remove it again, `repeats` times with different articles."""
    runs = []
    for r in range(repeats):
        article = texts[-(r + 1)]
        path = docs / f"added-{r}.txt"
        path.write_text(article, encoding="utf-8")
        added = assistant.update()
        path.unlink()
        removed = assistant.update()
        runs.append({"article_chunks": len(chunks_of(article, params)), "add_seconds": round(added.seconds, 3),
                     "add_embedded_chunks": added.embedded_chunks, "added": list(added.added),
                     "remove_seconds": round(removed.seconds, 3), "removed": list(removed.removed)})
    return {"add_seconds": median([x["add_seconds"] for x in runs]),
            "remove_seconds": median([x["remove_seconds"] for x in runs]),
            "only_new_chunks_embedded": all(x["add_embedded_chunks"] == x["article_chunks"] for x in runs),
            "runs": runs}


def run_speed(evaluation: Path, work: Path, sizes: list[str], repeats: int, n_questions: int,
              engine: bool = True, pool_articles: int | None = None) -> dict:
    texts = read_gnad(evaluation)
    work.mkdir(parents=True, exist_ok=True)
    questions = latency_questions(texts, n_questions)
    questions_file = work / "questions.json"
    questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    faiss_questions = work / "faiss-questions.json"
    faiss_questions.write_text(json.dumps(latency_questions(texts, 200, seed=11), ensure_ascii=False), encoding="utf-8")
    params = chunk_params()
    engine_texts = [s for t in texts[:40] for s in sentences_of(t)][:150]  # the unit the product embeds
    result: dict = {"questions": questions, "sizes": {}}
    if engine:
        with Timer() as t_engine:
            result["engine"] = engine_throughput(engine_texts, work, repeats)
        result["engine_seconds"] = round(t_engine.wall, 1)
    pool = None
    for name in sizes:
        with Timer() as t:
            if parse_size(name) <= REAL_MAX:
                result["sizes"][name] = size_real(name, texts, work, questions_file, repeats)
            else:
                if pool is None:
                    from .common import new_assistant as _na

                    pool = sentence_pool(texts, _na(work, work / "unused-index").embedder, work, pool_articles)
                    result["sentence_pool"] = {
                        "articles": len(pool.articles), "distinct_sentences": len(pool.vectors),
                        "embed_seconds": round(pool.embed_seconds, 1) if pool.embed_seconds else "cached from an earlier run",
                        "sentences_per_s": round(len(pool.vectors) / pool.embed_seconds, 1) if pool.embed_seconds else None,
                    }
                result["sizes"][name] = size_pooled(name, texts, work, questions_file, faiss_questions, repeats, pool)
        result["sizes"][name]["bench_seconds"] = round(t.wall, 1)
        log(f"{name}: done in {t.wall:.0f} s")
    return result
