"""OCR with the real Tesseract (make setup installs tesseract-ocr + deu + eng): a German page rendered with a
TrueType font, as an image-only PDF and as a PNG, must come back with ≥ 95 % character accuracy."""
from __future__ import annotations

from assistant.documents import ocr, read_folder
from bench.ocr import GERMAN_PAGE, char_accuracy

import builders


def test_tesseract_with_german_is_installed():
    assert ocr.languages() is not None and "deu" in ocr.languages(), "run `make setup` (installs tesseract-ocr-deu)"


def test_scanned_pdf_is_read_page_by_page_with_german_accuracy(tmp_path):
    builders.scanned_pdf(tmp_path / "niederschrift.pdf", [GERMAN_PAGE, ["Seite 2", "", "Die Sitzung endete um 21 Uhr."]])
    docs, skipped = read_folder(tmp_path)
    assert skipped == []
    (doc,) = docs
    assert doc.ocr_pages == (1, 2) and len(doc.page_starts) == 2
    first_page = doc.text[: doc.page_starts[1]]
    assert char_accuracy("\n".join(GERMAN_PAGE), first_page) >= 0.95
    assert doc.page_at(doc.text.index("21 Uhr")) == 2
    assert doc.title.replace("–", "-") == "Stadt Musterhausen - Niederschrift der Ratssitzung"  # OCR may read – as -


def test_pdf_with_text_and_scanned_pages_ocrs_only_the_scan(tmp_path):
    from pypdf import PdfReader, PdfWriter

    builders.text_pdf(tmp_path / "text.pdf", ["Seite eins hat eine echte Textebene mit genug Zeichen."])
    builders.scanned_pdf(tmp_path / "scan.pdf", [["Seite zwei ist eingescannt worden."]])
    writer = PdfWriter()
    for part in ("text.pdf", "scan.pdf"):
        for page in PdfReader(tmp_path / part).pages:
            writer.add_page(page)
    (tmp_path / "text.pdf").unlink()
    (tmp_path / "scan.pdf").unlink()
    with open(tmp_path / "gemischt.pdf", "wb") as f:
        writer.write(f)
    (doc,), _ = read_folder(tmp_path)
    assert doc.ocr_pages == (2,)
    assert doc.page_at(doc.text.index("eingescannt")) == 2


def test_png_scan_is_ocrd(tmp_path):
    builders.rendered_page(GERMAN_PAGE).save(tmp_path / "brief.png")
    (doc,), _ = read_folder(tmp_path)
    assert doc.ocr_pages == (1,)
    assert char_accuracy("\n".join(GERMAN_PAGE), doc.text) >= 0.95


def test_char_accuracy():
    assert char_accuracy("Größe", "Größe") == 1.0
    assert char_accuracy("Größe", "Grosse") == 1 - 3 / 5  # ö→o, ß→s, one s inserted
    assert char_accuracy("a  b\nc", "a b c") == 1.0  # line breaks and spacing are not errors
