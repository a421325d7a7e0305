"""Sync a documents folder into a PostgreSQL collection, with the folder store's semantics (shared in sync.py):
content hashes decide; only new or changed text is read and embedded; deleted files disappear.

Safety: one builder per collection (a session advisory lock: a second one is refused, and the lock dies
with a killed builder's connection); embeddings are committed to `qc_embedding_cache` batch by batch, so a
killed build resumes without re-embedding; every change to the collection (documents, chunks, sentences,
term statistics, manifest, version) commits in ONE transaction, so readers see the old state or the new one.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np

from ..documents import scan_folder
from ..documents.health import health_report
from ..compounds import vocabulary
from ..lexical import compound_parts, tokenize, words
from ..records import IndexReport
from .base import ChunkParams, IndexBusy, IndexProblem, Progress, check_model, pause_for_crash_tests, stored_run
from .pg_schema import FORMAT, HalfVec, TsVec, hnsw_index_sql
from .sync import (Changes, SentenceTable, chunk_vectors, embed_missing, index_report, read_changes, sentence_table,
                   vectors_from_rows)

BUILD_VECTOR_INDEX = True  # bulk loads (bench) build the HNSW index once at the end instead
_LOCK = "SELECT pg_try_advisory_lock(hashtext('quellenchat index'), hashtext(%s))"
_UNLOCK = "SELECT pg_advisory_unlock(hashtext('quellenchat index'), hashtext(%s))"


class PgEmbeddingCache:
    """Vectors by (model id, sha256 of the sentence), exact float32 bytes; shared by all collections."""

    def __init__(self, conns, model_id: str, dim: int) -> None:
        self._conns, self._model, self._dim = conns, model_id, dim

    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 5000):
            part = hashes[i : i + 5000]
            rows = self._conns.run(lambda conn: conn.execute(
                "SELECT hash, vec FROM qc_embedding_cache WHERE model = %s AND hash = ANY(%s)", [self._model, part]).fetchall())
            found.update(vectors_from_rows(rows, self._dim))
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        rows = [(self._model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()]
        self._conns.run(lambda conn: conn.cursor().executemany(
            "INSERT INTO qc_embedding_cache VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", rows))


def sync(store, docs_dir: Path, embedder, chunk_params: ChunkParams, full: bool = False,
         progress: Progress | None = None) -> IndexReport:
    started = time.monotonic()
    entries, skipped = scan_folder(docs_dir)
    c = store.collection
    with store.conns.connection(autocommit=True) as conn:
        if not conn.execute(_LOCK, [c]).fetchone()[0]:
            raise IndexBusy(f"another index build is running on {store.label}; try again when it has finished")
        try:
            pause_for_crash_tests("locked")
            row = conn.execute("SELECT manifest FROM qc_collections WHERE name = %s", [c]).fetchone()
            old_manifest = row[0] if row else {}
            previous = {r[0]: {"sha256": r[1], "size": r[2], "chunks": r[3], "indexed_at": r[4]} for r in conn.execute(
                "SELECT doc_id, sha256, size, chunks, indexed_at FROM qc_documents WHERE collection = %s", [c]).fetchall()}
            if old_manifest and not full:
                check_model(old_manifest, embedder.model_id)
            same_shape = old_manifest.get("chunking") == chunk_params.to_json() and old_manifest.get("format") == FORMAT
            reusable = previous if same_shape and not full else {}
            changes = read_changes(entries, previous, reusable, chunk_params, progress)
            if not changes.files:
                raise IndexProblem(f"nothing to index in {docs_dir}: no readable documents")
            chunks = [chunk for doc_id in changes.order if doc_id in changes.fresh for chunk in changes.fresh[doc_id][1]]
            table = sentence_table(chunks)
            cache = PgEmbeddingCache(store.conns, embedder.model_id, embedder.dim)
            vectors, embedded, embedded_sentences = embed_missing(table, embedder, cache, progress)
            manifest = {"format": FORMAT, "model_id": embedder.model_id, "backend": embedder.backend, "dim": int(embedder.dim),
                        "chunking": chunk_params.to_json(), "unreadable": changes.unreadable, "built_at": time.time()}
            rebuild = bool(previous) and not reusable
            with conn.transaction():
                n_chunks = apply_changes(conn, c, changes, chunks, table, vectors, manifest, rebuild)
                # near-duplicates among this run's files
                health = health_report([doc for doc, _ in changes.fresh.values()])
                report = index_report(changes, n_chunks, (embedded, embedded_sentences), started, skipped, health, full)
                keep_report(conn, c, report)
                pause_for_crash_tests("writing")
            pause_for_crash_tests("switched")
        finally:
            if not conn.closed and conn.info.transaction_status == 0:
                conn.execute(_UNLOCK, [c])
    return report


def keep_report(conn, c: str, report: IndexReport) -> None:
    """In the sync's transaction: the report beside the version it made, so a reader shows it only while it is live
    (a sync by an older version, which keeps no report, leaves it behind)."""
    from psycopg.types.json import Jsonb

    conn.execute("INSERT INTO qc_reports (collection, version, run) SELECT name, version, %s FROM qc_collections "
                 "WHERE name = %s ON CONFLICT (collection) DO UPDATE SET version = EXCLUDED.version, run = EXCLUDED.run",
                 [Jsonb(stored_run(report)), c])


def apply_changes(conn, c: str, changes: Changes, chunks: list, table: SentenceTable, vectors: np.ndarray,
                  manifest: dict, rebuild: bool) -> int:
    """Inside the caller's transaction: remove what left or changed, add what is new, bump the version."""
    from psycopg.types.json import Jsonb

    dim = vectors.shape[1] if len(vectors) else int(manifest["dim"])
    df: Counter = Counter()
    gone = changes.changed + changes.removed
    if rebuild:
        for name in ("qc_chunks", "qc_sentences", "qc_terms", "qc_words", "qc_parts", "qc_documents"):
            conn.execute(f"DELETE FROM {name} WHERE collection = %s", [c])
    elif gone:
        df.subtract(dict(conn.execute(
            "SELECT u.lexeme, count(*) FROM qc_chunks ch, unnest(ch.terms) u WHERE ch.collection = %s AND ch.doc_id = ANY(%s) "
            "GROUP BY 1", [c, gone]).fetchall()))
        for name in ("qc_chunks", "qc_sentences", "qc_documents"):
            conn.execute(f"DELETE FROM {name} WHERE collection = %s AND doc_id = ANY(%s)", [c, gone])
    chunk_base = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM qc_chunks WHERE collection = %s", [c]).fetchone()[0]
    sentence_base = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM qc_sentences WHERE collection = %s", [c]).fetchone()[0]
    with conn.cursor().copy("COPY qc_documents (collection, doc_id, sha256, size, chunks, indexed_at, title, page_starts, "
                            "ocr_pages, text) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "text", "text", "int8", "int4", "float8", "text", "int4[]", "int4[]", "text"])
        for doc_id in changes.fresh:
            document, _ = changes.fresh[doc_id]
            f = changes.files[doc_id]
            copy.write_row([c, doc_id, f["sha256"], f["size"], f["chunks"], f["indexed_at"], document.title,
                            list(document.page_starts), list(document.ocr_pages), document.text.replace("\0", " ")])
    with conn.cursor().copy("COPY qc_sentences (collection, id, doc_id, embedding) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int8", "text", "halfvec"])
        for row, doc_id in enumerate(table.doc_ids):
            copy.write_row([c, sentence_base + row, doc_id, HalfVec(vectors[row])])
    means = chunk_vectors(vectors, table) if len(chunks) else np.zeros((0, dim), np.float32)
    # the folder store splits compounds with the whole corpus's words; here: the new chunks' words plus those stored
    # (words stored earlier are not split again when a later document brings a new head word)
    stored = frozenset(r[0] for r in conn.execute("SELECT word FROM qc_words WHERE collection = %s", [c]).fetchall())
    new_words = [w for chunk in chunks for w in words(chunk.text)]
    new_vocabulary = vocabulary(new_words)
    fresh_words = sorted(new_vocabulary - stored)
    if fresh_words:
        conn.execute("INSERT INTO qc_words (collection, word) SELECT %s, unnest(%s::text[]) ON CONFLICT DO NOTHING",
                     [c, fresh_words])
    pairs = [(part, term) for part, terms in compound_parts(new_words, stored | new_vocabulary).items() for term in terms]
    if pairs:
        conn.execute("INSERT INTO qc_parts (collection, part, term) SELECT %s, p, t FROM unnest(%s::text[], %s::text[]) AS x(p, t) "
                     "ON CONFLICT DO NOTHING", [c, [p for p, _ in pairs], [t for _, t in pairs]])
    with conn.cursor().copy("COPY qc_chunks (collection, id, doc_id, start, stop, sentences, dim, embedding, terms, n_terms) "
                            "FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int8", "text", "int4", "int4", "jsonb", "int4", "halfvec", "tsvector", "int4"])
        for i, (chunk, own) in enumerate(zip(chunks, table.per_chunk)):
            tokens = tokenize(chunk.text)
            terms = TsVec(tokens)
            df.update(terms.positions.keys())
            copy.write_row([c, chunk_base + i, chunk.doc_id, chunk.start, chunk.end,
                            Jsonb([[sentence_base + s, a, b] for s, a, b in own]), dim, HalfVec(means[i]), terms, max(1, len(tokens))])
    delta = [(t, n) for t, n in df.items() if n]
    if delta:
        conn.execute(
            "INSERT INTO qc_terms (collection, term, df) SELECT %s, t, n FROM unnest(%s::text[], %s::int[]) AS x(t, n) "
            "ON CONFLICT (collection, term) DO UPDATE SET df = qc_terms.df + EXCLUDED.df",
            [c, [t for t, _ in delta], [n for _, n in delta]])
        conn.execute("DELETE FROM qc_terms WHERE collection = %s AND df <= 0", [c])
    if BUILD_VECTOR_INDEX and conn.execute("SELECT to_regclass(%s)", [f"qc_chunks_hnsw_{dim}"]).fetchone()[0] is None:
        conn.execute(hnsw_index_sql(dim))
    n_chunks, n_terms = conn.execute("SELECT count(*), coalesce(sum(n_terms), 0) FROM qc_chunks WHERE collection = %s", [c]).fetchone()
    conn.execute(
        "INSERT INTO qc_collections (name, manifest, version, n_chunks, n_terms) VALUES (%s, %s, 1, %s, %s) "
        "ON CONFLICT (name) DO UPDATE SET manifest = EXCLUDED.manifest, version = qc_collections.version + 1, "
        "n_chunks = EXCLUDED.n_chunks, n_terms = EXCLUDED.n_terms",
        [c, Jsonb(manifest), n_chunks, n_terms])
    return int(n_chunks)
