"""Every format a person has: real files built with the libraries that write them, read back with titles,
pages and stable offsets; a damaged file of each new format is reported and skipped, the rest indexed."""
from __future__ import annotations

import pytest

from assistant.documents import DocumentError, extract_text, read_folder
from assistant.documents.titles import first_line, from_metadata
from assistant.records import Skipped

import builders


def read_one(folder):
    docs, skipped = read_folder(folder)
    assert skipped == []
    (doc,) = docs
    return doc


def page_text(doc, page: int) -> str:
    """Text of 1-based `page` as the page starts delimit it."""
    ends = [*doc.page_starts[1:], len(doc.text) + 2]
    return doc.text[doc.page_starts[page - 1] : ends[page - 1] - 2]


def test_pdf_pages_and_metadata_title(tmp_path):
    builders.text_pdf(tmp_path / "bericht.pdf", ["Seite eins: Gründung 1992.", "Seite zwei: 14 Schüler reisten nach Omsk.",
                                                "Page three: the budget was 5,000 euros."], title="Jahresbericht 2023")
    doc = read_one(tmp_path)
    assert doc.title == "Jahresbericht 2023"
    assert len(doc.page_starts) == 3 and doc.ocr_pages == ()
    assert page_text(doc, 2).strip() == "Seite zwei: 14 Schüler reisten nach Omsk."
    omsk = doc.text.index("Omsk")
    assert doc.page_at(omsk) == 2 and doc.page_at(0) == 1 and doc.page_at(len(doc.text) - 1) == 3
    assert doc.page_at(doc.page_starts[1] - 1) == 1  # the separator before page 2 belongs to page 1


def test_pdf_without_metadata_title_uses_its_first_line(tmp_path):
    builders.text_pdf(tmp_path / "x.pdf", ["Protokoll der Sitzung\nDer Rat tagte am Montag."])
    assert read_one(tmp_path).title == "Protokoll der Sitzung"


def test_odt_meta_title_text_and_heading(tmp_path):
    builders.odt(tmp_path / "beschluss.odt", "Ratsbeschluss Klimaschutz", "Beschluss",
                 ["Der Rat beschließt ein Klimaschutzprojekt.", "Kosten: 12.000 Euro."])
    doc = read_one(tmp_path)
    assert doc.title == "Ratsbeschluss Klimaschutz"
    assert doc.text == "Beschluss\nDer Rat beschließt ein Klimaschutzprojekt.\nKosten: 12.000 Euro."
    assert doc.page_starts == ()


def test_odt_without_meta_title_takes_its_first_heading(tmp_path):
    builders.odt(tmp_path / "a.odt", "", "Haushaltsplan 2025", ["Der Plan umfasst 3 Millionen Euro."])
    assert read_one(tmp_path).title == "Haushaltsplan 2025"


def test_pptx_one_page_per_slide_title_from_first_slide(tmp_path):
    builders.pptx(tmp_path / "vortrag.pptx", [("Schulpartnerschaft Celle–Tjumen", "Die Partnerschaft begann 2015."),
                                              ("Ergebnisse", "30 Schüler nahmen teil.")])
    doc = read_one(tmp_path)
    assert doc.title == "Schulpartnerschaft Celle–Tjumen"
    assert len(doc.page_starts) == 2
    assert page_text(doc, 2) == "Ergebnisse\n30 Schüler nahmen teil."
    assert doc.page_at(doc.text.index("30 Schüler")) == 2


def test_pptx_core_title_wins(tmp_path):
    builders.pptx(tmp_path / "v.pptx", [("Folie eins", "Text.")], title="Partnerschaftsbericht")
    assert read_one(tmp_path).title == "Partnerschaftsbericht"


def test_eml_headers_body_and_subject_title(tmp_path):
    builders.eml(tmp_path / "mail.eml", "Besuch der Delegation aus Tjumen", "Anna Müller <anna@example.org>",
                 "Tue, 14 May 2024 10:00:00 +0200", "Liebe Kolleginnen,\n\ndie Delegation kommt am 3. Juni an.\n")
    doc = read_one(tmp_path)
    assert doc.title == "Besuch der Delegation aus Tjumen"
    assert doc.text.startswith("Subject: Besuch der Delegation aus Tjumen\nFrom: Anna Müller <anna@example.org>\n")
    assert "Date: Tue, 14 May 2024 10:00:00 +0200" in doc.text
    assert doc.text.endswith("die Delegation kommt am 3. Juni an.")


