"""The PostgreSQL store against a real server with pgvector (tests/pg_support.py), in-process with the fake
embedder: same hits as the folder store, incremental sync, collections, snapshots, metadata, model checks."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.language import detect_language
from assistant.pipeline import Assistant
from assistant.store import IndexMissing, ModelMismatch, open_store
from conftest import FakeEmbedder
from pg_support import new_collection, pg  # noqa: F401  (fixture used by name)

QUESTIONS = [
    "Seit wann kooperieren Niedersachsen und Tjumen?",
    "Wann wurden die Gespräche in Moskau geführt?",
    "Welche Städte sind Partnerstädte von Düsseldorf?",
    "Since when have Lower Saxony and Tyumen cooperated?",
    "Who leads the delegation?",
    "Partnerschaft Ukraine Stadt Hilfe",
]


def pg_assistant(docs: Path, server, embedder, collection: str | None = None) -> Assistant:
    store = open_store(database_url=server.url, collection=collection or new_collection())
    return Assistant(docs, docs.parent / "no-index-folder", embedder, store=store)


def test_same_hits_and_bm25_ranking_as_the_folder_store(seed_docs, tmp_path, pg):
    embedder = FakeEmbedder()
    folder = Assistant(seed_docs, tmp_path / "index", embedder)
    folder.update()
    postgres = pg_assistant(seed_docs, pg, embedder)
    report = postgres.update()
    assert report.chunks == folder.index.size and len(report.added) == 5
    for question in QUESTIONS:
        language = detect_language(question)
        f_hits, _, _ = folder.retrieve(question, language, k=5)
        p_hits, _, _ = postgres.retrieve(question, language, k=5)
        assert p_hits[0].chunk == f_hits[0].chunk, question
        assert {h.chunk for h in p_hits[:3]} <= {h.chunk for h in f_hits}, question
        # BM25 in SQL scores exactly as bm25s: the same chunks with the same (normalised) scores
        f_index = folder.index
        f_rows, f_scores = f_index.lexical(question, 50)
        with postgres.index.reading() as view:
            p_rows, p_scores = view.lexical(question, 50)
            p_chunks = view.chunks(list(p_rows))
        f_found = {(c.doc_id, c.start): s / f_scores.max() for c, s in zip(f_index.chunks(list(f_rows)), f_scores)}
        p_found = {(c.doc_id, c.start): s / p_scores.max() for c, s in zip(p_chunks, p_scores)}
        assert p_found.keys() == f_found.keys(), question
        assert all(abs(p_found[key] - f_found[key]) < 1e-4 for key in f_found), question


def test_add_change_delete_only_touch_what_changed(seed_docs, pg):
    embedder = FakeEmbedder()
    assistant = pg_assistant(seed_docs, pg, embedder)
    first = assistant.update()
    assert first.unchanged == 0 and len(first.added) == 5
    before = embedder.passages_embedded
    assert assistant.update_if_stale() is None and embedder.passages_embedded == before
    (seed_docs / "neu.txt").write_text("Der Leuchtturm von Emden wurde 1910 gebaut. Er ist 30 Meter hoch.", encoding="utf-8")
    added = assistant.update()
    assert added.added == ("neu.txt",) and added.unchanged == 5 and added.embedded_sentences == 2
    (seed_docs / "neu.txt").write_text("Der Leuchtturm von Emden wurde 1911 gebaut. Er ist 30 Meter hoch.", encoding="utf-8")
    changed = assistant.update()
    assert changed.changed == ("neu.txt",) and changed.embedded_sentences == 1  # the unchanged sentence is cached
    hits, _, view = assistant.retrieve("Wann wurde der Leuchtturm von Emden gebaut?", "de")
    assert hits[0].chunk.doc_id == "neu.txt" and "1911" in hits[0].chunk.text
    assert view.document_text("neu.txt")[hits[0].chunk.start : hits[0].chunk.end] == hits[0].chunk.text
    assert view.document("neu.txt").text == view.document_text("neu.txt")
    document = assistant.index.document("neu.txt")
    assert document.text.startswith("Der Leuchtturm") and document.title.startswith("Der Leuchtturm") and document.page_starts == ()
    (seed_docs / "neu.txt").unlink()
    removed = assistant.update()
    assert removed.removed == ("neu.txt",) and removed.chunks == first.chunks
    assert "neu.txt" not in {d.id for d in assistant.index.documents()}
    hits, _, _ = assistant.retrieve("Wann wurde der Leuchtturm von Emden gebaut?", "de", k=20)
    assert all(h.chunk.doc_id != "neu.txt" for h in hits)
    assert assistant.index.document("neu.txt") is None


def test_collections_are_kept_apart_and_dropped_whole(seed_docs, tmp_path, pg):
    embedder = FakeEmbedder()
    one = pg_assistant(seed_docs, pg, embedder)
    one.update()
    other_docs = tmp_path / "other"
    other_docs.mkdir()
    (other_docs / "only.txt").write_text("Die Glocke von Goslar läutet seit 1880 jeden Mittag.", encoding="utf-8")
    other = pg_assistant(other_docs, pg, embedder)
    other.update()
    assert [d.id for d in other.index.documents()] == ["only.txt"]
    hits, _, _ = other.retrieve("Seit wann kooperieren Niedersachsen und Tjumen?", "de", k=20)
    assert {h.chunk.doc_id for h in hits} == {"only.txt"}
    other.store.drop()
    with pytest.raises(IndexMissing):
        other.store.load(embedder.model_id)
    assert len(one.index.documents()) == 5


def test_a_question_reads_one_snapshot_while_a_sync_commits(seed_docs, pg):
    embedder = FakeEmbedder()
    doc = seed_docs / "leuchtturm.txt"
    doc.write_text("Der Leuchtturm von Emden ist rot. Er steht am Hafen.", encoding="utf-8")
    reader = pg_assistant(seed_docs, pg, embedder)
    reader.update()
    writer = Assistant(seed_docs, seed_docs.parent / "x", embedder, store=open_store(database_url=pg.url, collection=reader.store.collection))
    index = reader.index
    with index.reading() as view:
        rows, _ = view.dense(embedder.embed_query("Leuchtturm Emden"), 3)
        doc.write_text("Ganz anderer Text über Glocken aus Goslar, die im Jahr 1880 gegossen wurden.", encoding="utf-8")
        writer.update()  # commits while the view is open
        chunk = view.chunks([int(rows[0])])[0]
        assert chunk.doc_id == "leuchtturm.txt" and "Leuchtturm" in chunk.text
        assert "Leuchtturm" in view.document_text("leuchtturm.txt")
    assert "Glocken" in reader.index.document_text("leuchtturm.txt")  # the next question sees the new state
    assert reader.index.version != index.version


def test_a_collection_built_with_another_model_is_refused(seed_docs, pg):
    assistant = pg_assistant(seed_docs, pg, FakeEmbedder("fake-a"))
    assistant.update()
    other = Assistant(seed_docs, seed_docs.parent / "x", FakeEmbedder("fake-b"), store=assistant.store)
    with pytest.raises(ModelMismatch, match="--full"):
        other.index
    with pytest.raises(ModelMismatch):
        other.update()
    report = other.update(full=True)
    assert report.chunks > 0 and other.index.manifest["model_id"] == "fake-b"


def test_stale_after_a_file_changes_and_after_chunking_changes(seed_docs, pg):
    from assistant.store import ChunkParams

    assistant = pg_assistant(seed_docs, pg, FakeEmbedder())
    assert assistant.store.is_stale(seed_docs, ChunkParams())
    assistant.update()
    assert not assistant.store.is_stale(seed_docs, ChunkParams())
    assert assistant.store.is_stale(seed_docs, ChunkParams(sentences_per_chunk=3))
    shutil.copy(next(seed_docs.iterdir()), seed_docs / "copy.txt")
    assert assistant.store.is_stale(seed_docs, ChunkParams())


def test_compound_queries_rank_alike_in_both_stores_also_after_a_later_document(tmp_path, pg):
    """Compound parts (lexical.compound_parts) are kept in qc_parts and scored in SQL as bm25s scores them; a document
    synced later is split with the words stored before it."""
    from test_compounds import COMPOUND_QUERIES, CORPUS

    docs = tmp_path / "compounds"
    docs.mkdir()
    for i, text in enumerate(CORPUS):
        (docs / f"c{i}.txt").write_text(text, encoding="utf-8")
    embedder = FakeEmbedder()
    postgres = pg_assistant(docs, pg, embedder)
    postgres.update()
    (docs / "later.txt").write_text("Die Hochschulpartnerschaft mit Tomsk beginnt im Herbst.", encoding="utf-8")
    postgres.update()
    folder = Assistant(docs, tmp_path / "index", embedder)
    folder.update()
    for query in sorted({q for q, _ in COMPOUND_QUERIES}):
        f_rows, f_scores = folder.index.lexical(query, 50)
        with postgres.index.reading() as view:
            p_rows, p_scores = view.lexical(query, 50)
            p_chunks = view.chunks(list(p_rows))
        f_found = {c.doc_id: s for c, s in zip(folder.index.chunks(list(f_rows)), f_scores)}
        p_found = {c.doc_id: s for c, s in zip(p_chunks, p_scores)}
        assert p_found.keys() == f_found.keys(), query
        assert all(abs(p_found[d] - f_found[d]) < 1e-4 * max(f_scores) for d in f_found), query
    with postgres.index.reading() as view:
        found = {c.doc_id for c in view.chunks(list(view.lexical("Partnerschaft", 50)[0]))}
    assert found == {"c0.txt", "c1.txt", "c4.txt", "later.txt"}  # the later Hochschulpartnerschaft too


def test_a_database_set_up_by_an_older_version_gets_the_new_table(pg):
    import psycopg

    from assistant.store.pg_connect import Connections

    Connections(pg.url).run(lambda conn: None)
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("DROP TABLE qc_parts")  # as a database set up before compound parts had a table of their own
    assert Connections(pg.url).run(lambda conn: conn.execute("SELECT to_regclass('qc_parts')").fetchone()[0]) == "qc_parts"
