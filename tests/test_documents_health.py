"""The health report: numbers per file and warnings for text that looks broken, empty pages and near-duplicates;
carried by `index --json` ("health", "warnings")."""
from __future__ import annotations

from assistant.documents.health import health_report, near_duplicates
from assistant.documents.base import from_pages
from assistant.pipeline import Assistant
from assistant.records import Document

GOOD = ("Die Städtepartnerschaft zwischen Celle und Tjumen besteht seit 1991. Jedes Jahr reisen Schülerinnen und "
        "Schüler in die Partnerstadt, und die Vereine laden einander zu Festen ein. ") * 3


def doc(doc_id: str, text: str, pages: list[str] | None = None, ocr: tuple[int, ...] = ()) -> Document:
    if pages is not None:
        extracted = from_pages(pages)
        return Document(doc_id, extracted.text, "x", 1, page_starts=extracted.page_starts, ocr_pages=ocr)
    return Document(doc_id, text, "x", 1)


def test_clean_text_has_numbers_and_no_warnings():
    (h,) = health_report([doc("a.txt", GOOD)])
    assert (h.file, h.pages, h.language, h.warnings) == ("a.txt", 0, "de", ())
    assert h.chars == sum(not c.isspace() for c in GOOD)


def test_broken_text_is_flagged():
    hyphenated = "\n".join(f"Die Partner-\nschaft Nummer {i} wurde ver-\nlängert." for i in range(10))
    debris = GOOD + " Die Of\ufb01ce hat (cid:12) (cid:13) (cid:14) geöffnet \ufffd\ufffd."
    warnings = {h.file: h.warnings for h in health_report([doc("h.txt", GOOD + hyphenated), doc("d.txt", debris)])}
    assert any("hyphenated across lines" in w for w in warnings["h.txt"])
    assert any("replacement characters" in w for w in warnings["d.txt"])
    assert any("ligature or font debris" in w for w in warnings["d.txt"])


def test_empty_pages_and_tiny_extractions_are_flagged():
    (h,) = health_report([doc("scan.pdf", "", pages=[GOOD, "", " ", GOOD, ""], ocr=(1, 4))])
    assert h.pages == 5 and h.ocr_pages == (1, 4)
    assert h.warnings == ("no text on pages 2-3, 5",)
    (tiny,) = health_report([doc("t.txt", "Nur ein Satz.")])
    assert tiny.warnings == ("little text extracted (11 characters)",)


def test_near_duplicates_name_each_other_but_different_files_do_not():
    long_text = GOOD + " ".join(f"Im Jahr {1950 + i} besuchte Delegation {i} den Bezirk {i % 7}." for i in range(60))
    copy = long_text.replace("Im Jahr 1990", "Im Jahr 1989")  # one sentence edited
    report = health_report([doc("b.txt", copy)], {"a.txt": long_text, "c.txt": long_text[::-1]})
    (h,) = report
    assert len(h.warnings) == 1 and h.warnings[0].startswith("near-duplicate of a.txt")


def test_index_json_carries_health_and_warnings(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(GOOD, encoding="utf-8")
    (docs / "kopie.txt").write_text(GOOD, encoding="utf-8")
    report = Assistant(docs, tmp_path / "index", fake_embedder).update().to_json()
    assert [h["file"] for h in report["health"]] == ["a.txt", "kopie.txt"]
    assert report["health"][0]["language"] == "de" and report["health"][0]["pages"] == 0
    assert {w["file"] for w in report["warnings"]} == {"a.txt", "kopie.txt"}
    assert all("near-duplicate" in w["warning"] for w in report["warnings"])


def test_near_duplicates_in_a_big_folder_with_a_shared_letterhead():
    """400 letters of the same length behind one letterhead: only the one real copy is named, and the check compares
    sketches, not every pair (a bulk index of 15k files once spent minutes here)."""
    import random

    rng = random.Random(7)
    vocabulary = [f"wort{i}" for i in range(3000)]
    head = "Stadtverwaltung Musterstadt Amt für Partnerschaften Rathausplatz 1 12345 Musterstadt. "
    letters = {f"brief{i:03}.txt": head + " ".join(rng.choice(vocabulary) for _ in range(300)) for i in range(400)}
    letters["brief400.txt"] = letters["brief123.txt"].replace(" wort", " Wort", 1)  # a copy with one word changed
    found = near_duplicates(["brief400.txt", *letters], letters)
    assert {frozenset(pair[:2]) for pair in found} == {frozenset({"brief123.txt", "brief400.txt"})}
