"""Fast checks of the benchmark helpers (no models, no timing assertions): benchmarks themselves run via `make bench`."""
from __future__ import annotations

import numpy as np
import pytest

from bench.common import BenchError, eval_dir, percentile
from bench.corpora import SentencePool, pool_cache_entries, recombined_documents, sentences_of
from bench.report import render
from bench.speed import parse_size
from assistant.index import ChunkParams, text_hash
from assistant.chunking import chunk_text


def test_sizes_and_percentiles():
    assert [parse_size(s) for s in ("1k", "10k", "100k", "250", "2.5k")] == [1000, 10000, 100000, 250, 2500]
    values = list(range(1, 41))
    assert percentile(values, 50) == 20 and percentile(values, 95) == 38 and percentile(values, 100) == 40


def test_missing_evaluation_data_is_one_clear_message(tmp_path):
    with pytest.raises(BenchError) as err:
        eval_dir(str(tmp_path / "nowhere"))
    assert err.value.code == 2 and "../shared/eval" in err.value.message


def _pool() -> SentencePool:
    articles = [[f"Der Bericht {a} nennt den Punkt {i} als besonders wichtig." for i in range(12)] for a in range(5)]
    rng = np.random.default_rng(0)
    vectors = {}
    for sentence in (s for a in articles for s in a):
        v = rng.normal(size=8).astype(np.float32)
        vectors[sentence] = v / np.linalg.norm(v)
    return SentencePool(articles, vectors, None, None)


def test_recombined_corpus_reaches_its_size_and_its_sentences_are_all_in_the_pool():
    params = ChunkParams()
    pool = _pool()
    docs, total, distinct = recombined_documents(pool, 60, params, seed=1)
    assert total >= 60 and 0 < distinct <= total
    assert recombined_documents(pool, 60, params, seed=1)[0] == docs  # seeded: the same corpus every run
    entries = pool_cache_entries(pool)
    chunks = [c for d in docs for c in chunk_text("d", d, params.sentences_per_chunk, params.overlap, params.max_chars)]
    # the product splits the recombined documents back into exactly the pool's sentences: nothing left to embed
    assert all(text_hash(s) in entries for c in chunks for s in sentences_of(c.text))


def test_tables_render_from_results():
    serve = {k: 1.0 for k in ("ask_p50_ms", "ask_p95_ms", "ask_sentences_cached_p50_ms", "ask_sentences_cached_p95_ms",
                              "query_embedding_p50_ms", "faiss_p50_ms", "bm25_p50_ms", "peak_rss_mb", "ask_cpu_p50_ms")}
    metrics = {"n": 1, "recall@1": 1.0, "recall@5": 1.0, "mrr@10": 1.0}
    answers = {"answerable": {"n": 1, "cited_gold_doc": 1.0, "evidence_overlap": 1.0}, "unanswerable": {"n": 1, "abstained": 1.0},
               "false_abstentions": 0.0}
    results = {
        "machine": {"cpu_model": "x", "usable_cores": 2},
        "quality": {"xquad": {"ours": {"de": metrics, "en": metrics}}, "seeds": {"ours": answers}},
        "speed": {"sizes": {"10k": {"chunks": 10000, "build": {"seconds": 1.0}, "serve": serve, "disk": {"index_mb": 1.0},
                                    "add_one_document": {"add_seconds": 1.0, "only_new_chunks_embedded": True}}}},
    }
    text = render(results)
    assert "| ours (hybrid, e5 + BM25) | 1.000" in text
    assert "add one document to 10k" in text and "| 10k | 10000 |" in text
