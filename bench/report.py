"""Markdown tables from a results dict (what the README shows), and the figures against the issue's targets."""
from __future__ import annotations

SYSTEMS = [("ours", "ours (hybrid, e5 + BM25)"), ("dense", "dense only (e5 4-bit)"), ("bm25", "BM25 only"),
           ("naive", "naive (1000 chars, MiniLM, flat)")]


def _f(x, digits: int = 2) -> str:
    if x is None or x == "":
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def machine_line(r: dict) -> str:
    m = r.get("machine", {})
    return (f"Machine: {m.get('cpu_model')}, {m.get('usable_cores')} cores, {m.get('memory_gb')} GB; load average at start "
            f"{m.get('load_average_at_start')}; commit {m.get('git_commit')}{' (dirty)' if m.get('git_dirty') else ''}, "
            f"{m.get('started_utc')}.")


def quality_tables(q: dict) -> list[str]:
    out = ["| XQuAD (120 German paragraphs, 584 questions) | DE R@1 | DE R@5 | DE MRR@10 | EN R@1 | EN R@5 | EN MRR@10 |",
           "|---|---|---|---|---|---|---|"]
    for key, label in SYSTEMS:
        x = q["xquad"].get(key)
        if x:
            out.append(f"| {label} | " + " | ".join(_f(x[l][m], 3) for l in ("de", "en") for m in ("recall@1", "recall@5", "mrr@10")) + " |")
    out += ["", "| Seed answers (14 answerable, 2 unanswerable) | cited gold doc | evidence overlap | unanswerable abstained | false abstentions |",
            "|---|---|---|---|---|"]
    for key, label in SYSTEMS:
        x = q["seeds"].get(key)
        if x:
            out.append(f"| {label} | {_f(x['answerable']['cited_gold_doc'], 3)} | {_f(x['answerable']['evidence_overlap'], 3)} | "
                       f"{_f(x['unanswerable']['abstained'], 3)} | {_f(x['false_abstentions'], 3)} |")
    return out


