"""PostgreSQL store at scale (`python -m bench --backend postgres`): load + index build time, question → answer
p50/p95 with 1 and with 8 concurrent asker processes, HNSW recall@10 vs exact search, database size; the
folder store over the same 100k corpus side by side.

Corpora as in corpora.py: documents recombined from 10kGNAD sentences whose real vectors sit in the embedding
cache (the product code runs unchanged and embeds nothing new). Above 200k chunks the load runs as syncs of
~100k chunks each with the HNSW index built once at the end (pgvector builds far faster than it inserts).
"""
from __future__ import annotations

import json
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .common import Timer, chunk_params, log, new_assistant

BATCH_CHUNKS = 100_000


def _database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


def _sizes(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = conn.execute("SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname LIKE 'qc\\_%%' "
                              "AND relkind = 'r'").fetchall()
        hnsw = conn.execute("SELECT coalesce(sum(pg_relation_size(oid)), 0) FROM pg_class WHERE relname LIKE 'qc_chunks_hnsw_%%'").fetchone()[0]
    return {"database_mb": round(total / 2**20), "hnsw_index_mb": round(hnsw / 2**20),
            **{f"{name}_mb": round(size / 2**20) for name, size in tables}}


def recall_vs_exact(url: str, collection: str, vectors: np.ndarray, efs=(100, 200, 400, 1000), k: int = 10) -> list[dict]:
    """Share of the exact top-k (sequential scan) that the HNSW search returns, and its latency, per ef_search.

    The recombined corpora repeat chunk texts, so several chunks can share the exact k-th score: `recall@k_ties`
    counts a returned chunk as right when it scores at least the exact k-th (any of the tied ones is as good)."""
    import psycopg

    from assistant.store.pg_schema import HalfVec, register_types

    dim = vectors.shape[1]
    search = (f"SELECT id, -((embedding::halfvec({dim})) <#> %s) FROM qc_chunks WHERE collection = %s AND dim = {dim} "
              f"ORDER BY (embedding::halfvec({dim})) <#> %s LIMIT %s")
    with psycopg.connect(url, autocommit=True) as conn:
        register_types(conn)
        conn.execute("SET hnsw.iterative_scan = strict_order")
        exact = [conn.execute("SELECT id, -(embedding <#> %s) FROM qc_chunks WHERE collection = %s ORDER BY embedding <#> %s "
                              "LIMIT %s", [HalfVec(v), collection, HalfVec(v), k]).fetchall() for v in vectors]
        out = []
        for ef in efs:
            conn.execute(f"SET hnsw.ef_search = {int(ef)}")
            hits = tied = 0
            times = []
            for v, truth in zip(vectors, exact):
                t = time.perf_counter()
                found = conn.execute(search, [HalfVec(v), collection, HalfVec(v), k]).fetchall()
                times.append(time.perf_counter() - t)
                hits += len({r[0] for r in found} & {r[0] for r in truth})
                tied += sum(score >= truth[-1][1] - 1e-6 for _, score in found)
            out.append({"ef_search": ef, f"recall@{k}": round(hits / (k * len(vectors)), 4),
                        f"recall@{k}_ties": round(tied / (k * len(vectors)), 4),
                        "search_p50_ms": round(float(np.median(times)) * 1000, 2)})
    return out


@contextmanager
def without_health_report():
    """Bench loads skip the files' health report: it measures neither store, and both stores' loads skip it alike.
    (It was ~8 minutes per sync of 15k recombined documents when the near-duplicate search compared every pair of
    similar length; with the MinHash sketches of documents/health.py it is seconds, so the loads measured with
    this skip stay comparable with later ones.)"""
    from assistant.store import folder_build, postgres_sync

    saved = postgres_sync.health_report, folder_build.health_report
    postgres_sync.health_report = folder_build.health_report = lambda fresh, texts=None: ()
    try:
        yield
    finally:
        postgres_sync.health_report, folder_build.health_report = saved


def _bulk(conn) -> None:
    """Index builds after a bulk load: the whole HNSW graph in memory (1M x 384 halfvec needs ~2 GB), both cores."""
    conn.execute("SET maintenance_work_mem = '8GB'")
    conn.execute("SET max_parallel_maintenance_workers = 1")  # leader + 1 worker = the 2 cores


def _load_postgres(assistant, docs: Path, doc_texts: list[str], n_chunks: int, name: str, deadline: float | None) -> dict:
    """Product syncs of ~100k chunks each; above 200k without the GIN and HNSW indexes, built once at the end.

    `deadline` (epoch seconds): no new sync starts after it, so a run that cannot reach `n_chunks` in time stops
    at a smaller size (reported as `chunks`) with the per-sync times to extrapolate from."""
    from assistant.store import postgres_sync

    from .corpora import write_docs

    if n_chunks < 2 * BATCH_CHUNKS:  # one sync, HNSW built by it
        write_docs(doc_texts, docs, f"mix{name}")
        with Timer() as t:
            report = assistant.update()
        assistant.store.conns.run(lambda conn: conn.execute("VACUUM ANALYZE"))  # planner statistics before questions
        return {"seconds": round(t.wall, 1), "cpu_seconds_client": round(t.cpu, 1), "chunks": report.chunks,
                "embedded_sentences": report.embedded_sentences, "syncs": 1}
    per = max(1, len(doc_texts) * BATCH_CHUNKS // n_chunks)  # documents per sync
    postgres_sync.BUILD_VECTOR_INDEX = False
    assistant.store.conns.run(lambda conn: conn.execute("DROP INDEX IF EXISTS qc_chunks_terms"))
    syncs, embedded, steps, stopped = 0, 0, [], False
    with Timer() as t:
        for i in range(0, len(doc_texts), per):
            if deadline is not None and time.time() > deadline:
                stopped = True
                break
            write_docs(doc_texts[i : i + per], docs, f"mix{name}-{i // per:03d}")
            report = assistant.update()
            syncs, embedded = syncs + 1, embedded + report.embedded_sentences
            steps.append([report.chunks, round(time.perf_counter() - t.wall0, 1)])
            log(f"{name}: sync {syncs}: {report.chunks} chunks so far ({steps[-1][1]:.0f} s)")
    postgres_sync.BUILD_VECTOR_INDEX = True

    def build(sql: str):
        def job(conn):
            _bulk(conn)
            conn.execute(sql)
        with Timer() as built:
            assistant.store.conns.run(job)
        log(f"{name}: {sql.split(' ON ')[0]}: {built.wall:.0f} s")
        return round(built.wall, 1)

    gin = build("CREATE INDEX IF NOT EXISTS qc_chunks_terms ON qc_chunks USING gin (terms)")
    hnsw = build(postgres_sync.hnsw_index_sql(assistant.embedder.dim))
    assistant.store.conns.run(lambda conn: conn.execute("VACUUM ANALYZE"))
    return {"seconds": round(t.wall + gin + hnsw, 1), "sync_seconds": round(t.wall, 1), "gin_build_seconds": gin,
            "hnsw_build_seconds": hnsw, "chunks": report.chunks, "embedded_sentences": embedded, "syncs": syncs,
            "chunks_after_sync_seconds": steps, **({"stopped_at_deadline_of": n_chunks} if stopped else {})}


def _earlier_load(url: str) -> dict | None:
    """The load record of an earlier run into this database (`--reuse-loaded`), if its collection is complete."""
    import psycopg

    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('qc_bench_load') IS NULL").fetchone()[0]:
            return None
        row = conn.execute("SELECT l.result FROM qc_bench_load l JOIN qc_collections c ON c.name = 'bench' "
                           "AND c.n_chunks = (l.result->'load'->>'chunks')::bigint").fetchone()
    return row[0] if row else None


def _database_exists(server_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def size_postgres(name: str, n_chunks: int, pool, server_url: str, work: Path, questions_file: Path, query_vectors,
                  reuse: bool = False, deadline: float | None = None) -> dict:
    import dataclasses

    import psycopg
    from psycopg.types.json import Jsonb

    from assistant.cli import make_assistant
    from assistant.store.postgres_sync import PgEmbeddingCache

    from .common import default_settings
    from .corpora import pool_cache_entries, recombined_documents
    from .pg_askers import run_askers

    folder = work / f"pg-{name}"
    docs = folder / "docs"
    db = f"qc_bench_{name}"
    url = server_url.rsplit("/", 1)[0] + "/" + db
    earlier = _earlier_load(url) if reuse and docs.is_dir() and _database_exists(server_url, db) else None
    if earlier is not None:
        log(f"{name}: reusing the load of {earlier['loaded_utc']} in {db}")
        result = {"documents": earlier["documents"], "load": {**earlier["load"], "from_earlier_run": earlier["loaded_utc"]}}
    else:
        shutil.rmtree(folder, ignore_errors=True)
        doc_texts, chunks, _ = recombined_documents(pool, n_chunks, chunk_params(), seed=n_chunks)
        url = _database(server_url, db)
        assistant = make_assistant(dataclasses.replace(default_settings(), database_url=url, collection="bench"), docs, folder / "unused")
        PgEmbeddingCache(assistant.store.conns, assistant.embedder.model_id, assistant.embedder.dim).put_many(pool_cache_entries(pool))
        log(f"{name}: loading {len(doc_texts)} documents (~{chunks} chunks) into PostgreSQL")
        with without_health_report():
            result = {"documents": len(doc_texts), "load": _load_postgres(assistant, docs, doc_texts, chunks, name, deadline)}
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE qc_bench_load (result jsonb NOT NULL)")
            conn.execute("INSERT INTO qc_bench_load VALUES (%s)", [Jsonb({**result, "loaded_utc": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())})])
    result["size"] = _sizes(url)
    log(f"{name}: recall vs exact")
    result["recall_vs_exact"] = recall_vs_exact(url, "bench", query_vectors)
    for askers in (1, 8):
        log(f"{name}: {askers} asker(s)")
        result[f"askers_{askers}"] = run_askers(askers, docs, questions_file, database_url=url, collection="bench")
    result["docs"] = docs
    return result


def size_folder(name: str, docs: Path, pool, work: Path, questions_file: Path) -> dict:
    from .corpora import pool_cache_entries, seed_cache
    from .pg_askers import run_askers
    from .speed import disk_usage

    index_dir = work / f"folder-{name}-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    assistant = new_assistant(docs, index_dir)
    seed_cache(index_dir, assistant.embedder, pool_cache_entries(pool))
    with Timer() as t, without_health_report():
        report = assistant.update()
    result = {"load": {"seconds": round(t.wall, 1), "chunks": report.chunks}, "size": disk_usage(index_dir)}
    for askers in (1, 8):
        log(f"{name} folder: {askers} asker(s)")
        result[f"askers_{askers}"] = run_askers(askers, docs, questions_file, index=index_dir)
    return result


def parse_size(label: str) -> int:
    """'100k' -> 100000, '1m' -> 1000000."""
    label = label.strip().lower()
    return int(float(label[:-1]) * {"k": 1000, "m": 1_000_000}[label[-1]]) if label[-1] in "km" else int(label)


def run_pg_speed(evaluation: Path, work: Path, sizes: list[str], n_questions: int, server_url: str | None = None,
                 reuse: bool = False, deadline: float | None = None) -> dict:
    from . import pg_server
    from .corpora import latency_questions, read_gnad, sentence_pool
    texts = read_gnad(evaluation)
    embedder = new_assistant(work / "unused-docs", work / "unused-index").embedder
    pool = sentence_pool(texts, embedder, work)
    questions = latency_questions(texts, n_questions)
    questions_file = work / "pg-questions.json"
    questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    query_vectors = np.stack([embedder.embed_query(q) for q in questions])
    server = None
    if not server_url:
        server = pg_server.start(pg_server.usable_folder(work / "pg-server"), settings=pg_server.BENCH_SETTINGS)
        server_url = server.url
    results: dict = {"server": "throwaway PostgreSQL 15 + pgvector on this machine (bench/pg_server.py)" if server else "given"}
    try:
        for name in sizes:
            results[name] = size_postgres(name, parse_size(name), pool, server_url, work, questions_file, query_vectors,
                                          reuse=reuse, deadline=deadline)
            docs = results[name].pop("docs")
            if parse_size(name) == 100_000:
                results[name]["folder_side_by_side"] = size_folder(name, docs, pool, work, questions_file)
            log(f"{name}: {json.dumps(results[name])}")
    finally:
        if server is not None:
            pg_server.stop(server.folder)
    return results
