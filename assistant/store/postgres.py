"""The PostgreSQL store: one collection of documents in a database with pgvector, shared by many processes.

Reads: each question reads in one REPEATABLE READ snapshot, so it sees one committed sync, never a mix; the
texts of the documents it returned chunks from are read in the same snapshot. Writes (postgres_sync.py)
commit a whole sync in one transaction. Any connection failure (server down or restarting, wrong password,
no pgvector) becomes one `StoreUnavailable` line; the next question connects again.
"""
from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from ..documents import scan_folder
from ..records import Chunk, Document, DocumentInfo, IndexReport, IndexRun
from .base import ChunkParams, IndexDamaged, IndexMissing, Progress, check_model, run_from_stored
from .pg_connect import Connections, describe_url
from .pg_lexical import bm25
from .pg_schema import FORMAT, HalfVec

_SIDE = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pg-lexical")  # PgView.search's second query


class PgView:
    """One question's reads, all inside one REPEATABLE READ snapshot (see PgIndex.reading)."""

    def __init__(self, conn, collection: str, dim: int, size: int, n_terms: int, index: "PgIndex") -> None:
        self._conn, self._c, self._dim = conn, collection, dim
        self.size, self._avgdl = size, (n_terms / size if size else 1.0)
        self._texts: dict[str, str | None] = {}
        self._wanted: set[str] = set()
        self._index = index  # reads once the snapshot is closed, for documents not read in it

    def dense(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        d = self._dim
        rows = self._conn.execute(
            f"SELECT id, -((embedding::halfvec({d})) <#> %(q)s) FROM qc_chunks WHERE collection = %(c)s AND dim = {d} "
            f"ORDER BY (embedding::halfvec({d})) <#> %(q)s LIMIT %(k)s",
            {"q": HalfVec(query_vector), "c": self._c, "k": k}).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.float32)

    def search(self, query_vector: np.ndarray, question: str, k: int):
        """Vector and BM25 search at once: the BM25 query runs on a second connection inside this question's
        snapshot (exported), so a question waits for the slower of the two instead of their sum."""
        snapshot = self._conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        side = copy.copy(self)

        def lexical(conn):
            side._conn = conn
            return side.lexical(question, k)

        found = _SIDE.submit(self._index._conns.in_snapshot, snapshot, lexical)
        try:
            dense = self.dense(query_vector, k)
        finally:
            lexical_hits = found.result()  # the exported snapshot must outlive its import
        return dense, lexical_hits

    def lexical(self, question: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The question's BM25 hits in this snapshot (pg_lexical.bm25)."""
        return bm25(self._conn, self._c, self.size, self._avgdl, question, k)

    def cosines(self, rows: list[int], query_vector: np.ndarray) -> dict[int, float]:
        if not rows:
            return {}
        return dict(self._conn.execute(
            "SELECT id, -(embedding <#> %(q)s) FROM qc_chunks WHERE collection = %(c)s AND id = ANY(%(ids)s)",
            {"q": HalfVec(query_vector), "c": self._c, "ids": [int(r) for r in rows]}).fetchall())

    def chunk_sentences(self, rows: list[int]) -> list[list[tuple[int, int, int]]]:
        found = dict(self._conn.execute("SELECT id, sentences FROM qc_chunks WHERE collection = %s AND id = ANY(%s)",
                                        [self._c, [int(r) for r in rows]]).fetchall())
        return [[tuple(s) for s in found[int(r)]] for r in rows]

    def sentence_vectors(self, sentence_rows: list[int]) -> np.ndarray:
        found = dict(self._conn.execute("SELECT id, embedding FROM qc_sentences WHERE collection = %s AND id = ANY(%s)",
                                        [self._c, [int(r) for r in sentence_rows]], binary=True).fetchall())
        return np.stack([found[int(r)] for r in sentence_rows]) if sentence_rows else np.zeros((0, self._dim), np.float32)

    def chunks(self, rows: list[int]) -> list[Chunk]:
        found = {
            r[0]: Chunk(r[1], r[2], r[3], r[4]) for r in self._conn.execute(
                "SELECT c.id, c.doc_id, c.start, c.stop, substr(d.text, c.start + 1, c.stop - c.start) FROM qc_chunks c "
                "JOIN qc_documents d ON d.collection = c.collection AND d.doc_id = c.doc_id "
                "WHERE c.collection = %s AND c.id = ANY(%s)", [self._c, [int(r) for r in rows]]).fetchall()
        }
        self._wanted.update(chunk.doc_id for chunk in found.values())
        return [found[int(r)] for r in rows]

    def read_wanted_texts(self) -> None:
        """Still inside the snapshot: the texts the answer step will quote from belong to the same state."""
        todo = sorted(self._wanted - set(self._texts))
        if todo:
            self._texts.update(self._conn.execute(
                "SELECT doc_id, text FROM qc_documents WHERE collection = %s AND doc_id = ANY(%s)", [self._c, todo]).fetchall())
        self._conn = None

    def document(self, doc_id: str) -> Document | None:
        """Title, page starts and text of a document, from this snapshot while it is open."""
        if self._conn is None:
            return self._index.document(doc_id)
        return _document(self._conn, self._c, doc_id)

    def document_text(self, doc_id: str) -> str | None:
        if doc_id in self._texts:
            return self._texts[doc_id]
        if self._conn is not None:
            row = self._conn.execute("SELECT text FROM qc_documents WHERE collection = %s AND doc_id = %s", [self._c, doc_id]).fetchone()
            self._texts[doc_id] = row[0] if row else None
            return self._texts[doc_id]
        return self._index.document_text(doc_id)


def _document(conn, collection: str, doc_id: str) -> Document | None:
    row = conn.execute("SELECT text, sha256, size, title, page_starts, ocr_pages FROM qc_documents "
                       "WHERE collection = %s AND doc_id = %s", [collection, doc_id]).fetchone()
    return Document(doc_id, row[0], row[1], row[2], row[3], tuple(row[4]), tuple(row[5])) if row else None


class PgIndex:
    """One collection as loaded at `version`; every question reads in a fresh snapshot (`reading()`)."""

    def __init__(self, conns: Connections, collection: str, manifest: dict, version: int, size: int) -> None:
        self._conns, self._c = conns, collection
        self._base, self.version, self.size = manifest, str(version), size
        self._manifest: dict | None = None

    @property
    def manifest(self) -> dict:
        """The folder store's manifest shape (the UI compares it with the documents folder)."""
        if self._manifest is None:
            rows = self._conns.run(lambda conn: conn.execute(
                "SELECT doc_id, sha256, size, chunks, indexed_at FROM qc_documents WHERE collection = %s", [self._c]).fetchall())
            files = {r[0]: {"sha256": r[1], "size": r[2], "chunks": r[3], "indexed_at": r[4]} for r in rows}
            self._manifest = {**self._base, "files": files}
        return self._manifest

    def _open_snapshot(self):
        from .pg_connect import _Retry
        from .base import StoreUnavailable

        for attempt in (0, 1):
            cm = self._conns.connection(autocommit=False)
            conn = cm.__enter__()
            try:
                conn.isolation_level, conn.read_only = 3, True  # REPEATABLE READ: one state for the whole question
                row = conn.execute("SELECT version, n_chunks, n_terms, manifest->>'model_id', (manifest->>'dim')::int "
                                   "FROM qc_collections WHERE name = %s", [self._c]).fetchone()
                return cm, conn, row
            except BaseException as err:
                try:
                    cm.__exit__(type(err), err, err.__traceback__)
                except _Retry as retry:
                    if attempt == 0:
                        continue
                    raise StoreUnavailable(f"lost the database {self._conns.label}") from retry
                raise
        raise AssertionError("unreachable")

    @contextmanager
    def reading(self) -> Iterator[PgView]:
        cm, conn, row = self._open_snapshot()
        try:
            if row is None:
                raise IndexMissing(f"the collection {self._c!r} was removed from {self._conns.label}; run `assistant index`")
            check_model({"model_id": row[3]}, self._base["model_id"])
            view = PgView(conn, self._c, row[4], row[1], row[2], self)
            yield view
            view.read_wanted_texts()
            conn.rollback()
        except BaseException as err:
            if not conn.closed and conn.info.transaction_status in (2, 3):  # in a transaction, or a failed one
                conn.rollback()
            if not cm.__exit__(type(err), err, err.__traceback__):
                raise
        else:
            cm.__exit__(None, None, None)
        finally:
            if not conn.closed:  # a pooled connection goes back to autocommit defaults
                conn.isolation_level, conn.read_only = None, None

    def documents(self) -> list[DocumentInfo]:
        rows = self._conns.run(lambda conn: conn.execute(
            "SELECT doc_id, size, chunks, indexed_at FROM qc_documents WHERE collection = %s ORDER BY doc_id", [self._c]).fetchall())
        return [DocumentInfo(*r) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        return self._conns.run(lambda conn: _document(conn, self._c, doc_id))

    def document_text(self, doc_id: str) -> str | None:
        row = self._conns.run(lambda conn: conn.execute(
            "SELECT text FROM qc_documents WHERE collection = %s AND doc_id = %s", [self._c, doc_id]).fetchone())
        return row[0] if row else None

    def close(self) -> None:
        pass


_CONNECTIONS: dict[str, Connections] = {}  # one set per database URL and process: stores are cheap to create


class PostgresStore:
    """The `Store` over one collection (`ASSISTANT_COLLECTION`, default "default") in a PostgreSQL database."""

    def __init__(self, url: str, collection: str = "default") -> None:
        self.url, self.collection = url, collection or "default"
        self.conns = _CONNECTIONS.setdefault(url, Connections(url))
        self.label = f"{describe_url(url)} (collection {self.collection})"

    def _collection_row(self, conn):
        return conn.execute("SELECT manifest, version, n_chunks FROM qc_collections WHERE name = %s", [self.collection]).fetchone()

    def version(self) -> str | None:
        row = self.conns.run(lambda conn: conn.execute(
            "SELECT version FROM qc_collections WHERE name = %s", [self.collection]).fetchone())
        return str(row[0]) if row else None

    def load(self, model_id: str) -> PgIndex:
        row = self.conns.run(self._collection_row)
        if row is None:
            raise IndexMissing(f"no index in {self.label}; run `assistant index` first")
        manifest, version, size = row
        if manifest.get("format") != FORMAT:
            raise IndexDamaged(f"the index in {self.label} has another format; run `assistant index` to rebuild it")
        check_model(manifest, model_id)
        return PgIndex(self.conns, self.collection, manifest, version, size)

    def is_stale(self, docs_dir: Path, chunk_params: ChunkParams) -> bool:
        def job(conn):
            row = self._collection_row(conn)
            if row is None or row[0].get("chunking") != chunk_params.to_json() or row[0].get("format") != FORMAT:
                return None
            return row[0], dict(conn.execute("SELECT doc_id, sha256 FROM qc_documents WHERE collection = %s",
                                             [self.collection]).fetchall())

        found = self.conns.run(job)
        if found is None:
            return True
        manifest, seen = found
        seen.update({doc_id: u["sha256"] for doc_id, u in manifest.get("unreadable", {}).items()})
        entries, _ = scan_folder(docs_dir)
        return {e.id: e.sha256 for e in entries} != seen

    def update(self, docs_dir: Path, embedder, chunk_params: ChunkParams, full: bool = False,
               progress: Progress | None = None) -> IndexReport:
        from .postgres_sync import sync

        return sync(self, docs_dir, embedder, chunk_params, full=full, progress=progress)

    def last_report(self) -> IndexRun | None:
        """The live version's sync, whoever ran it; None when that sync kept no report (an older version ran it)."""
        row = self.conns.run(lambda conn: conn.execute(
            "SELECT r.run FROM qc_reports r JOIN qc_collections c ON c.name = r.collection AND c.version = r.version "
            "WHERE r.collection = %s", [self.collection]).fetchone())
        return run_from_stored(row[0]) if row else None

    def drop(self) -> None:
        def job(conn):
            with conn.transaction():
                for table in ("qc_chunks", "qc_sentences", "qc_terms", "qc_words", "qc_parts", "qc_documents"):
                    conn.execute(f"DELETE FROM {table} WHERE collection = %s", [self.collection])
                conn.execute("DELETE FROM qc_reports WHERE collection = %s", [self.collection])
                conn.execute("DELETE FROM qc_collections WHERE name = %s", [self.collection])

        self.conns.run(job)