def speed_tables(s: dict) -> list[str]:
    out = ["| size | chunks | build s | question→answer p50 / p95 ms (CPU ms p50) | same, sentence vectors cached | query embedding p50 | FAISS p50 | BM25 p50 | peak RSS MB | index on disk MB |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for name, x in s.get("sizes", {}).items():
        v = x["serve"]
        build = x["cold"]["seconds"] if "cold" in x else x["build"]["seconds"]
        kind = " (cold)" if "cold" in x else " (cached vectors)"
        out.append(f"| {name} | {x['chunks']} | {_f(build, 1)}{kind} | {_f(v['ask_p50_ms'], 0)} / {_f(v['ask_p95_ms'], 0)} ({_f(v.get('ask_cpu_p50_ms'), 0)}) | "
                   f"{_f(v['ask_sentences_cached_p50_ms'], 0)} / {_f(v['ask_sentences_cached_p95_ms'], 0)} | {_f(v['query_embedding_p50_ms'], 1)} | "
                   f"{_f(v['faiss_p50_ms'], 2)} | {_f(v['bm25_p50_ms'], 2)} | {_f(v['peak_rss_mb'], 0)} | {_f(x['disk']['index_mb'], 1)} |")
    return out


def faiss_table(s: dict) -> list[str]:
    sizes = [(n, x["faiss_choice"]) for n, x in s.get("sizes", {}).items() if "faiss_choice" in x]
    if not sizes:
        return []
    name, fc = sizes[-1]
    out = [f"| FAISS at {fc['chunks']} chunks ({fc['queries']} questions, k={fc['k']}) | build s | file MB | search p50 ms | CPU ms/search | recall@10 | recall@50 |",
           "|---|---|---|---|---|---|---|"]
    for row in fc["results"]:
        out.append(f"| {row['index']} | {_f(row['build_seconds'], 1)} | {_f(row['file_mb'], 1)} | {_f(row['search_p50_ms'], 2)} | "
                   f"{_f(row.get('search_cpu_mean_ms'), 2)} | "
                   f"{_f(row['recall@10'], 3)} | {_f(row['recall@50'], 3)} |")
    return out


def targets(r: dict) -> list[str]:
    q, s = r.get("quality", {}), r.get("speed", {})
    sizes = s.get("sizes", {})
    rows = []
    if q:
        x = q["xquad"]["ours"]
        rows += [("XQuAD DE R@1", "≥ 0.95", _f(x["de"]["recall@1"], 3)), ("XQuAD EN R@1", "≥ 0.92", _f(x["en"]["recall@1"], 3))]
    for name, limit in (("10k", 50), ("100k", 100)):
        if name in sizes:
            v = sizes[name]["serve"]
            rows.append((f"question→answer p50 at {name}", f"≤ {limit} ms",
                         f"{_f(v['ask_p50_ms'], 0)} ms ({_f(v['ask_sentences_cached_p50_ms'], 0)} ms with sentence vectors cached)"))
    cold = next((x["cold"] for x in sizes.values() if "cold" in x), None)
    if cold:
        rows.append(("indexing, cold", "≥ 25 chunks/s",
                     f"{_f(cold['chunks_per_s'], 1)} chunks/s wall on a shared machine (load avg {cold['load_average_before']}); "
                     f"{_f(cold.get('cpu_ms_per_chunk'), 0)} CPU-ms/chunk = {_f(cold.get('chunks_per_s_if_2_cores_free'), 1)} chunks/s "
                     f"with 2 free cores; {cold.get('embedded_sentences')} sentences embedded for {cold['chunks']} chunks"))
    engine = s.get("engine")
    if engine:
        rows.append(("embedding engine alone (sentences)", "–", "; ".join(
            f"threads {e['threads']}, batch {e['batch']}: {e['texts_per_s']}/s, {e['cpu_ms_per_1000_tokens']} CPU-ms per 1000 tokens"
            for e in engine)))
    if "10k" in sizes and "add_one_document" in sizes["10k"]:
        a = sizes["10k"]["add_one_document"]
        rows.append(("add one document to 10k", "≤ 3 s", f"{_f(a['add_seconds'], 2)} s (only its chunks embedded: {a['only_new_chunks_embedded']})"))
    if "100k" in sizes:
        rows.append(("peak RSS serving 100k", "≤ 600 MB", f"{_f(sizes['100k']['serve']['peak_rss_mb'], 0)} MB"))
    out = ["| target | goal | measured |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return out


def documents_table(d: dict) -> list[str]:
    """OCR on a rendered German page, and cold indexing with the shipped vs the native e5 engine."""
    out = []
    ocr = d.get("ocr", {})
    if "char_accuracy" in ocr:
        out += [f"OCR ({ocr['languages']}, {ocr['dpi']} dpi, German A4 page in DejaVu Sans): character accuracy "
                f"{ocr['char_accuracy']:.1%}, {ocr['seconds_per_page']} s/page", ""]
    engines = d.get("engines", {})
    if "native" in engines:
        out += [f"| e5 engine (cold index, {engines['shipped'].get('chunks', '~300')} GNAD chunks) | chunks/s wall | cores it got "
                "| CPU ms/chunk | chunks per CPU-s (×2 = 2 free cores at best) |", "|---|---|---|---|---|"]
        out += [f"| {name} | {e['chunks_per_s']} | {e.get('cores_got', '–')} | {e['cpu_ms_per_chunk']} | {e.get('chunks_per_cpu_s', '–')} |"
                for name, e in ((n, engines[n]) for n in ("shipped", "native"))]
        out += ["", f"native vs shipped: {engines['speedup']}× per CPU-second"
                + (f", {engines['speedup_wall']}× wall" if "speedup_wall" in engines else "")
                + f" (median of {engines.get('rounds', 1)} alternating round(s))"]
    elif engines.get("skipped"):
        out += [f"e5 engines: skipped ({engines['skipped']})"]
    return out


def render(r: dict) -> str:
    parts = [machine_line(r), ""]
    kept = [f"{part} from the run of {r[part]['from_earlier_run']}" for part in ("documents", "quality", "speed")
            if isinstance(r.get(part), dict) and r[part].get("from_earlier_run")]
    if kept:
        parts += ["Kept from earlier runs (not measured now): " + "; ".join(kept) + ".", ""]
    if r.get("documents"):
        parts += documents_table(r["documents"]) + [""]
    if r.get("quality"):
        parts += quality_tables(r["quality"]) + [""]
    if r.get("speed"):
        parts += speed_tables(r["speed"]) + [""] + faiss_table(r["speed"]) + [""]
    parts += targets(r)
    return "\n".join(parts) + "\n"