def test_rtf_umlauts_and_info_title(tmp_path):
    builders.rtf(tmp_path / "protokoll.rtf", "Protokoll Städtepartnerschaft",
                 ["Die Städtepartnerschaft mit Wolgograd ruht seit 2022.", "Größere Projekte sind ausgesetzt."])
    doc = read_one(tmp_path)
    assert doc.title == "Protokoll Städtepartnerschaft"
    assert "Die Städtepartnerschaft mit Wolgograd ruht seit 2022.\nGrößere Projekte sind ausgesetzt." in doc.text


@pytest.mark.parametrize("name, html, title", [
    ("a.html", "<html><head><title>Partnerstädte</title></head><body><h1>Andere</h1><p>x</p></body></html>", "Partnerstädte"),
    ("b.html", "<body><h1>Omsk und Haldensleben</h1><p>Text.</p></body>", "Omsk und Haldensleben"),
])
def test_html_title_or_first_h1(tmp_path, name, html, title):
    (tmp_path / name).write_text(html, encoding="utf-8")
    assert read_one(tmp_path).title == title


def test_markdown_first_heading_and_text_first_line(tmp_path):
    (tmp_path / "a.md").write_text("Vorspann ohne Titel, der als Absatz weiterläuft und lang ist. " * 3 + "\n\n# Echter Titel\n\nText.\n")
    (tmp_path / "b.txt").write_text("1. Startseite\n  2. >\nBrücken über 5000 Kilometer bauen\n\nDer Text.\n")
    docs, _ = read_folder(tmp_path)
    assert [d.title for d in docs] == ["Echter Titel", "Brücken über 5000 Kilometer bauen"]


def test_title_heuristics():
    assert from_metadata("Microsoft Word - Protokoll.docx") == ""
    assert from_metadata("  Haushalt\n2024 ") == "Haushalt 2024"
    assert first_line("Ein langer erster Absatz " * 10) == ""
    assert first_line("\n\n  > \nKurz und klar\nweiter") == "Kurz und klar"


@pytest.mark.parametrize("name, data, reason", [
    ("kaputt.odt", b"PK\x03\x04 not really a zip", "corrupt or unreadable ODT: "),
    ("kaputt.pptx", b"PK\x03\x04 not really a zip", "corrupt or unreadable PPTX: "),
    ("kaputt.rtf", b"\x00\x01binary", "not an RTF file"),
    ("kaputt.eml", b"just some words without headers", "not an e-mail"),
    ("kaputt.png", b"\x89PNG\r\n\x1a\n broken", "not a readable image"),
])
def test_bad_files_of_new_formats_are_skipped_and_the_rest_indexed(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "gut.txt").write_text("Ein lesbarer Text.")
    docs, skipped = read_folder(tmp_path)
    assert [d.id for d in docs] == ["gut.txt"]
    (skip,) = skipped
    assert skip.file == name and skip.reason.startswith(reason), skip.reason
    assert "\n" not in skip.reason


def test_image_without_tesseract_needs_ocr(tmp_path, without_tesseract):
    builders.rendered_page(["Ein Brief"]).save(tmp_path / "brief.png")
    builders.scanned_pdf(tmp_path / "scan.pdf", [["Ein Brief"]])
    assert read_folder(tmp_path) == ([], [
        Skipped("brief.png", "needs OCR: install tesseract-ocr (and tesseract-ocr-deu for German)"),
        Skipped("scan.pdf", "PDF has no text layer (scanned?); needs OCR: install tesseract-ocr (and tesseract-ocr-deu for German)"),
    ])


def test_extract_text_refuses_unknown_suffix(tmp_path):
    (tmp_path / "a.xyz").write_text("x")
    with pytest.raises(DocumentError, match="unsupported file type .xyz"):
        extract_text(tmp_path / "a.xyz")
