"""The sync semantics both stores share: which files are new, changed, removed or unchanged (by content
hash), reading and chunking only the new and changed ones, splitting chunks into sentences, and embedding
only sentences the embedding cache has not seen. Storage-specific writing lives in folder.py / postgres.py.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..chunking import chunk_text, split_sentences
from ..documents import DocumentError, FileEntry, read_document
from ..records import Chunk, Document, FileHealth, IndexReport, Skipped
from .base import ChunkParams, Progress, pause_for_crash_tests, text_hash

EMBED_BATCH = 32  # sentences per call to the embedder


@dataclass
class Changes:
    """What a sync must do. `fresh` documents were read and chunked now; `kept` ones stay as stored."""

    order: list[str] = field(default_factory=list)  # every indexed doc id, in folder order
    kept: list[str] = field(default_factory=list)
    fresh: dict[str, tuple[Document, list[Chunk]]] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)  # doc id -> {sha256, size, chunks, indexed_at}
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unreadable: dict[str, dict] = field(default_factory=dict)  # remembered so an unchanged bad file is not "stale"


def read_changes(
    entries: list[FileEntry], previous: dict[str, dict], reusable: dict[str, dict], chunk_params: ChunkParams,
    progress: Progress | None = None,
) -> Changes:
    """`previous`: files of the live index; `reusable`: those whose stored chunks may be kept (empty for a full
    rebuild or changed chunking). Only files whose hash differs from `reusable` are read."""
    out = Changes()
    for done, entry in enumerate(entries, 1):
        old = reusable.get(entry.id)
        if old and old["sha256"] == entry.sha256:
            out.kept.append(entry.id)
            out.files[entry.id] = dict(old)
        else:
            try:
                document = read_document(entry)
            except DocumentError as err:
                out.unreadable[entry.id] = {"sha256": entry.sha256, "reason": str(err)}
                continue
            chunks = chunk_text(entry.id, document.text, chunk_params.sentences_per_chunk, chunk_params.overlap,
                                chunk_params.max_chars)
            if not chunks:
                out.unreadable[entry.id] = {"sha256": entry.sha256, "reason": "no text to index"}
                continue
            out.fresh[entry.id] = (document, chunks)
            out.files[entry.id] = {"sha256": entry.sha256, "size": entry.size, "chunks": len(chunks), "indexed_at": time.time()}
            (out.changed if entry.id in previous else out.added).append(entry.id)
        out.order.append(entry.id)
        if progress:
            progress("files", done, len(entries))
    out.removed = sorted(set(previous) - set(out.files))
    return out


def index_report(changes: Changes, chunks: int, embedded: tuple[int, int], started: float, skipped: list[Skipped],
                 health: tuple[FileHealth, ...], full: bool) -> IndexReport:
    """What one update did, as both stores report it; `embedded`: (chunks, sentences) newly embedded."""
    return IndexReport(
        added=tuple(changes.added), changed=tuple(changes.changed), removed=tuple(changes.removed),
        unchanged=len(changes.kept), chunks=chunks, embedded_chunks=embedded[0], embedded_sentences=embedded[1],
        seconds=time.monotonic() - started, skipped=skipped_files(skipped, changes.unreadable), health=health, full=full,
    )


def skipped_files(skipped: list[Skipped], unreadable: dict[str, dict]) -> tuple[Skipped, ...]:
    return tuple(sorted([*skipped, *(Skipped(doc_id, u["reason"]) for doc_id, u in unreadable.items())], key=lambda s: s.file))


def sentence_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentences as document offsets: the same split the answer step quotes from."""
    return [(chunk.start + s.start, chunk.start + s.end) for s in split_sentences(chunk.text)]


@dataclass(frozen=True)
class SentenceTable:
    """Distinct sentences of all chunks (row = position) and, per chunk, its sentence rows with spans."""

    texts: list[str]
    per_chunk: list[list[tuple[int, int, int]]]  # (sentence row, start, end)
    doc_ids: list[str] = field(default_factory=list)  # per sentence row


def sentence_table(chunks: list[Chunk], known_spans: dict[tuple[str, int, int], list[tuple[int, int]]] | None = None) -> SentenceTable:
    """`known_spans` (doc id, chunk start, end) -> sentence spans, from the previous state: unchanged chunks
    are not split again (splitting every chunk was a third of the time to add one document to 10k chunks)."""
    rows: dict[tuple[str, int, int], int] = {}
    texts: list[str] = []
    doc_ids: list[str] = []
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
                doc_ids.append(chunk.doc_id)
            own.append((rows[key], start, end))
        per_chunk.append(own)
    return SentenceTable(texts, per_chunk, doc_ids)


def chunk_vectors(sentence_vectors: np.ndarray, table: SentenceTable) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors: no second embedding pass."""
    out = np.zeros((len(table.per_chunk), sentence_vectors.shape[1]), dtype=np.float32)
    for row, own in enumerate(table.per_chunk):
        if own:
            mean = sentence_vectors[[s for s, _, _ in own]].mean(axis=0)
            out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def vectors_from_rows(rows, dim: int) -> dict[str, np.ndarray]:
    """Embedding-cache rows (hash, float32 bytes) -> vectors; a row of another dimension is ignored (re-embedded)."""
    found = {h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows}
    return {h: v for h, v in found.items() if v.shape[0] == dim}


class VectorCache(Protocol):
    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]: ...
    def put_many(self, items: dict[str, np.ndarray]) -> None: ...  # committed at once: a killed build resumes


def embed_missing(table: SentenceTable, embedder, cache: VectorCache, progress: Progress | None) -> tuple[np.ndarray, int, int]:
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
                pause_for_crash_tests("embedding")
            if progress:
                progress("chunks", done, total)
    matrix = np.zeros((len(hashes), embedder.dim), dtype=np.float32)
    for row, h in enumerate(hashes):
        matrix[row] = known[h]
    return matrix, total, embedded
