"""What every store shares: the errors a user must act on, chunking parameters, and the two interfaces
retrieval and the faces use, so they never learn which backend is live.

A `Store` is where an index lives (a folder, or a collection in PostgreSQL): it syncs documents into it
and opens its live state. A `LiveIndex` is one opened state; `reading()` gives an `IndexView` that answers
every read of one question from one consistent state (a folder generation is immutable; PostgreSQL reads
in one REPEATABLE READ snapshot).
"""
from __future__ import annotations

import hashlib
import os
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from ..records import Chunk, Document, DocumentInfo, IndexReport, IndexRun

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


class StoreUnavailable(IndexProblem):
    """The database cannot be reached or used (down, wrong password, no pgvector); the message says which."""


@dataclass(frozen=True)
class ChunkParams:
    sentences_per_chunk: int = 4
    overlap: int = 1
    max_chars: int = 1000

    def to_json(self) -> dict:
        return {"sentences_per_chunk": self.sentences_per_chunk, "overlap": self.overlap, "max_chars": self.max_chars}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pause_for_crash_tests(stage: str) -> None:
    """Crash tests set ASSISTANT_TEST_PAUSE_AT=<stage> to hold a real build at a known point and SIGKILL it there."""
    if os.environ.get("ASSISTANT_TEST_PAUSE_AT") == stage:
        sys.stderr.write(f"paused at {stage}\n")
        sys.stderr.flush()
        time.sleep(3600)


def one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:160]


def check_model(manifest: dict, model_id: str) -> None:
    if manifest["model_id"] != model_id:
        raise ModelMismatch(
            f"the index was built with the embedding model {manifest['model_id']!r}, but {model_id!r} "
            "is configured; run `assistant index --full` to rebuild it with the configured model"
        )


def stored_run(report: IndexReport) -> dict:
    """What a store keeps of its newest update, so a UI in another process can show it (its source: "other")."""
    return IndexRun(time.time(), "other", report).to_json()


def run_from_stored(data: object) -> IndexRun | None:
    """The stored update, or None when it is missing or unreadable (an index written by an older version)."""
    try:
        run = IndexRun.from_json(data)  # type: ignore[arg-type]
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    return run if run.report is not None else None


class IndexView(Protocol):
    """The reads one question makes; row ids are the store's own and mean nothing outside it."""

    size: int

    def dense(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...  # (rows, cosines) best first
    def lexical(self, question: str, k: int) -> tuple[np.ndarray, np.ndarray]: ...  # (rows, BM25) best first, > 0 only
    def search(self, query_vector: np.ndarray, question: str, k: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]: ...  # (dense(...), lexical(...)), at once where the store can
    def cosines(self, rows: list[int], query_vector: np.ndarray) -> dict[int, float]: ...
    def chunk_sentences(self, rows: list[int]) -> list[list[tuple[int, int, int]]]: ...  # (sentence row, start, end)
    def sentence_vectors(self, sentence_rows: list[int]) -> np.ndarray: ...
    def chunks(self, rows: list[int]) -> list[Chunk]: ...
    def document_text(self, doc_id: str) -> str | None: ...
    def document(self, doc_id: str) -> Document | None: ...  # title, page_starts, ocr_pages for citations


class LiveIndex(Protocol):
    """An opened index: what the UI lists, and `reading()` for questions."""

    version: str  # changes whenever a sync commits
    manifest: dict  # model_id, backend, dim, chunking, files {id: {sha256, size, chunks, indexed_at}}, unreadable
    size: int  # chunks

    def reading(self) -> AbstractContextManager[IndexView]: ...
    def documents(self) -> list[DocumentInfo]: ...
    def document(self, doc_id: str) -> Document | None: ...  # text, sha256, size, title, page_starts, ocr_pages
    def document_text(self, doc_id: str) -> str | None: ...
    def close(self) -> None: ...


class Store(Protocol):
    """Where an index lives. `label` names it for people (never a password)."""

    label: str

    def version(self) -> str | None: ...  # cheap; None when nothing is indexed yet
    def load(self, model_id: str) -> LiveIndex: ...  # raises IndexMissing, ModelMismatch, IndexDamaged, StoreUnavailable
    def is_stale(self, docs_dir: Path, chunk_params: ChunkParams) -> bool: ...
    def update(self, docs_dir: Path, embedder, chunk_params: ChunkParams, full: bool = False,
               progress: Progress | None = None) -> IndexReport: ...
    def drop(self) -> None: ...  # remove the whole index (eval's temporary collections)
    def last_report(self) -> IndexRun | None: ...  # the live state's update, whoever ran it; None if not stored
