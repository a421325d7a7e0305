"""Build, update, save and load the index folder.

Layout of `index/`:
    CURRENT              name of the live generation folder (replaced atomically)
    gen-<id>/            one complete index: manifest.json, store.sqlite, vectors.faiss, bm25/
    cache/embeddings.sqlite   vectors by (model id, sha256 of chunk text): unchanged text is never re-embedded
    .lock                flock held while building; the kernel drops it when a builder dies

A build writes a new generation beside the live one and only then points CURRENT at it, so a crash at any
moment leaves the previous generation whole and loadable. Nothing here unpickles anything: chunks live in
SQLite, vectors in FAISS's own format, BM25 in .npy/.json.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .chunking import chunk_text, split_sentences
from .documents import FileEntry, DocumentError, read_document, scan_folder
from .embedding import Embedder
from .lexical import LexicalIndex
from .records import Chunk, DocumentInfo, IndexReport, Skipped

FORMAT_VERSION = 2  # 2: sentence vectors; chunk vectors are their means
MAX_CHUNK_CHARS = 1000
EMBED_BATCH = 32  # sentences per call to the embedder
FLAT_MAX_VECTORS = 200_000  # exact search up to here; 8-bit scalar quantisation beyond (see vector_index_for)

Progress = Callable[[str, int, int], None]  # (stage, done, total): stage is "files" or "chunks"


class IndexProblem(Exception):
    """Base for index problems a user must act on (message says how)."""


class IndexMissing(IndexProblem):
    pass


class ModelMismatch(IndexProblem):
    pass


class IndexBusy(IndexProblem):
    pass


class IndexDamaged(IndexProblem):
    pass


@dataclass(frozen=True)
class ChunkParams:
    sentences_per_chunk: int = 4
    overlap: int = 1
    max_chars: int = MAX_CHUNK_CHARS

    def to_json(self) -> dict:
        return {"sentences_per_chunk": self.sentences_per_chunk, "overlap": self.overlap, "max_chars": self.max_chars}


def _pause_for_crash_tests(stage: str) -> None:
    """Crash tests set ASSISTANT_TEST_PAUSE_AT=<stage> to hold a real build at a known point and SIGKILL it there."""
    if os.environ.get("ASSISTANT_TEST_PAUSE_AT") == stage:
        sys.stderr.write(f"paused at {stage}\n")
        sys.stderr.flush()
        time.sleep(3600)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- embedding cache


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
            for h, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == self._dim:
                    found[h] = vec
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()


# ---------------------------------------------------------------- the loaded index


class SentenceVectors:
    """Rows of a float32 .npy matrix read with pread when asked for: `vectors[rows]` -> array (len(rows), dim).

    Memory-mapping the file looked cheaper but the kernel maps up to 64 KB around every touched 1.5 KB row
    (fault-around): serving 100k chunks kept ~400 MB of it resident after 80 questions. pread costs ~1 µs per
    row and leaves the rows in the page cache, which is not the process's memory. The descriptor stays valid
    when a newer build deletes the file.
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran_order, dtype = read_header(fh)
            self._offset = fh.tell()
        if fortran_order or len(shape) != 2 or dtype != np.float32:
            raise ValueError(f"{path}: expected a C-ordered 2-D float32 matrix")
        self.shape, self.dtype = tuple(shape), np.dtype(np.float32)
        self._row_bytes = shape[1] * 4
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows) -> np.ndarray:
        single = np.ndim(rows) == 0
        wanted = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if wanted.size and (wanted.min() < -self.shape[0] or wanted.max() >= self.shape[0]):
            raise IndexError("sentence row out of range")
        wanted = np.where(wanted < 0, wanted + self.shape[0], wanted)
        out = np.empty((len(wanted), self.shape[1]), dtype=np.float32)
        for i, row in enumerate(wanted):
            out[i] = np.frombuffer(os.pread(self._fd, self._row_bytes, self._offset + int(row) * self._row_bytes), dtype=np.float32)
        return out[0] if single else out

    def close(self) -> None:
        os.close(self._fd)

    def __del__(self) -> None:
        try:
            os.close(self._fd)
        except (AttributeError, OSError):
            pass


