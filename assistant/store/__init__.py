"""One interface for the index, whichever backend holds it: `open_store(...)` gives a `Store`.

- folder (default): FAISS + SQLite + bm25s in an index folder, embedded, nothing to run;
- postgres: pgvector + a BM25-scored tsvector in PostgreSQL, for many processes and millions of chunks.

psycopg is imported only when a database URL is given.
"""
from __future__ import annotations

from pathlib import Path

from .base import (ChunkParams, IndexBusy, IndexDamaged, IndexMissing, IndexProblem, IndexView, LiveIndex,
                   ModelMismatch, Progress, Store, StoreUnavailable, text_hash)
from .folder import FolderStore


def open_store(index_dir: Path | str = "index", database_url: str = "", collection: str = "default") -> Store:
    """The folder store at `index_dir`, or the collection `collection` in the PostgreSQL at `database_url`."""
    if database_url:
        from .postgres import PostgresStore

        return PostgresStore(database_url, collection)
    return FolderStore(Path(index_dir))


__all__ = ["ChunkParams", "FolderStore", "IndexBusy", "IndexDamaged", "IndexMissing", "IndexProblem", "IndexView",
           "LiveIndex", "ModelMismatch", "Progress", "Store", "StoreUnavailable", "open_store", "text_hash"]
