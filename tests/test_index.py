"""Index building with a deterministic fake embedder: incremental updates, refusal of a foreign model, atomic layout."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.index import ModelMismatch, is_stale, load_index, read_manifest, update_index
from tests.conftest import FakeEmbedder

NEW_DOC = "Die Partnerschaft zwischen Kassel und Jaroslawl besteht seit 1988. Sie umfasst Schulen und Vereine."


def test_first_build_indexes_every_file(seed_docs: Path, tmp_path: Path, fake_embedder: FakeEmbedder):
    report = update_index(seed_docs, tmp_path / "index", fake_embedder)
    assert len(report.added) == 5 and report.changed == () and report.removed == () and report.skipped == ()
    index = load_index(tmp_path / "index", fake_embedder)
    assert index.size == report.chunks == report.embedded_chunks
    assert {d.id for d in index.documents()} == {p.name for p in seed_docs.iterdir()}
    for chunk in index.chunks(list(range(index.size))):
        assert index.document_text(chunk.doc_id)[chunk.start : chunk.end] == chunk.text


def test_adding_a_document_embeds_only_its_chunks(seed_docs: Path, tmp_path: Path, fake_embedder: FakeEmbedder):
    first = update_index(seed_docs, tmp_path / "index", fake_embedder)
    (seed_docs / "kassel.txt").write_text(NEW_DOC, encoding="utf-8")
    second = update_index(seed_docs, tmp_path / "index", fake_embedder)
    assert second.added == ("kassel.txt",) and second.unchanged == 5
    assert second.embedded_chunks == second.chunks - first.chunks == 1

    (seed_docs / "kassel.txt").unlink()
    third = update_index(seed_docs, tmp_path / "index", fake_embedder)
    assert third.removed == ("kassel.txt",) and third.embedded_chunks == 0 and third.chunks == first.chunks
    index = load_index(tmp_path / "index", fake_embedder)
    assert "kassel.txt" not in {c.doc_id for c in index.chunks(list(range(index.size)))}
    assert index.document_text("kassel.txt") is None


def test_unchanged_folder_costs_no_embedding(seed_docs: Path, tmp_path: Path):
    update_index(seed_docs, tmp_path / "index", FakeEmbedder())
    fresh = FakeEmbedder()
    report = update_index(seed_docs, tmp_path / "index", fresh)
    assert report.unchanged == 5 and report.embedded_chunks == 0 and fresh.passages_embedded == 0
    assert not is_stale(seed_docs, tmp_path / "index", __import__("assistant.index").index.ChunkParams())


def test_changed_file_is_reembedded_only_where_text_changed(seed_docs: Path, tmp_path: Path, fake_embedder):
    update_index(seed_docs, tmp_path / "index", fake_embedder)
    target = sorted(seed_docs.iterdir())[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEin neuer Absatz über Celle und Tjumen.", encoding="utf-8")
    report = update_index(seed_docs, tmp_path / "index", fake_embedder)
    assert report.changed == (target.name,) and report.unchanged == 4
    assert 1 <= report.embedded_chunks <= 2  # the last chunk(s) of that file, not the file's whole text


def test_other_model_is_refused_until_full_rebuild(seed_docs: Path, tmp_path: Path):
    update_index(seed_docs, tmp_path / "index", FakeEmbedder("fake-a"))
    other = FakeEmbedder("fake-b")
    with pytest.raises(ModelMismatch, match="assistant index --full"):
        update_index(seed_docs, tmp_path / "index", other)
    with pytest.raises(ModelMismatch, match="assistant index --full"):
        load_index(tmp_path / "index", other)
    report = update_index(seed_docs, tmp_path / "index", other, full=True)
    assert report.embedded_chunks == report.chunks
    assert read_manifest(tmp_path / "index")["model_id"] == "fake-b"


def test_bad_file_is_reported_and_the_rest_indexed(seed_docs: Path, tmp_path: Path, fake_embedder):
    (seed_docs / "kaputt.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (seed_docs / "bild.png").write_bytes(b"\x89PNG")
    report = update_index(seed_docs, tmp_path / "index", fake_embedder)
    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {"kaputt.pdf", "bild.png"} and all(reasons.values())
    assert len(report.added) == 5
    # a known-bad, unchanged file does not make the index look stale forever
    from assistant.index import ChunkParams

    assert not is_stale(seed_docs, tmp_path / "index", ChunkParams())


def test_manifest_describes_the_index(seed_docs: Path, tmp_path: Path, fake_embedder):
    update_index(seed_docs, tmp_path / "index", fake_embedder)
    manifest = read_manifest(tmp_path / "index")
    assert manifest["model_id"] == "fake-64" and manifest["backend"] == "fake" and manifest["dim"] == 64
    assert set(manifest["chunking"]) == {"sentences_per_chunk", "overlap", "max_chars"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values())
    live = (tmp_path / "index" / "CURRENT").read_text().strip()
    assert json.loads((tmp_path / "index" / live / "manifest.json").read_text()) == manifest
    assert not list((tmp_path / "index").glob("*.tmp"))


TEXT_PAGE = "Niederschrift der Sitzung des Partnerschaftsausschusses. Die Gäste aus Gödöllő wurden begrüßt."
SCANNED_PAGE = ["Der Ausschuss beschloss, der Partnerstadt Tarnowitz eine Orgel aus Zinn zu schenken."]


def test_full_rebuild_rereads_a_file_that_an_incremental_update_keeps(tmp_path: Path, fake_embedder, monkeypatch):
    """Installing Tesseract changes what a PDF reads as, not its bytes: the incremental update keeps the stored text
    (same hash), only a full rebuild reads the scanned page; unchanged text still comes from the embedding cache."""
    import builders
    from assistant.documents import ocr

    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    builders.text_and_scanned_pdf(docs / "sitzung.pdf", [TEXT_PAGE], [SCANNED_PAGE])
    (docs / "kassel.txt").write_text(NEW_DOC, encoding="utf-8")
    try:
        monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it: how a machine without tesseract-ocr looks
        ocr.languages.cache_clear()
        first = update_index(docs, index, fake_embedder)
        monkeypatch.undo()
        ocr.languages.cache_clear()
        if not ocr.available():
            pytest.skip(ocr.NEEDS_OCR)
        assert set(first.added) == {"sitzung.pdf", "kassel.txt"}
        (scanless,) = [h for h in first.health if h.file == "sitzung.pdf"]
        assert scanless.ocr_pages == () and any("page" in w for w in scanless.warnings)  # page 2 read as empty

        incremental = update_index(docs, index, fake_embedder)
        assert incremental.unchanged == 2 and incremental.health == () and not incremental.full
        assert "Orgel" not in load_index(index, fake_embedder).document_text("sitzung.pdf")

        before = fake_embedder.passages_embedded
        full = update_index(docs, index, fake_embedder, full=True)
        assert set(full.changed) == {"sitzung.pdf", "kassel.txt"} and full.unchanged == 0 and full.added == ()
        assert {h.file for h in full.health} == {"sitzung.pdf", "kassel.txt"}
        document = load_index(index, fake_embedder).document("sitzung.pdf")
        assert document.ocr_pages == (2,) and "Orgel" in document.text and document.page_at(document.text.index("Orgel")) == 2
        # only the scanned page's new sentence was embedded; the rest came from the cache
        assert fake_embedder.passages_embedded - before == full.embedded_sentences == 1 < full.chunks
    finally:
        ocr.languages.cache_clear()