class Index:
    """A loaded generation: FAISS vectors, BM25, and the SQLite chunk/document store (row i = chunk i)."""

    def __init__(self, folder: Path) -> None:
        import faiss

        self.folder = folder
        self.manifest: dict = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # Memory-mapped, read-only: loading costs no copy (0.1 ms vs ~0.6 s at 100k chunks) and the vectors are
        # page cache that processes share and the kernel can drop, not private memory.
        self.vectors = faiss.read_index(str(folder / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        self.lexical = LexicalIndex.load(folder / "bm25")
        self._db = sqlite3.connect(f"file:{folder / 'store.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        # one row per distinct sentence, read on demand (see SentenceVectors)
        self.sentence_vectors = SentenceVectors(folder / "sentences.npy")

    @property
    def size(self) -> int:
        return int(self.vectors.ntotal)

    def chunk_sentences(self, rows: list[int]) -> list[list[tuple[int, int, int]]]:
        """For each chunk row, its sentences as (sentence row, start, end) with document offsets."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            spans = dict(self._db.execute(f"SELECT row, sentences FROM chunks WHERE row IN ({marks})", [int(r) for r in rows]))
        return [[tuple(s) for s in json.loads(spans[int(r)])] for r in rows]

    def chunks(self, rows: list[int]) -> list[Chunk]:
        """Chunks for index rows, in the given order."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            found = {
                row: Chunk(doc, start, end, text)
                for row, doc, start, end, text in self._db.execute(
                    f"SELECT row, doc_id, start, end, text FROM chunks WHERE row IN ({marks})", [int(r) for r in rows]
                )
            }
        return [found[int(r)] for r in rows]

    def document_text(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT text FROM documents WHERE id=?", [doc_id]).fetchone()
        return row[0] if row else None

    def documents(self) -> list[DocumentInfo]:
        files = self.manifest["files"]
        return [DocumentInfo(doc_id, f["size"], f["chunks"], f["indexed_at"]) for doc_id, f in sorted(files.items())]

    def close(self) -> None:
        self._db.close()


def _current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    return folder if (folder / "manifest.json").is_file() else None


def read_manifest(index_dir: Path) -> dict | None:
    folder = _current_generation(index_dir)
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8")) if folder else None


def _one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:160]


def check_model(manifest: dict, embedder: Embedder) -> None:
    if manifest["model_id"] != embedder.model_id:
        raise ModelMismatch(
            f"the index was built with the embedding model {manifest['model_id']!r}, but {embedder.model_id!r} "
            "is configured; run `assistant index --full` to rebuild it with the configured model"
        )


def load_index(index_dir: Path, embedder: Embedder) -> Index:
    """Open the live generation; refuses an index built with another embedding model."""
    for _ in range(5):
        folder = _current_generation(index_dir)
        try:
            return _open_generation(index_dir, folder, embedder)
        except IndexDamaged:
            if _current_generation(index_dir) == folder:
                raise
            # builds finished while we opened it, and one removed this generation: open the new live one
    return _open_generation(index_dir, _current_generation(index_dir), embedder)


def _open_generation(index_dir: Path, folder: Path | None, embedder: Embedder) -> Index:
    if folder is None:
        raise IndexMissing(f"no index in {index_dir}; run `assistant index` first")
    try:
        index = Index(folder)
    except Exception as err:  # a damaged file must not surface as a traceback from faiss, bm25s or sqlite
        raise IndexDamaged(
            f"the index in {folder} cannot be read ({_one_line(err)}); run `assistant index` to rebuild it"
        ) from err
    try:
        check_model(index.manifest, embedder)
        (last,) = index._db.execute("SELECT max(row) FROM chunks").fetchone()
        if not index.size == index.lexical.size == (-1 if last is None else last) + 1 or index.manifest.get("format") != FORMAT_VERSION:
            raise IndexDamaged(f"the index in {folder} is inconsistent; run `assistant index` to rebuild it")
    except sqlite3.Error as err:
        index.close()
        raise IndexDamaged(
            f"the index in {folder} cannot be read ({_one_line(err)}); run `assistant index` to rebuild it"
        ) from err
    except IndexProblem:
        index.close()
        raise
    return index


# ---------------------------------------------------------------- staleness


def is_stale(docs_dir: Path, index_dir: Path, chunk_params: ChunkParams) -> bool:
    """True when the documents folder no longer matches the live index (or there is none, or it is damaged)."""
    try:
        manifest = read_manifest(index_dir)
    except (OSError, ValueError):
        return True
    if manifest is None or manifest.get("chunking") != chunk_params.to_json() or manifest.get("format") != FORMAT_VERSION:
        return True
    entries, _ = scan_folder(docs_dir)
    seen = {doc_id: f["sha256"] for doc_id, f in manifest["files"].items()}
    seen.update({doc_id: f["sha256"] for doc_id, f in manifest.get("unreadable", {}).items()})
    return {e.id: e.sha256 for e in entries} != seen


# ---------------------------------------------------------------- building


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


def _previous_chunks(index_dir: Path) -> tuple[dict, sqlite3.Connection | None]:
    folder = _current_generation(index_dir)
    if folder is None:
        return {}, None
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ValueError("manifest.json is not an index manifest")
    db = sqlite3.connect(f"file:{folder / 'store.sqlite'}?mode=ro", uri=True)
    try:
        db.execute("SELECT id, text FROM documents LIMIT 1").fetchall()
        db.execute("SELECT row, doc_id, start, end FROM chunks LIMIT 1").fetchall()
    except sqlite3.Error:
        db.close()
        raise
    return manifest, db


def sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentences as document offsets: the same split the answer step quotes from."""
    return [(chunk.start + s.start, chunk.start + s.end) for s in split_sentences(chunk.text)]


@dataclass(frozen=True)
class SentenceTable:
    """Distinct sentences of all chunks (row = position) and, per chunk, its sentence rows with spans."""

    texts: list[str]
    per_chunk: list[list[tuple[int, int, int]]]  # (sentence row, start, end)


def sentence_table(chunks: list[Chunk], known_spans: dict[tuple[str, int, int], list[tuple[int, int]]] | None = None) -> SentenceTable:
    """`known_spans` (doc id, chunk start, end) -> sentence spans, from the previous generation: unchanged chunks
    are not split again (splitting every chunk was a third of the time to add one document to 10k chunks)."""
    rows: dict[tuple[str, int, int], int] = {}
    texts: list[str] = []
    per_chunk = []
    known_spans = known_spans or {}
    for chunk in chunks:
        own = []
        spans = known_spans.get((chunk.doc_id, chunk.start, chunk.end))
        for start, end in sentence_spans(chunk) if spans is None else spans:
            key = (chunk.doc_id, start, end)
            if key not in rows:
                rows[key] = len(texts)
                texts.append(chunk.text[start - chunk.start : end - chunk.start])
            own.append((rows[key], start, end))
        per_chunk.append(own)
    return SentenceTable(texts, per_chunk)


def chunk_vectors(sentence_vectors: np.ndarray, table: SentenceTable) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors: no second embedding pass."""
    out = np.zeros((len(table.per_chunk), sentence_vectors.shape[1]), dtype=np.float32)
    for row, own in enumerate(table.per_chunk):
        if own:
            mean = sentence_vectors[[s for s, _, _ in own]].mean(axis=0)
            out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def _embed_missing(
    table: SentenceTable, embedder: Embedder, cache: EmbeddingCache, progress: Progress | None
) -> tuple[np.ndarray, int, int]:
    """Sentence vectors in table order; only sentences absent from the cache are embedded (each distinct text once).

    Returns (vectors, chunks that needed embedding, sentences embedded); progress counts those chunks.
    """
    hashes = [text_hash(t) for t in table.texts]
    known = cache.get_many(sorted(set(hashes)))
    todo_chunks = [own for own in table.per_chunk if any(hashes[s] not in known for s, _, _ in own)]
    total, embedded = len(todo_chunks), 0
    if progress:
        progress("chunks", 0, total)
    pending: dict[str, str] = {}
    for done, own in enumerate(todo_chunks, 1):
        for s, _, _ in own:
            if hashes[s] not in known:
                pending.setdefault(hashes[s], table.texts[s])
        if len(pending) >= EMBED_BATCH or done == total:
            batch = list(pending.items())
            fresh = dict(zip((h for h, _ in batch), embedder.embed_passages([t for _, t in batch])))
            cache.put_many(fresh)
            known.update(fresh)
            embedded += len(batch)
            pending.clear()
            if done < total:
                _pause_for_crash_tests("embedding")
            if progress:
                progress("chunks", done, total)
    matrix = np.zeros((len(hashes), embedder.dim), dtype=np.float32)
    for row, h in enumerate(hashes):
        matrix[row] = known[h]
    return matrix, total, embedded


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


def _write_generation(
    folder: Path, manifest: dict, documents: dict[str, str], chunks: list[Chunk], table: SentenceTable, sentence_vectors: np.ndarray
) -> None:
    import faiss

    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "store.sqlite")
    with db:
        db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, text TEXT)")
        db.execute(
            "CREATE TABLE chunks (row INTEGER PRIMARY KEY, doc_id TEXT, start INTEGER, end INTEGER, text TEXT, sentences TEXT)"
        )
        db.executemany("INSERT INTO documents VALUES (?, ?)", sorted(documents.items()))
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(i, c.doc_id, c.start, c.end, c.text, json.dumps(own)) for i, (c, own) in enumerate(zip(chunks, table.per_chunk))],
        )
        # the next update reads each unchanged document's chunks by doc_id: without this every lookup scans the
        # table (10k chunks: 1 s per update; 100k: minutes)
        db.execute("CREATE INDEX chunks_by_doc ON chunks (doc_id, row)")
    db.close()
    _pause_for_crash_tests("writing")
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
    previous = _current_generation(index_dir)
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(folder.name, encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    _pause_for_crash_tests("switching")
    os.replace(tmp, index_dir / "CURRENT")
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    _pause_for_crash_tests("switched")
    keep = {folder.name, previous.name if previous else ""}
    for old in index_dir.glob("gen-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def update_index(
    docs_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunk_params: ChunkParams = ChunkParams(),
    full: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring `index_dir` in line with `docs_dir`: only new or changed files are read, chunked and embedded."""
    started = time.monotonic()
    entries, skipped = scan_folder(docs_dir)
    with build_lock(index_dir):
        _pause_for_crash_tests("locked")
        try:
            old_manifest, old_db = _previous_chunks(index_dir)
        except (OSError, ValueError, sqlite3.Error):  # a damaged live generation: rebuild it from the documents
            old_manifest, old_db = {}, None
        known_spans: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
        try:
            old_has_spans = old_db is not None and any(c[1] == "sentences" for c in old_db.execute("PRAGMA table_info(chunks)"))
        except sqlite3.Error:
            old_has_spans = False
        if old_manifest and not full:
            check_model(old_manifest, embedder)
        reuse = (
            old_manifest.get("files", {})
            if old_manifest and not full and old_manifest.get("chunking") == chunk_params.to_json()
            else {}
        )
        documents: dict[str, str] = {}
        chunks: list[Chunk] = []
        files: dict[str, dict] = {}
        added, changed, unchanged = [], [], 0
        unreadable: dict[str, dict] = {}  # remembered so an unchanged bad file does not make the index stale
        for done, entry in enumerate(entries, 1):
            previous = reuse.get(entry.id)
            if previous and previous["sha256"] == entry.sha256 and old_db is not None:
                text = old_db.execute("SELECT text FROM documents WHERE id=?", [entry.id]).fetchone()[0]
                doc_chunks = []
                for s, e, spans in old_db.execute(
                    f"SELECT start, end, {'sentences' if old_has_spans else 'NULL'} FROM chunks WHERE doc_id=? ORDER BY row", [entry.id]
                ):
                    doc_chunks.append(Chunk(entry.id, s, e, text[s:e]))
                    if spans:
                        known_spans[(entry.id, s, e)] = [(a, b) for _, a, b in json.loads(spans)]
                indexed_at = previous["indexed_at"]
                unchanged += 1
            else:
                try:
                    text = read_document(entry).text
                except DocumentError as err:
                    unreadable[entry.id] = {"sha256": entry.sha256, "reason": str(err)}
                    continue
                doc_chunks = chunk_text(entry.id, text, chunk_params.sentences_per_chunk, chunk_params.overlap, chunk_params.max_chars)
                if not doc_chunks:
                    unreadable[entry.id] = {"sha256": entry.sha256, "reason": "no text to index"}
                    continue
                indexed_at = time.time()
                (changed if entry.id in old_manifest.get("files", {}) else added).append(entry.id)
            documents[entry.id] = text
            chunks.extend(doc_chunks)
            files[entry.id] = {"sha256": entry.sha256, "size": entry.size, "chunks": len(doc_chunks), "indexed_at": indexed_at}
            if progress:
                progress("files", done, len(entries))
        if old_db is not None:
            old_db.close()
        removed = sorted(set(old_manifest.get("files", {})) - set(files))
        skipped = [*skipped, *(Skipped(doc_id, u["reason"]) for doc_id, u in unreadable.items())]
        if not chunks:
            raise IndexProblem(f"nothing to index in {docs_dir}: no readable documents")
        table = sentence_table(chunks, known_spans)
        cache = EmbeddingCache(index_dir / "cache" / "embeddings.sqlite", embedder.model_id, embedder.dim)
        try:
            vectors, embedded, embedded_sentences = _embed_missing(table, embedder, cache, progress)
        finally:
            cache.close()
        manifest = {
            "format": FORMAT_VERSION,
            "model_id": embedder.model_id,
            "backend": embedder.backend,
            "dim": int(vectors.shape[1]),
            "chunking": chunk_params.to_json(),
            "files": files,
            "unreadable": unreadable,
            "built_at": time.time(),
        }
        for stale in index_dir.glob("gen-*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        tmp_folder = index_dir / f"{name}.tmp"
        _write_generation(tmp_folder, manifest, documents, chunks, table, vectors)
        final = index_dir / name
        os.replace(tmp_folder, final)
        _pause_for_crash_tests("written")
        _switch_to(index_dir, final)
    return IndexReport(
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=unchanged,
        chunks=len(chunks),
        embedded_chunks=embedded,
        embedded_sentences=embedded_sentences,
        seconds=time.monotonic() - started,
        skipped=tuple(sorted(skipped, key=lambda s: s.file)),
    )
