"""Building a new generation of the folder store: only new or changed files are read and embedded; unchanged
documents' chunks and sentence spans are copied from the live generation; CURRENT switches atomically."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from ..documents import scan_folder
from ..documents.health import health_report
from ..lexical import LexicalIndex
from ..records import Chunk, IndexReport
from .base import ChunkParams, IndexBusy, IndexProblem, Progress, check_model, pause_for_crash_tests, stored_run
from .folder import FORMAT_VERSION, REPORT_FILE, current_generation
from .sync import (SentenceTable, chunk_vectors, embed_missing, index_report, read_changes, sentence_table,
                   vectors_from_rows)

FLAT_MAX_VECTORS = 200_000  # exact search up to here; 8-bit scalar quantisation beyond (see vector_index_for)


class EmbeddingCache:
    """SQLite table of vectors keyed by (model id, text hash); committed per batch so a killed build resumes."""

    def __init__(self, path: Path, model_id: str, dim: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError:  # damaged: it is only a cache, so start a new one (costs re-embedding)
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
            self._db = self._open(path)
        self._model, self._dim = model_id, dim

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vec BLOB, PRIMARY KEY (model, hash))")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT hash, vec FROM vectors WHERE model=? AND hash IN ({marks})", [self._model, *part]
            )
            found.update(vectors_from_rows(rows, self._dim))
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One builder at a time; flock dies with its holder, so a crashed build never blocks the next one."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise IndexBusy(f"another index build is running on {index_dir}; try again when it has finished") from err
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _previous(index_dir: Path) -> tuple[dict, sqlite3.Connection | None]:
    folder = current_generation(index_dir)
    if folder is None:
        return {}, None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ValueError("manifest.json is not an index manifest")
    db = sqlite3.connect(f"file:{folder / 'store.sqlite'}?mode=ro", uri=True)
    try:
        db.execute("SELECT id, text, title, page_starts, ocr_pages FROM documents LIMIT 1").fetchall()
        db.execute("SELECT row, doc_id, start, end, sentences FROM chunks LIMIT 1").fetchall()
    except sqlite3.Error:
        db.close()
        raise
    return manifest, db


def vector_index_for(vectors: np.ndarray):
    """Exact inner-product search up to FLAT_MAX_VECTORS, 8-bit scalar quantisation above (measured in bench/).

    Exact flat search scans every vector (100k chunks: 147 MB, ~20 ms on a busy 2-core machine), still inside the
    latency budget and within the memory target, so indexes up to FLAT_MAX_VECTORS keep exact results. Beyond, SQ8
    scans a quarter of the bytes (~5x faster at 100k) at recall@10 0.976 vs exact; HNSW was faster still but
    lost more (recall@50 0.86 at efSearch 128) and needs more memory than flat. Both keep reconstructable
    vectors, so `reconstruct(row)` works (SQ8's cosine is off by ~1e-3).
    """
    import faiss

    n, dim = vectors.shape
    if n <= FLAT_MAX_VECTORS:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
    index.add(vectors)
    return index


def _write_generation(folder: Path, manifest: dict, documents: list[tuple], chunks: list[Chunk], table: SentenceTable,
                      sentence_vectors: np.ndarray) -> None:
    """`documents`: (id, text, title, page_starts json, ocr_pages json) rows."""
    import faiss

    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "store.sqlite")
    with db:
        db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT, title TEXT, page_starts TEXT, ocr_pages TEXT)")
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, doc_id TEXT, start INTEGER, end INTEGER, text TEXT, sentences TEXT)"
        )
        db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?)", sorted(documents))
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(i, c.doc_id, c.start, c.end, c.text, json.dumps(own)) for i, (c, own) in enumerate(zip(chunks, table.per_chunk))],
        )
        # the next update reads each unchanged document's chunks by doc_id: without this every lookup scans the
        # table (10k chunks: 1 s per update; 100k: minutes)
        db.execute("CREATE INDEX chunks_by_doc ON chunks (doc_id, row)")
    db.close()
    pause_for_crash_tests("writing")
    np.save(folder / "sentences.npy", sentence_vectors, allow_pickle=False)
    vector_index = vector_index_for(chunk_vectors(sentence_vectors, table))
    faiss.write_index(vector_index, str(folder / "vectors.faiss"))
    (folder / "bm25").mkdir()
    LexicalIndex.build([c.text for c in chunks]).save(folder / "bm25")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    for path in [*folder.rglob("*"), folder]:
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _switch_to(index_dir: Path, folder: Path) -> None:
    """Atomically point CURRENT at the new generation, then drop all but it and its predecessor."""
    previous = current_generation(index_dir)
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(folder.name, encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    pause_for_crash_tests("switching")
    os.replace(tmp, index_dir / "CURRENT")
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    pause_for_crash_tests("switched")
    keep = {folder.name, previous.name if previous else ""}
    for old in index_dir.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def update_index(
    docs_dir: Path,
    index_dir: Path,
    embedder,
    chunk_params: ChunkParams = ChunkParams(),
    full: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring `index_dir` in line with `docs_dir`: only new or changed files are read, chunked and embedded."""
    started = time.monotonic()
    entries, skipped = scan_folder(docs_dir)
    with build_lock(index_dir):
        pause_for_crash_tests("locked")
        try:
            old_manifest, old_db = _previous(index_dir)
        except (OSError, ValueError, sqlite3.Error):  # a damaged (or older-format) live generation: rebuild it
            old_manifest, old_db = {}, None
        if old_manifest and not full:
            check_model(old_manifest, embedder.model_id)
        same_shape = old_manifest.get("chunking") == chunk_params.to_json() and old_manifest.get("format") == FORMAT_VERSION
        reusable = old_manifest.get("files", {}) if old_manifest and old_db is not None and not full and same_shape else {}
        changes = read_changes(entries, old_manifest.get("files", {}), reusable, chunk_params, progress)
        documents: list[tuple] = []
        chunks: list[Chunk] = []
        known_spans: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
        for doc_id in changes.order:
            if doc_id in changes.fresh:
                document, doc_chunks = changes.fresh[doc_id]
                documents.append((doc_id, document.text, document.title, json.dumps(list(document.page_starts)),
                                  json.dumps(list(document.ocr_pages))))
                chunks.extend(doc_chunks)
                continue
            assert old_db is not None
            row = old_db.execute("SELECT id, text, title, page_starts, ocr_pages FROM documents WHERE id=?", [doc_id]).fetchone()
            documents.append(row)
            text = row[1]
            for s, e, spans in old_db.execute("SELECT start, end, sentences FROM chunks WHERE doc_id=? ORDER BY row", [doc_id]):
                chunks.append(Chunk(doc_id, s, e, text[s:e]))
                known_spans[(doc_id, s, e)] = [(a, b) for _, a, b in json.loads(spans)]
        if old_db is not None:
            old_db.close()
        if not chunks:
            raise IndexProblem(f"nothing to index in {docs_dir}: no readable documents")
        table = sentence_table(chunks, known_spans)
        cache = EmbeddingCache(index_dir / "cache" / "embeddings.sqlite", embedder.model_id, embedder.dim)
        try:
            vectors, embedded, embedded_sentences = embed_missing(table, embedder, cache, progress)
        finally:
            cache.close()
        manifest = {
            "format": FORMAT_VERSION,
            "model_id": embedder.model_id,
            "backend": embedder.backend,
            "dim": int(vectors.shape[1]),
            "chunking": chunk_params.to_json(),
            "files": changes.files,
            "unreadable": changes.unreadable,
            "built_at": time.time(),
        }
        for stale in index_dir.glob("gen-*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        tmp_folder = index_dir / f"{name}.tmp"
        _write_generation(tmp_folder, manifest, documents, chunks, table, vectors)
        health = health_report([doc for doc, _ in changes.fresh.values()], {row[0]: row[1] for row in documents})
        report = index_report(changes, len(chunks), (embedded, embedded_sentences), started, skipped, health, full)
        _write_report(tmp_folder / REPORT_FILE, report)
        final = index_dir / name
        os.replace(tmp_folder, final)
        pause_for_crash_tests("written")
        _switch_to(index_dir, final)
    return report


def _write_report(path: Path, report: IndexReport) -> None:
    """The generation's own report, for the report panel of a UI in another process (FolderStore.last_report)."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(stored_run(report), fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
