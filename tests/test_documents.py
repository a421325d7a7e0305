"""Reading a documents folder: real files on disk, fixtures built in the tests themselves."""
from __future__ import annotations

import hashlib
import io
import os
import pathlib
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from hypothesis import given, settings, strategies as st

from assistant.documents import folder, readers
from assistant.documents import (
    MAX_FILE_BYTES,
    SUPPORTED_EXTENSIONS,
    DocumentError,
    FileEntry,
    extract_text,
    read_document,
    read_folder,
    scan_folder,
)
from assistant.records import Document, Skipped


def make_pdf(*pages: str) -> bytes:
    """A minimal valid PDF with one Helvetica text line per page, xref offsets computed exactly."""
    n = len(pages)
    font = 3 + 2 * n
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n)), n)]
    for i, text in enumerate(pages):
        stream = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + 2 * i, font))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def reasons(skipped: list[Skipped]) -> dict[str, str]:
    return {s.file: s.reason for s in skipped}


def read_one(path: Path) -> Document:
    entries, skipped = scan_folder(path.parent)
    assert skipped == []
    (entry,) = entries
    return read_document(entry)


# --- plain text -------------------------------------------------------------------------------

def test_interface_constants():
    assert SUPPORTED_EXTENSIONS == {".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".odt", ".pptx", ".eml", ".rtf",
                                    ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
    assert MAX_FILE_BYTES == 20 * 1024 * 1024


def test_utf8_text_is_kept_verbatim_except_line_endings(tmp_path):
    path = write(tmp_path / "a.txt", "Größe  und\r\nMaß\rEnde\n\n  eingerückt\n")
    assert extract_text(path) == "Größe  und\nMaß\nEnde\n\n  eingerückt\n"


def test_utf8_bom_is_not_part_of_the_text(tmp_path):
    path = write(tmp_path / "a.md", b"\xef\xbb\xbf# Titel\n")
    assert extract_text(path) == "# Titel\n"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    path = write(tmp_path / "a.txt", bom + "Grüße aus Köln\r\n".encode(codec))
    assert extract_text(path) == "Grüße aus Köln\n"


def test_cp1252_umlauts_fall_back(tmp_path):
    path = write(tmp_path / "a.txt", "Größe: 5 € „genau“\n".encode("cp1252"))
    assert extract_text(path) == "Größe: 5 € „genau“\n"


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path):
    path = write(tmp_path / "a.txt", b"Gr\xf6\xdfe \x81")
    assert extract_text(path) == "Größe \x81"


@pytest.mark.parametrize("junk", [b"\x00\x01\x02\x03PK\x00\x00" * 50, bytes(range(1, 32)) * 20 + b"abc"])
def test_binary_junk_in_a_txt_is_rejected(tmp_path, junk):
    path = write(tmp_path / "a.txt", junk)
    with pytest.raises(DocumentError, match=r"^not a text file \(binary content\)$"):
        extract_text(path)
    assert read_folder(tmp_path) == ([], [Skipped("a.txt", "not a text file (binary content)")])


@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n", b"\xef\xbb\xbf"])
def test_empty_file_is_skipped(tmp_path, content):
    write(tmp_path / "empty.txt", content)
    assert read_folder(tmp_path) == ([], [Skipped("empty.txt", "no text (empty file)")])


@settings(max_examples=60, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\r\t"), min_size=1),
       codec=st.sampled_from(["utf-8", "utf-16"]))
def test_any_text_round_trips(tmp_path_factory, text, codec):
    path = write(tmp_path_factory.mktemp("rt") / "a.txt", text.encode(codec))
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    if expected.strip():
        assert extract_text(path) == expected
    else:
        with pytest.raises(DocumentError, match="empty file"):
            extract_text(path)


# --- html -------------------------------------------------------------------------------------

