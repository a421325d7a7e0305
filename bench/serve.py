"""One serving process: load an index, answer questions like a single warm user, report latency and peak RSS.

    python -m bench.serve --docs DIR --index DIR --questions FILE.json     # prints one JSON line

Run in its own process per corpus size so `ru_maxrss` is the peak of serving that size alone. Each question is
answered end to end (`Assistant.ask`: language, query embedding, FAISS, BM25, fusion, chunk fetch, sentence
scoring, citation check) and then asked again: the repeat finds its sentence vectors in the assistant's memo,
which is what an answer costs when sentence vectors need no embedding. The parts are timed on their own too.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path


def _status_mb(field: str) -> float | None:
    try:
        for line in open("/proc/self/status", encoding="utf-8"):
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", required=True, type=Path)
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--questions", required=True, type=Path)
    args = parser.parse_args(argv)

    from assistant.language import detect_language
    from assistant.retrieval import CANDIDATES

    from .common import cpu_seconds, median, ms, new_assistant, percentile

    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    started = time.perf_counter()
    assistant = new_assistant(args.docs, args.index)
    index = assistant.index
    load_s = time.perf_counter() - started
    rss_loaded = _status_mb("VmRSS")
    for q in ("Wer hat das gesagt?", "What happened?"):  # loads the model and touches every structure once
        assistant.ask(q)
    parts: dict[str, list[float]] = {k: [] for k in ("ask", "ask_sentences_cached", "query_embedding", "faiss", "bm25",
                                                      "ask_cpu", "ask_sentences_cached_cpu")}
    abstained = 0
    for q in questions:
        t, c = time.perf_counter(), cpu_seconds()
        answer = assistant.ask(q)
        parts["ask"].append(time.perf_counter() - t)
        parts["ask_cpu"].append(cpu_seconds() - c)
        abstained += answer.abstained
        t, c = time.perf_counter(), cpu_seconds()
        assistant.ask(q)
        parts["ask_sentences_cached"].append(time.perf_counter() - t)
        parts["ask_sentences_cached_cpu"].append(cpu_seconds() - c)
        t = time.perf_counter()
        vector = assistant.embedder.embed_query(q)
        parts["query_embedding"].append(time.perf_counter() - t)
        t = time.perf_counter()
        index.dense(vector, CANDIDATES)
        parts["faiss"].append(time.perf_counter() - t)
        detect_language(q)
        t = time.perf_counter()
        index.lexical(q, CANDIDATES)
        parts["bm25"].append(time.perf_counter() - t)
    result = {
        "chunks": index.size,
        "questions": len(questions),
        "abstained": abstained,
        "load_seconds": round(load_s, 3),
        "rss_after_load_mb": rss_loaded,
        # VmHWM, not ru_maxrss: Linux carries the parent's peak into a spawned child's ru_maxrss (the bench
        # parent holds torch and big corpora), while VmHWM is this process's own high-water mark.
        "peak_rss_mb": _status_mb("VmHWM"),
        "ru_maxrss_mb_incl_parent_at_spawn": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_end_mb": _status_mb("VmRSS"),
        "rss_anon_end_mb": _status_mb("RssAnon"),
        "rss_file_end_mb": _status_mb("RssFile"),
        "vector_index": type(getattr(index, "vectors", index)).__name__,
        "load_average": [round(x, 2) for x in __import__("os").getloadavg()],
    }
    for name, values in parts.items():
        result[f"{name}_p50_ms"] = ms(median(values))
        result[f"{name}_p95_ms"] = ms(percentile(values, 95))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
