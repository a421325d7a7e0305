"""The embedded default store: an index folder of generations (FAISS vectors, SQLite chunks/documents, bm25s).

Layout of `index/`:
    CURRENT              name of the live generation folder (replaced atomically)
    gen-<id>/            one complete index: manifest.json, store.sqlite, vectors.faiss, sentences.npy, bm25/,
                         report.json (the IndexReport of the update that wrote it; absent in older indexes)
    cache/embeddings.sqlite   vectors by (model id, sha256 of sentence text): unchanged text is never re-embedded
    .lock                flock held while building; the kernel drops it when a builder dies

A build (folder_build.py) writes a new generation beside the live one and only then points CURRENT at it, so
a crash at any moment leaves the previous generation whole and loadable. Nothing here unpickles anything.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from ..documents import scan_folder
from ..lexical import LexicalIndex
from ..records import Chunk, Document, DocumentInfo, IndexReport, IndexRun
from .base import ChunkParams, IndexDamaged, IndexMissing, IndexProblem, Progress, check_model, one_line, run_from_stored

FORMAT_VERSION = 4  # 2: sentence vectors; chunk vectors are their means. 3: documents carry title and pages.
# 4: BM25 over the chunks' own words, compound parts beside it (bm25/compound_parts.json)
REPORT_FILE = "report.json"  # optional: an index without it (older versions) works, its UI just cannot show the report


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
    """A loaded generation: FAISS vectors, BM25, and the SQLite chunk/document store (row i = chunk i).

    A generation never changes, so it is its own consistent view (`reading()` yields itself).
    """

    def __init__(self, folder: Path) -> None:
        import faiss

        self.folder = folder
        self.version = folder.name
        self.manifest: dict = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # Memory-mapped, read-only: loading costs no copy (0.1 ms vs ~0.6 s at 100k chunks) and the vectors are
        # page cache that processes share and the kernel can drop, not private memory.
        self.vectors = faiss.read_index(str(folder / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        self.lexical_index = LexicalIndex.load(folder / "bm25")
        self._db = sqlite3.connect(f"file:{folder / 'store.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        # one row per distinct sentence, read on demand (see SentenceVectors)
        self.sentence_matrix = SentenceVectors(folder / "sentences.npy")

    @property
    def size(self) -> int:
        return int(self.vectors.ntotal)

    @contextmanager
    def reading(self) -> Iterator["Index"]:
        yield self

    # ---- IndexView
    def dense(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        scores, rows = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), k)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def lexical(self, question: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.lexical_index.search(question, k)

    def search(self, query_vector: np.ndarray, question: str, k: int):
        return self.dense(query_vector, k), self.lexical(question, k)

    def cosines(self, rows: list[int], query_vector: np.ndarray) -> dict[int, float]:
        return {int(r): float(self.vectors.reconstruct(int(r)) @ query_vector) for r in rows}

    def sentence_vectors(self, sentence_rows: list[int]) -> np.ndarray:
        return np.asarray(self.sentence_matrix[sentence_rows])

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

    # ---- LiveIndex
    def document_text(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT text FROM documents WHERE id=?", [doc_id]).fetchone()
        return row[0] if row else None

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            row = self._db.execute("SELECT text, title, page_starts, ocr_pages FROM documents WHERE id=?", [doc_id]).fetchone()
        info = self.manifest["files"].get(doc_id)
        if row is None or info is None:
            return None
        text, title, pages, ocr = row
        return Document(doc_id, text, info["sha256"], info["size"], title or "", tuple(json.loads(pages)), tuple(json.loads(ocr)))

    def documents(self) -> list[DocumentInfo]:
        files = self.manifest["files"]
        return [DocumentInfo(doc_id, f["size"], f["chunks"], f["indexed_at"]) for doc_id, f in sorted(files.items())]

    def close(self) -> None:
        self._db.close()


def current_generation(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    folder = index_dir / pointer.read_text(encoding="utf-8").strip()
    return folder if (folder / "manifest.json").is_file() else None


def read_manifest(index_dir: Path) -> dict | None:
    folder = current_generation(index_dir)
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8")) if folder else None


def load_index(index_dir: Path, embedder) -> Index:
    """Open the live generation; refuses an index built with another embedding model."""
    model_id = embedder if isinstance(embedder, str) else embedder.model_id
    for _ in range(5):
        folder = current_generation(index_dir)
        try:
            return _open_generation(index_dir, folder, model_id)
        except IndexDamaged:
            if current_generation(index_dir) == folder:
                raise
            # builds finished while we opened it, and one removed this generation: open the new live one
    return _open_generation(index_dir, current_generation(index_dir), model_id)


def _open_generation(index_dir: Path, folder: Path | None, model_id: str) -> Index:
    if folder is None:
        raise IndexMissing(f"no index in {index_dir}; run `assistant index` first")
    try:
        index = Index(folder)
    except Exception as err:  # a damaged file must not surface as a traceback from faiss, bm25s or sqlite
        raise IndexDamaged(
            f"the index in {folder} cannot be read ({one_line(err)}); run `assistant index` to rebuild it"
        ) from err
    try:
        check_model(index.manifest, model_id)
        (last,) = index._db.execute("SELECT max(row) FROM chunks").fetchone()
        if not index.size == index.lexical_index.size == (-1 if last is None else last) + 1 or index.manifest.get("format") != FORMAT_VERSION:
            raise IndexDamaged(f"the index in {folder} is inconsistent; run `assistant index` to rebuild it")
    except sqlite3.Error as err:
        index.close()
        raise IndexDamaged(
            f"the index in {folder} cannot be read ({one_line(err)}); run `assistant index` to rebuild it"
        ) from err
    except IndexProblem:
        index.close()
        raise
    return index


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


class FolderStore:
    """The `Store` over an index folder."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.label = f"folder {self.index_dir}"

    def version(self) -> str | None:
        pointer = self.index_dir / "CURRENT"
        return pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else None

    def load(self, model_id: str) -> Index:
        return load_index(self.index_dir, model_id)

    def is_stale(self, docs_dir: Path, chunk_params: ChunkParams) -> bool:
        return is_stale(docs_dir, self.index_dir, chunk_params)

    def update(self, docs_dir: Path, embedder, chunk_params: ChunkParams, full: bool = False,
               progress: Progress | None = None) -> IndexReport:
        from .folder_build import update_index

        return update_index(docs_dir, self.index_dir, embedder, chunk_params, full=full, progress=progress)

    def last_report(self) -> IndexRun | None:
        """The live generation's update, whoever ran it; None for an index written before reports were kept."""
        try:
            folder = current_generation(self.index_dir)
            return run_from_stored(json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))) if folder else None
        except (OSError, ValueError):  # missing, half-written by hand, or removed by a newer build meanwhile
            return None

    def drop(self) -> None:
        import shutil

        shutil.rmtree(self.index_dir, ignore_errors=True)