def test_html_drops_scripts_and_separates_blocks(tmp_path):
    html = """<!DOCTYPE html><html><head><title>Titel</title><style>p { color: red }</style>
    <script>var secret = "nicht zeigen";</script></head>
    <body><!-- Kommentar --><noscript>JS fehlt</noscript><template><p>Vorlage</p></template>
    <h1>Überschrift</h1><p>Erster   Absatz,
        über zwei Zeilen.</p><p>Zweiter <b>fett</b>er Absatz.<br>Neue Zeile</p>
    <ul><li>eins</li><li>zwei</li></ul><table><tr><td>A1</td><td>B1</td></tr></table></body></html>"""
    path = write(tmp_path / "seite.html", html)
    assert extract_text(path) == (
        "Titel\n\nÜberschrift\n\nErster Absatz, über zwei Zeilen.\n\nZweiter fetter Absatz.\nNeue Zeile\n\n"
        "eins\n\nzwei\n\nA1\n\nB1"
    )


def test_html_uses_declared_charset(tmp_path):
    html = '<html><head><meta charset="windows-1252"></head><body><p>Größe „x“</p></body></html>'
    path = write(tmp_path / "a.htm", html.encode("cp1252"))
    assert extract_text(path) == "Größe „x“"


def test_html_without_declared_charset_decodes_like_text(tmp_path):
    write(tmp_path / "u.html", "<p>Größe</p>".encode("utf-8"))
    write(tmp_path / "c.html", "<p>Größe</p>".encode("cp1252"))
    assert extract_text(tmp_path / "u.html") == extract_text(tmp_path / "c.html") == "Größe"


def test_html_with_only_markup_is_empty(tmp_path):
    path = write(tmp_path / "a.html", "<html><script>x()</script><p> </p></html>")
    with pytest.raises(DocumentError, match=r"^no text \(empty file\)$"):
        extract_text(path)


# --- docx -------------------------------------------------------------------------------------

def test_docx_paragraphs_and_tables_in_reading_order(tmp_path):
    d = docx.Document()
    d.add_heading("Bericht", level=1)
    d.add_paragraph("Erster Absatz über Größe.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Kopf"
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 0).text = "links"
    table.cell(1, 1).text = "rechts"
    d.add_paragraph("Schluss.")
    d.save(tmp_path / "bericht.docx")
    expected = "Bericht\nErster Absatz über Größe.\nKopf\nlinks\nrechts\nSchluss."
    assert extract_text(tmp_path / "bericht.docx") == expected


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", b"just text"])
def test_corrupt_docx_is_skipped(tmp_path, data):
    write(tmp_path / "kaputt.docx", data)
    docs, skipped = read_folder(tmp_path)
    assert docs == []
    assert skipped[0].file == "kaputt.docx"
    assert skipped[0].reason.startswith("corrupt or unreadable DOCX: ")
    assert "\n" not in skipped[0].reason and "Traceback" not in skipped[0].reason


def test_zip_without_word_document_is_corrupt_docx(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    path = write(tmp_path / "a.docx", buf.getvalue())
    with pytest.raises(DocumentError, match=r"^corrupt or unreadable DOCX: "):
        extract_text(path)


# --- pdf --------------------------------------------------------------------------------------

def test_handwritten_pdf_fixture_is_valid():
    reader = pypdf.PdfReader(io.BytesIO(make_pdf("Hallo")), strict=True)
    assert reader.pages[0].extract_text() == "Hallo"


def test_pdf_pages_are_joined_with_blank_line(tmp_path):
    path = write(tmp_path / "a.pdf", make_pdf("Seite eins", "Seite zwei"))
    assert extract_text(path) == "Seite eins\n\nSeite zwei"


def test_pdf_without_any_text_is_skipped(tmp_path, without_tesseract):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(tmp_path / "scan.pdf", "wb") as f:
        writer.write(f)
    assert read_folder(tmp_path) == (
        [], [Skipped("scan.pdf", "PDF has no text layer (scanned?); needs OCR: install tesseract-ocr (and tesseract-ocr-deu for German)")])


@pytest.mark.parametrize("cut", [0.5, 0.2])
def test_truncated_pdf_is_skipped(tmp_path, cut):
    data = make_pdf("Hallo Welt")
    write(tmp_path / "halb.pdf", data[: int(len(data) * cut)])
    docs, skipped = read_folder(tmp_path)
    assert docs == []
    assert skipped[0].file == "halb.pdf"
    assert skipped[0].reason.startswith("corrupt or unreadable PDF: ")


def test_not_a_pdf_at_all(tmp_path):
    path = write(tmp_path / "a.pdf", b"<html>oops</html>")
    with pytest.raises(DocumentError, match=r"^corrupt or unreadable PDF: "):
        extract_text(path)


def _encrypted(user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf("Geheim")))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_encrypted_pdf_with_empty_password_is_read(tmp_path):
    path = write(tmp_path / "a.pdf", _encrypted(""))
    assert extract_text(path) == "Geheim"


