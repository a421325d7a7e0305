"""Read a folder of documents (txt, md, html, pdf, docx) into `Document` records.

One bad file never stops the rest: it becomes a `Skipped` with a reason a user can act on.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pypdf
from bs4 import BeautifulSoup, NavigableString
from bs4.dammit import EncodingDetector
from docx.table import Table

from assistant.records import Document, Skipped

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
MAX_FILE_BYTES: int = 20 * 1024 * 1024  # a file is held in memory whole while parsed, so cap it


@dataclass(frozen=True)
class FileEntry:
    """A file found on disk, hashed but not parsed, so unchanged files can be recognised cheaply."""

    id: str  # path relative to the docs folder, POSIX separators
    path: Path
    sha256: str
    size: int


class DocumentError(Exception):
    """Why a file can't be read; the message is shown to the user as is."""


def scan_folder(docs_dir: Path) -> tuple[list[FileEntry], list[Skipped]]:
    """Find and hash the supported files under `docs_dir`, reporting every file left out (except hidden ones)."""
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        raise FileNotFoundError(f"documents folder not found: {docs_dir}")
    files: list[FileEntry] = []
    skipped: list[Skipped] = []
    _walk(docs_dir, docs_dir.resolve(), docs_dir, files, skipped)
    return sorted(files, key=lambda f: f.id), sorted(skipped, key=lambda s: s.file)


def read_document(entry: FileEntry) -> Document:
    """Extract one file's text; hash the bytes actually parsed so text and hash always belong together."""
    data = _read_bytes(entry.path)
    text = _extract(data, entry.path.suffix.lower())
    return Document(id=entry.id, text=text, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def extract_text(path: Path) -> str:
    """The text of one file, chosen by its extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise DocumentError(_unsupported(suffix))
    return _extract(_read_bytes(path), suffix)


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


# --- scanning ---------------------------------------------------------------------------------

def _walk(root: Path, real_root: Path, folder: Path, files: list[FileEntry], skipped: list[Skipped]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as e:
        if folder == root:
            raise
        skipped.append(Skipped(folder.relative_to(root).as_posix(), f"cannot read folder: {_os_reason(e)}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        rel = path.relative_to(root).as_posix()
        if entry.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):  # missing target or a symlink loop
                skipped.append(Skipped(rel, "broken symlink"))
                continue
            if not target.is_relative_to(real_root):
                skipped.append(Skipped(rel, "symlink points outside the documents folder"))
                continue
            if target.is_dir():
                continue  # its files are scanned at their real place; not following also avoids loops
        if entry.is_dir(follow_symlinks=False):
            _walk(root, real_root, path, files, skipped)
        elif entry.is_file():
            found = _check_file(path, rel)
            (files if isinstance(found, FileEntry) else skipped).append(found)
        else:
            skipped.append(Skipped(rel, "not a regular file"))  # fifo, socket, device: reading could block


def _check_file(path: Path, rel: str) -> FileEntry | Skipped:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        return Skipped(rel, _unsupported(suffix))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Skipped(rel, _too_large())
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as e:
        return Skipped(rel, f"cannot read file: {_os_reason(e)}")
    return FileEntry(id=rel, path=path, sha256=digest, size=size)


def _read_bytes(path: Path) -> bytes:
    try:
        with Path(path).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # never more than the cap, even if the file grew since the scan
    except OSError as e:
        raise DocumentError(f"cannot read file: {_os_reason(e)}") from e
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(_too_large())
    return data


def _unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"


def _too_large() -> str:
    mb = MAX_FILE_BYTES / (1024 * 1024)
    return f"file is larger than {mb:g} MB" if mb >= 1 else f"file is larger than {MAX_FILE_BYTES} bytes"


def _os_reason(e: OSError) -> str:
    return (e.strerror or type(e).__name__).lower()


def _short(e: BaseException) -> str:
    """One line of an exception for the user: no traceback, no multi-line dumps."""
    lines = str(e).strip().splitlines()
    return (lines[0] if lines else type(e).__name__)[:120]


# --- extraction -------------------------------------------------------------------------------

def _extract(data: bytes, suffix: str) -> str:
    try:
        text = _PARSERS[suffix](data)
    except DocumentError:
        raise
    except Exception as e:  # parsers fail in many ways on odd files; the user gets a reason, not a traceback
        raise DocumentError(f"could not read {suffix.lstrip('.').upper()} file: {_short(e)}") from e
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError("no text (empty file)")
    return text


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13} | {127}  # control bytes real text almost never holds


def _decode_text(data: bytes) -> str:
    """BOM, else UTF-8, else (unless it is binary) the Windows codepage German files usually come in."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    sample = data[:65536]
    if b"\x00" in sample or sum(b in _CONTROL for b in sample) > 0.05 * len(sample):
        raise DocumentError("not a text file (binary content)")
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 maps every byte


_DROP_TAGS = ["script", "style", "noscript", "template"]
_BLOCK_TAGS = (
    "address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead title tr ul"
).split()


def _html(data: bytes) -> str:
    soup = BeautifulSoup(_decode_html(data), "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for node in soup.find_all(string=True):
        if type(node) is NavigableString and not node.find_parent(["pre", "textarea"]):  # not comments
            node.replace_with(re.sub(r"\s+", " ", node))  # source line breaks are not text line breaks
    for tag in soup.find_all(_BLOCK_TAGS):  # a newline on each side keeps "<p>a</p><p>b</p>" from gluing to "ab"
        tag.insert_before("\n")
        tag.insert_after("\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    text = re.sub(r" *\n *", "\n", soup.get_text())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _decode_html(data: bytes) -> str:
    """Use the charset the page declares; a BOM or an unknown charset falls back to text decoding."""
    has_bom = data.startswith(tuple(bom for bom, _ in _BOMS))
    declared = None if has_bom else EncodingDetector.find_declared_encoding(data, is_html=True)
    try:
        codec = codecs.lookup(declared).name if declared else None
    except LookupError:
        codec = None
    if codec is None or codec.startswith("utf-16"):  # a BOM-less page that says utf-16 is in fact ASCII-compatible
        return _decode_text(data)
    if codec in ("iso8859-1", "ascii"):
        codec = "cp1252"  # what browsers do: such pages routinely contain cp1252 quotes and dashes
    return data.decode(codec, errors="replace")


def _pdf(data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as e:  # e.g. AES without the optional crypto library
                raise DocumentError(f"encrypted PDF cannot be opened: {_short(e)}") from e
            if not opened:
                raise DocumentError("PDF is password-protected")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable PDF: {_short(e)}") from e
    if not any(p.strip() for p in pages):
        raise DocumentError("PDF has no text layer (scanned?); OCR is not supported")
    return "\n\n".join(pages)


def _docx(data: bytes) -> str:
    try:
        return "\n".join(_docx_blocks(docx.Document(io.BytesIO(data))))
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable DOCX: {_short(e)}") from e


def _docx_blocks(container) -> list[str]:
    """Paragraph texts in reading order, descending into table cells (merged cells only once)."""
    out: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen: set = set()  # a merged cell appears once per grid position; its XML element is shared
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        out.extend(_docx_blocks(cell))
        else:
            out.append(block.text)
    return out


_PARSERS: dict[str, Callable[[bytes], str]] = {
    ".txt": _decode_text, ".md": _decode_text, ".html": _html, ".htm": _html, ".pdf": _pdf, ".docx": _docx,
}
assert set(_PARSERS) == SUPPORTED_EXTENSIONS
