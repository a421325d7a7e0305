"""Find and hash the files of a documents folder; read their bytes under a size cap.

One bad file never stops the rest: it becomes a `Skipped` with a reason a user can act on. Which suffixes count
as documents is the readers' business (`readers.SUPPORTED_EXTENSIONS`); this module only walks and hashes.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from assistant.records import Skipped

from .base import DocumentError
from .readers import SUPPORTED_EXTENSIONS

MAX_FILE_BYTES: int = 20 * 1024 * 1024  # a file is held in memory whole while parsed, so cap it


@dataclass(frozen=True)
class FileEntry:
    """A file found on disk, hashed but not parsed, so unchanged files can be recognised cheaply."""

    id: str  # path relative to the docs folder, POSIX separators
    path: Path
    sha256: str
    size: int


def scan_folder(docs_dir: Path) -> tuple[list[FileEntry], list[Skipped]]:
    """Find and hash the supported files under `docs_dir`, reporting every file left out (except hidden ones)."""
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        raise FileNotFoundError(f"documents folder not found: {docs_dir}")
    files: list[FileEntry] = []
    skipped: list[Skipped] = []
    _walk(docs_dir, docs_dir.resolve(), docs_dir, files, skipped)
    return sorted(files, key=lambda f: f.id), sorted(skipped, key=lambda s: s.file)


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
        return Skipped(rel, unsupported(suffix))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Skipped(rel, _too_large())
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as e:
        return Skipped(rel, f"cannot read file: {_os_reason(e)}")
    return FileEntry(id=rel, path=path, sha256=digest, size=size)


def read_bytes(path: Path) -> bytes:
    try:
        with Path(path).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # never more than the cap, even if the file grew since the scan
    except OSError as e:
        raise DocumentError(f"cannot read file: {_os_reason(e)}") from e
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(_too_large())
    return data


def unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix}" if suffix else "unsupported file type (no extension)"


def _too_large() -> str:
    mb = MAX_FILE_BYTES / (1024 * 1024)
    return f"file is larger than {mb:g} MB" if mb >= 1 else f"file is larger than {MAX_FILE_BYTES} bytes"


def _os_reason(e: OSError) -> str:
    return (e.strerror or type(e).__name__).lower()
