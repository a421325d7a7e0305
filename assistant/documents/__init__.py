"""Read a folder of documents into `Document` records: text with stable offsets, title, pages, OCR'd pages.

Formats: txt, md, html, pdf (text layer, else OCR), docx, odt, pptx (a page per slide), eml, rtf, and scans as
png/jpg/tif (OCR). One bad file never stops the rest: it becomes a `Skipped` with a reason a user can act on.

    folder.py   walk + hash the folder (what changed is decided from hashes, before any parsing)
    readers.py  suffix → reader; text.py, html.py, pdf.py, office.py, mail.py, ocr.py hold the readers
    titles.py   title heuristics shared by the readers
    health.py   warnings about text that looks broken, empty or duplicated
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.records import Document, Skipped

from . import folder, readers, titles
from .base import DocumentError, Extracted, normalise_newlines, short
from .folder import MAX_FILE_BYTES, FileEntry, scan_folder
from .readers import IMAGE_EXTENSIONS, SUPPORTED_EXTENSIONS

__all__ = [
    "SUPPORTED_EXTENSIONS", "IMAGE_EXTENSIONS", "MAX_FILE_BYTES", "DocumentError", "Extracted", "FileEntry",
    "scan_folder", "read_document", "extract", "extract_text", "read_folder",
]


def extract(data: bytes, suffix: str, name: str = "") -> Extracted:
    """Run the reader for `suffix`; any parser failure becomes a DocumentError with a one-line reason.

    `name` is the file's name: a title that merely repeats it (tools stamp it into metadata) is replaced."""
    reader = readers.READERS.get(suffix)
    if reader is None:
        raise DocumentError(folder.unsupported(suffix))
    try:
        extracted = reader(data)
    except DocumentError:
        raise
    except Exception as e:  # parsers fail in many ways on odd files; the user gets a reason, not a traceback
        raise DocumentError(f"could not read {suffix.lstrip('.').upper()} file: {short(e)}") from e
    if not extracted.page_starts:  # paged readers normalised each page already; their offsets must not move
        extracted = Extracted(normalise_newlines(extracted.text), extracted.title)
    if not extracted.text.strip():
        raise DocumentError("no text (empty file)")
    if name and extracted.title.lower() in (name.lower(), Path(name).stem.lower()):
        extracted = extracted.with_title(titles.first_line(extracted.text))
    return extracted


def read_document(entry: FileEntry) -> Document:
    """Extract one file; hash the bytes actually parsed so text and hash always belong together."""
    data = folder.read_bytes(entry.path)
    found = extract(data, entry.path.suffix.lower(), entry.path.name)
    return Document(id=entry.id, text=found.text, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    title=found.title, page_starts=found.page_starts, ocr_pages=found.ocr_pages)


def extract_text(path: Path) -> str:
    """The text of one file, chosen by its extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise DocumentError(folder.unsupported(suffix))
    return extract(folder.read_bytes(path), suffix).text


def read_folder(docs_dir: Path) -> tuple[list[Document], list[Skipped]]:
    """Scan and read every file; a file that fails joins the skipped list instead of raising."""
    entries, skipped = scan_folder(docs_dir)
    documents: list[Document] = []
    for entry in entries:
        try:
            documents.append(read_document(entry))
        except DocumentError as e:
            skipped.append(Skipped(entry.id, str(e)))
    return documents, sorted(skipped, key=lambda s: s.file)