def test_password_protected_pdf_is_skipped(tmp_path):
    path = write(tmp_path / "a.pdf", _encrypted("secret"))
    with pytest.raises(DocumentError, match=r"^PDF is password-protected$"):
        extract_text(path)


# --- scanning ---------------------------------------------------------------------------------

def test_document_and_entry_share_id_hash_and_size(tmp_path):
    data = "Inhalt\r\n".encode()
    doc = read_one(write(tmp_path / "a.txt", data))
    assert doc == Document(id="a.txt", text="Inhalt\n", sha256=hashlib.sha256(data).hexdigest(), size=len(data), title="Inhalt")
    (entry,), _ = scan_folder(tmp_path)
    assert entry == FileEntry("a.txt", tmp_path / "a.txt", doc.sha256, doc.size)


def test_nested_ids_use_forward_slashes_and_are_sorted(tmp_path):
    for name in ["z.txt", "sub/b.md", "sub/deeper/a.txt", "a.TXT", "sub/x.HTML"]:
        write(tmp_path / name, "<p>text</p>")
    entries, skipped = scan_folder(tmp_path)
    assert skipped == []
    assert [e.id for e in entries] == ["a.TXT", "sub/b.md", "sub/deeper/a.txt", "sub/x.HTML", "z.txt"]


def test_unsupported_extensions_are_reported(tmp_path):
    write(tmp_path / "bild.BMP", b"BM")
    write(tmp_path / "Makefile", "all:")
    write(tmp_path / "ok.txt", "ok")
    entries, skipped = scan_folder(tmp_path)
    assert [e.id for e in entries] == ["ok.txt"]
    assert skipped == [Skipped("Makefile", "unsupported file type (no extension)"),
                       Skipped("bild.BMP", "unsupported file type .bmp")]


def test_hidden_files_and_folders_are_ignored_silently(tmp_path):
    write(tmp_path / ".hidden.txt", "secret")
    write(tmp_path / ".git/config.txt", "x")
    write(tmp_path / "sub/.DS_Store", b"\x00\x01")
    write(tmp_path / "sub/ok.txt", "ok")
    docs, skipped = read_folder(tmp_path)
    assert [d.id for d in docs] == ["sub/ok.txt"]
    assert skipped == []


def test_symlinks_outside_the_folder_are_skipped(tmp_path):
    docs = tmp_path / "docs"
    write(tmp_path / "outside.txt", "geheim")
    write(tmp_path / "outside_dir/x.txt", "geheim")
    write(docs / "inside.txt", "innen")
    (docs / "leak.txt").symlink_to(tmp_path / "outside.txt")
    (docs / "leakdir").symlink_to(tmp_path / "outside_dir")
    (docs / "alias.txt").symlink_to(docs / "inside.txt")
    (docs / "loop").symlink_to(docs)  # inside, a directory: not followed, so no infinite walk
    (docs / "dangling.txt").symlink_to(docs / "missing.txt")
    entries, skipped = scan_folder(docs)
    assert [e.id for e in entries] == ["alias.txt", "inside.txt"]
    assert skipped == [Skipped("dangling.txt", "broken symlink"),
                       Skipped("leak.txt", "symlink points outside the documents folder"),
                       Skipped("leakdir", "symlink points outside the documents folder")]


