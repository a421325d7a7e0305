"""Put uploaded files into the documents folder safely, and delete documents from it.

Every upload is untrusted: its name is reduced to one plain file name (no folders, no `..`, no absolute
path, no hidden file, no control characters), its type must be one the readers support, its size is
capped while copying, and it never replaces another document unless the caller asked for that. The copy
is written to a hidden temporary file first (the indexer ignores hidden files) and then linked into place,
so a half-written upload is never indexed and two uploads of the same name cannot clobber each other.

No Gradio here: the UI passes (temporary path, original name) pairs, shows the returned messages and indexes what
was saved right away; the messages therefore say only what happened to the file.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Literal

from .documents import SUPPORTED_EXTENSIONS

MAX_NAME_BYTES = 200  # well below the 255-byte limit of common file systems, leaving room for " (2)"-style edits
_PART_PREFIX = ".upload-"
_PART_MAX_AGE = 3600.0  # seconds after which a leftover partial upload (from a crash) is removed
_COPY_BLOCK = 1 << 20
_UNSAFE = re.compile(r"[^\w\-.,()+ ]")  # \w is Unicode-aware: umlauts and other letters stay

Status = Literal["added", "replaced", "unchanged", "refused"]


class UploadRefused(ValueError):
    """An upload or deletion we decline; the message is shown to the user as is."""


@dataclass(frozen=True)
class UploadResult:
    """What happened to one uploaded file, in words a user can act on."""

    original: str  # the name the browser sent (display only; never used as a path)
    saved_as: str | None  # the file name inside the documents folder, when something was written or kept
    status: Status
    message: str


def allowed_extensions() -> list[str]:
    return sorted(SUPPORTED_EXTENSIONS)


def _human_mb(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{max_bytes} bytes"


def safe_filename(name: str) -> str:
    """Reduce an untrusted name to one safe, visible file name with a supported extension, or refuse.

    Only the last path component survives (either slash), so `../../etc/x.txt` and `C:\\x.txt` become
    `x.txt`; leading dots are dropped so nothing becomes hidden; unusual characters become `_`.
    """
    name = unicodedata.normalize("NFC", str(name))
    name = "".join(" " if unicodedata.category(c).startswith("C") else c for c in name)
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    name = name.lstrip("._- ")  # no hidden files, no names that look like command-line options
    stem, dot, ext = name.rpartition(".")
    if not dot:
        raise UploadRefused(f"unsupported file type (no extension); allowed: {', '.join(allowed_extensions())}")
    ext = "." + ext.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise UploadRefused(f"unsupported file type {ext}; allowed: {', '.join(allowed_extensions())}")
    stem = stem.strip(" .")
    if not stem or not any(c.isalnum() for c in stem):
        raise UploadRefused("the file name has no usable characters; rename the file and upload it again")
    while len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1].rstrip(" .")
    return stem + ext


def check_size(size: int, max_bytes: int) -> None:
    if size <= 0:
        raise UploadRefused("the file is empty")
    if size > max_bytes:
        raise UploadRefused(f"the file is larger than the upload limit of {_human_mb(max_bytes)}")


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _copy_capped(source: Path, target: Path, max_bytes: int) -> None:
    """Copy at most `max_bytes`; refuse (and leave nothing behind) if the source turns out larger."""
    written = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while block := src.read(_COPY_BLOCK):
                written += len(block)
                if written > max_bytes:
                    raise UploadRefused(f"the file is larger than the upload limit of {_human_mb(max_bytes)}")
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        if written == 0:
            raise UploadRefused("the file is empty")
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _remove_stale_parts(docs_dir: Path) -> None:
    now = time.time()
    for part in docs_dir.glob(f"{_PART_PREFIX}*"):
        try:
            if now - part.lstat().st_mtime > _PART_MAX_AGE:
                part.unlink()
        except OSError:
            pass


def save_upload(source: Path, original_name: str, docs_dir: Path, max_bytes: int, replace: bool = False) -> UploadResult:
    """Copy one uploaded file into `docs_dir` under a safe name; never raises for a bad upload, refuses instead."""
    shown = str(original_name)
    try:
        name = safe_filename(shown)
        docs_root = Path(docs_dir)
        if not docs_root.is_dir():
            raise UploadRefused(f"the documents folder {docs_root} does not exist")
        try:
            check_size(Path(source).stat().st_size, max_bytes)
        except OSError as err:
            raise UploadRefused("the uploaded file could not be read") from err
        target = docs_root / name
        if target.resolve().parent != docs_root.resolve():  # belt and braces: a safe name has no folders
            raise UploadRefused("refused: the file would land outside the documents folder")
        _remove_stale_parts(docs_root)
        part = docs_root / f"{_PART_PREFIX}{secrets.token_hex(8)}.part"
        _copy_capped(Path(source), part, max_bytes)
        try:
            return _place(part, target, shown, name, replace)
        finally:
            part.unlink(missing_ok=True)
    except UploadRefused as err:
        return UploadResult(shown, None, "refused", str(err))


def _renamed_note(original: str, name: str) -> str:
    return f" (saved as {name})" if original != name else ""


def _place(part: Path, target: Path, original: str, name: str, replace: bool) -> UploadResult:
    note = _renamed_note(original, name)
    try:
        os.link(part, target)  # atomic and never overwrites: fails if the name is taken
        return UploadResult(original, name, "added", f"added{note}")
    except FileExistsError:
        pass
    except OSError:
        # file systems without hard links: fall back to an existence check followed by a rename
        if not os.path.lexists(target):
            os.replace(part, target)
            return UploadResult(original, name, "added", f"added{note}")
    info = target.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise UploadRefused(f"refused: {name} exists in the documents folder and is not a regular file")
    if _sha256(target) == _sha256(part):
        return UploadResult(original, name, "unchanged", f"an identical {name} is already in the documents folder; nothing to do")
    if not replace:
        raise UploadRefused(
            f"a different document named {name} already exists; tick “replace documents with the same name” "
            "to overwrite it, or rename the file"
        )
    os.replace(part, target)
    return UploadResult(original, name, "replaced", f"replaced the existing {name}{note}")


def save_uploads(
    files: Iterable[tuple[Path, str]], docs_dir: Path, max_bytes: int, replace: bool = False
) -> list[UploadResult]:
    """Save each (temporary path, original name) pair; one refused file never stops the others."""
    results: list[UploadResult] = []
    taken: set[str] = set()
    for source, original in files:
        result = save_upload(source, original, docs_dir, max_bytes, replace)
        if result.saved_as and result.saved_as in taken and result.status != "unchanged":
            result = UploadResult(original, result.saved_as, result.status, result.message + " (two uploads had this name; the later one won)")
        if result.saved_as:
            taken.add(result.saved_as)
        results.append(result)
    return results


def document_path(docs_dir: Path, doc_id: str) -> Path:
    """The file behind a document id (a relative POSIX path), refusing anything that could leave `docs_dir`."""
    if not doc_id or "\x00" in doc_id or "\\" in doc_id:
        raise UploadRefused("refused: not a document name")
    rel = PurePosixPath(doc_id)
    if rel.is_absolute() or any(part in ("", ".", "..") or part.startswith(".") for part in rel.parts):
        raise UploadRefused(f"refused: {doc_id} is not a document in the documents folder")
    root = Path(docs_dir).resolve()
    path = root.joinpath(*rel.parts)
    if path.parent.resolve() != root.joinpath(*rel.parts[:-1]):  # a symlinked folder on the way out
        raise UploadRefused(f"refused: {doc_id} is not a document in the documents folder")
    return path


def delete_document(docs_dir: Path, doc_id: str) -> str:
    """Remove one document file (a symlink is removed, never its target); returns a message for the user."""
    path = document_path(docs_dir, doc_id)
    try:
        info = path.lstat()
    except FileNotFoundError as err:
        raise UploadRefused(f"{doc_id} is no longer in the documents folder") from err
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise UploadRefused(f"refused: {doc_id} is not a file")
    path.unlink()
    return f"deleted {doc_id}"


__all__ = [
    "UploadRefused",
    "UploadResult",
    "allowed_extensions",
    "check_size",
    "delete_document",
    "document_path",
    "safe_filename",
    "save_upload",
    "save_uploads",
]
