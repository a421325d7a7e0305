"""PostgreSQL side of the store: the schema, and binary adapters for halfvec and tsvector (numpy in, numpy out).

Vectors are `halfvec` (pgvector, 2 bytes per dimension). Each chunk's `terms` tsvector holds the same
analyser's terms as the folder store's bm25s (Snowball German stems with umlaut/ß folding, stopwords dropped,
see lexical.py), with positions, so BM25 is scored in SQL from term frequencies and per-collection document
frequencies (`qc_terms`): PostgreSQL's `german` config neither folds umlauts nor scores with IDF.
"""
from __future__ import annotations

import struct

import numpy as np

FORMAT = 3  # of the tables below; a collection built with another format is rebuilt
# (tables that only add, like qc_reports, keep the format: pg_connect creates them in an older database)
# (2: compound parts indexed in the chunks; 3: chunks hold their own words only, compounds found through qc_parts)

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS qc_collections (
    name text PRIMARY KEY,
    manifest jsonb NOT NULL,               -- format, model_id, backend, dim, chunking, unreadable, built_at
    version bigint NOT NULL,               -- +1 per committed sync: readers reload on change
    n_chunks bigint NOT NULL DEFAULT 0,
    n_terms bigint NOT NULL DEFAULT 0      -- sum of chunk lengths in terms, for BM25's average length
);
CREATE TABLE IF NOT EXISTS qc_documents (
    collection text NOT NULL, doc_id text NOT NULL,
    sha256 text NOT NULL, size bigint NOT NULL, chunks int NOT NULL, indexed_at double precision NOT NULL,
    title text NOT NULL DEFAULT '', page_starts int[] NOT NULL DEFAULT '{}', ocr_pages int[] NOT NULL DEFAULT '{}',
    text text NOT NULL,
    PRIMARY KEY (collection, doc_id)
);
CREATE TABLE IF NOT EXISTS qc_chunks (
    collection text NOT NULL, id bigint NOT NULL, doc_id text NOT NULL,
    start int NOT NULL, stop int NOT NULL,
    sentences jsonb NOT NULL,              -- [[sentence id, start, end], ...] in document offsets
    dim int NOT NULL, embedding halfvec NOT NULL,
    terms tsvector NOT NULL, n_terms int NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS qc_chunks_doc ON qc_chunks (collection, doc_id);
CREATE INDEX IF NOT EXISTS qc_chunks_terms ON qc_chunks USING gin (terms);
CREATE TABLE IF NOT EXISTS qc_sentences (
    collection text NOT NULL, id bigint NOT NULL, doc_id text NOT NULL, embedding halfvec NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS qc_sentences_doc ON qc_sentences (collection, doc_id);
CREATE TABLE IF NOT EXISTS qc_terms (
    collection text NOT NULL, term text NOT NULL, df int NOT NULL, PRIMARY KEY (collection, term)
);
CREATE TABLE IF NOT EXISTS qc_embedding_cache (
    model text NOT NULL, hash text NOT NULL, vec bytea NOT NULL, PRIMARY KEY (model, hash)
);
CREATE TABLE IF NOT EXISTS qc_words (      -- words seen per collection: compound heads (compounds.split)
    collection text NOT NULL, word text NOT NULL, PRIMARY KEY (collection, word)
);
CREATE TABLE IF NOT EXISTS qc_parts (      -- part term -> a term holding it as a compound part (lexical.compound_parts)
    collection text NOT NULL, part text NOT NULL, term text NOT NULL, PRIMARY KEY (collection, part, term)
);
CREATE TABLE IF NOT EXISTS qc_reports (    -- the newest sync's IndexRun (JSON), for UIs in other processes
    collection text PRIMARY KEY, version bigint NOT NULL, run jsonb NOT NULL  -- version: the collection's after that sync
);
"""


def hnsw_index_sql(dim: int) -> str:
    """One HNSW index per vector dimension (a partial expression index), so collections of any model share tables.

    m 32 / ef_construction 128 rather than pgvector's 16 / 64: on 100k news chunks the default graph reached
    recall@10 .89 (ef_search 100) and .96 (400) against exact search; this one .96 and .98 (bench/README.md)."""
    return (f"CREATE INDEX IF NOT EXISTS qc_chunks_hnsw_{int(dim)} ON qc_chunks "
            f"USING hnsw ((embedding::halfvec({int(dim)})) halfvec_ip_ops) WITH (m = 32, ef_construction = 128) "
            f"WHERE dim = {int(dim)}")


class HalfVec:
    """A numpy vector on its way into a halfvec column (binary: dim, unused, big-endian float16s)."""

    __slots__ = ("v",)

    def __init__(self, v: np.ndarray) -> None:
        self.v = v


class TsVec:
    """A chunk's terms on their way into a tsvector column: lexeme -> positions (1-based, ascending)."""

    __slots__ = ("positions",)

    def __init__(self, tokens: list[str]) -> None:
        positions: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            if token:
                own = positions.setdefault(token, [])
                if len(own) < 256:  # tsvector keeps at most 256 positions per lexeme (and positions up to 16383)
                    own.append(min(i + 1, 16383))
        self.positions = {t: sorted(set(p)) for t, p in positions.items()}


def halfvec_bytes(v: np.ndarray) -> bytes:
    v = np.asarray(v, dtype=np.float32)
    return struct.pack(">HH", v.shape[0], 0) + v.astype(">f2").tobytes()


def tsvector_bytes(t: TsVec) -> bytes:
    parts = [struct.pack(">i", len(t.positions))]
    for lexeme, positions in sorted(t.positions.items(), key=lambda kv: kv[0].encode("utf-8")):
        parts.append(lexeme.encode("utf-8") + b"\0" + struct.pack(f">h{len(positions)}h", len(positions), *positions))
    return b"".join(parts)


def register_types(conn) -> None:
    """Binary dumpers (COPY and parameters) and a loader (halfvec -> float32 numpy) on one connection."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(conn, "halfvec")
    if info is None:
        raise LookupError("the vector extension is not installed")
    info.register(conn)  # COPY's set_types(["halfvec"]) looks the name up here

    class HalfVecDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj: HalfVec) -> bytes:
            return halfvec_bytes(obj.v)

    class TsVecDumper(Dumper):
        format = Format.BINARY
        oid = 3614  # tsvector's fixed oid

        def dump(self, obj: TsVec) -> bytes:
            return tsvector_bytes(obj)

    class HalfVecLoader(Loader):
        format = Format.BINARY

        def load(self, data) -> np.ndarray:
            return np.frombuffer(bytes(data), dtype=">f2", offset=4).astype(np.float32)

    class HalfVecTextLoader(Loader):
        format = Format.TEXT

        def load(self, data) -> np.ndarray:
            return np.array(bytes(data)[1:-1].split(b","), dtype=np.float32)

    conn.adapters.register_dumper(HalfVec, HalfVecDumper)
    conn.adapters.register_dumper(TsVec, TsVecDumper)
    conn.adapters.register_loader(info.oid, HalfVecLoader)
    conn.adapters.register_loader(info.oid, HalfVecTextLoader)