def test_too_large_file_is_skipped_without_reading_it(tmp_path):
    with open(tmp_path / "huge.txt", "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk and is never read
    write(tmp_path / "exact.txt", "x")
    entries, skipped = scan_folder(tmp_path)
    assert [e.id for e in entries] == ["exact.txt"]
    assert skipped == [Skipped("huge.txt", "file is larger than 20 MB")]


def test_size_limit_is_checked_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setattr(folder, "MAX_FILE_BYTES", 10)
    write(tmp_path / "small.txt", "0123456789")
    write(tmp_path / "big.txt", "0123456789A")
    docs, skipped = read_folder(tmp_path)
    assert [d.text for d in docs] == ["0123456789"]
    assert skipped == [Skipped("big.txt", "file is larger than 10 bytes")]


def test_file_that_grew_after_scan_is_still_bounded(tmp_path, monkeypatch):
    path = write(tmp_path / "a.txt", "klein")
    (entry,), _ = scan_folder(tmp_path)
    monkeypatch.setattr(folder, "MAX_FILE_BYTES", 10)
    write(path, "jetzt viel zu groß")
    with pytest.raises(DocumentError, match="larger than 10 bytes"):
        read_document(entry)


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    write(tmp_path / "locked.txt", "x")
    write(tmp_path / "ok.txt", "ok")
    real_open = pathlib.Path.open

    def deny(self, *args, **kwargs):  # simulates chmod 000, which root (e.g. in CI containers) ignores
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", deny)
    docs, skipped = read_folder(tmp_path)
    assert [d.id for d in docs] == ["ok.txt"]
    assert skipped == [Skipped("locked.txt", "cannot read file: permission denied")]
    with pytest.raises(DocumentError, match="^cannot read file: permission denied$"):
        extract_text(tmp_path / "locked.txt")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_skipped_chmod(tmp_path):
    write(tmp_path / "locked.txt", "x").chmod(0)
    assert scan_folder(tmp_path) == ([], [Skipped("locked.txt", "cannot read file: permission denied")])


def test_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="documents folder not found: .*nope"):
        scan_folder(tmp_path / "nope")
    write(tmp_path / "file.txt", "x")
    with pytest.raises(FileNotFoundError, match="documents folder not found"):
        read_folder(tmp_path / "file.txt")


def test_extract_text_rejects_unsupported_extension(tmp_path):
    with pytest.raises(DocumentError, match=r"^unsupported file type \.csv$"):
        extract_text(write(tmp_path / "a.csv", "a,b"))


def test_unexpected_parser_error_becomes_a_short_reason(tmp_path, monkeypatch):
    def boom(data: bytes) -> str:
        raise ValueError("odd internal failure\n  with a second line")

    monkeypatch.setitem(readers.READERS, ".md", boom)
    with pytest.raises(DocumentError, match=r"^could not read MD file: odd internal failure$"):
        extract_text(write(tmp_path / "a.md", "x"))


# --- the whole folder -------------------------------------------------------------------------

def test_read_folder_indexes_good_files_and_reports_bad_ones(tmp_path):
    write(tmp_path / "notes.txt", "Größe zählt.")
    write(tmp_path / "de/seite.html", "<p>Hallo</p><p>Welt</p>")
    write(tmp_path / "de/bericht.pdf", make_pdf("Jahresbericht"))
    protokoll = docx.Document()
    protokoll.add_paragraph("Protokoll")
    protokoll.save(tmp_path / "de/protokoll.docx")
    write(tmp_path / "de/kaputt.pdf", b"%PDF-1.4 garbage")
    write(tmp_path / "leer.md", "")
    write(tmp_path / "daten.xlsx", b"PK")
    write(tmp_path / ".versteckt.txt", "nie")
    docs, skipped = read_folder(tmp_path)
    assert {d.id: d.text for d in docs} == {
        "de/bericht.pdf": "Jahresbericht",
        "de/protokoll.docx": "Protokoll",
        "de/seite.html": "Hallo\n\nWelt",
        "notes.txt": "Größe zählt.",
    }
    assert [d.id for d in docs] == sorted(d.id for d in docs)
    got = reasons(skipped)
    assert list(got) == ["daten.xlsx", "de/kaputt.pdf", "leer.md"]
    assert got["daten.xlsx"] == "unsupported file type .xlsx"
    assert got["de/kaputt.pdf"].startswith("corrupt or unreadable PDF: ")
    assert got["leer.md"] == "no text (empty file)"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX fifos")
def test_fifo_is_reported_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block forever
    assert scan_folder(tmp_path) == ([], [Skipped("pipe.txt", "not a regular file")])
