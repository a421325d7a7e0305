"""Compatibility names: the index now lives behind `assistant.store` (folder or PostgreSQL). Import from there."""
from __future__ import annotations

from .store.base import (ChunkParams, IndexBusy, IndexDamaged, IndexMissing, IndexProblem, ModelMismatch, Progress,
                         StoreUnavailable, text_hash)
from .store.folder import FORMAT_VERSION, Index, SentenceVectors, is_stale, load_index, read_manifest
from .store.folder_build import EmbeddingCache, build_lock, update_index, vector_index_for
from .store.sync import SentenceTable, chunk_vectors, sentence_spans, sentence_table

__all__ = ["ChunkParams", "EmbeddingCache", "FORMAT_VERSION", "Index", "IndexBusy", "IndexDamaged", "IndexMissing",
           "IndexProblem", "ModelMismatch", "Progress", "SentenceTable", "SentenceVectors", "StoreUnavailable",
           "build_lock", "chunk_vectors", "is_stale", "load_index", "read_manifest", "sentence_spans", "sentence_table",
           "text_hash", "update_index", "vector_index_for"]
