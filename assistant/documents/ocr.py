"""Optical character recognition with Tesseract, for scanned PDF pages and image files.

Tesseract is a system program (Debian: tesseract-ocr, tesseract-ocr-deu, tesseract-ocr-eng; `make setup` installs
it). Without it a file that needs OCR is skipped with "needs OCR: install tesseract-ocr", never an error. It is run
directly (image on stdin, text on stdout) rather than through pytesseract, so it gets its own environment:
OMP_THREAD_LIMIT=1 halved the time per page on the busy 2-core machine (6.2 -> 3.3 s), and setting it for the whole
process would also have throttled the embedding engine's OpenMP threads.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import lru_cache

from . import titles
from .base import DocumentError, Extracted, from_pages

NEEDS_OCR = "needs OCR: install tesseract-ocr (and tesseract-ocr-deu for German)"
RENDER_DPI = 300  # Tesseract is trained on ~300 dpi scans; less loses umlauts and small print
MAX_IMAGE_PIXELS = 60_000_000  # a decompression bomb guard: an A4 page at 600 dpi is ~35 Mpx
PAGE_TIMEOUT_S = 300


@lru_cache(maxsize=1)
def languages() -> str | None:
    """'deu+eng' (or whichever of them is installed), or None when Tesseract is missing."""
    if shutil.which("tesseract") is None:
        return None
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):  # a broken install behaves like a missing one
        return None
    installed = {line.strip() for line in listed.stdout.splitlines()[1:] if line.strip()}
    wanted = [lang for lang in ("deu", "eng") if lang in installed] or sorted(installed - {"osd"})[:1]
    return "+".join(wanted) or None


def available() -> bool:
    return languages() is not None


def ocr_image(image) -> str:
    """Text of one PIL image; raises DocumentError(NEEDS_OCR) when Tesseract is not installed."""
    langs = languages()
    if langs is None:
        raise DocumentError(NEEDS_OCR)
    png = io.BytesIO()
    image.convert("L").save(png, "PNG")
    try:  # --psm 3: automatic page segmentation (columns, headings)
        done = subprocess.run(["tesseract", "stdin", "stdout", "-l", langs, "--psm", "3"], input=png.getvalue(),
                              capture_output=True, timeout=PAGE_TIMEOUT_S, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired as e:
        raise DocumentError(f"OCR took longer than {PAGE_TIMEOUT_S} s for one page") from e
    if done.returncode != 0:
        raise DocumentError(f"OCR failed: {(done.stderr.decode(errors='replace').strip().splitlines() or ['?'])[-1][:120]}")
    return _tidy(done.stdout.decode("utf-8", errors="replace"))


def _tidy(text: str) -> str:
    """Tesseract ends pages with a form feed and pads lines; keep paragraphs, drop that noise."""
    lines = [line.rstrip() for line in text.replace("\f", "").splitlines()]
    out = "\n".join(lines).strip()
    while "\n\n\n" in out:
        out = out.replace("\n\n\n", "\n\n")
    return out


def read_image(data: bytes) -> Extracted:
    """PNG/JPEG/TIFF scans: every frame is a page, all of them OCR'd."""
    from PIL import Image, ImageSequence

    if languages() is None:
        raise DocumentError(NEEDS_OCR)
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except Exception as e:
        raise DocumentError(f"not a readable image: {type(e).__name__}") from e
    pages = [ocr_image(frame) for frame in frames]
    extracted = from_pages(pages, ocr_pages=tuple(range(1, len(pages) + 1)))
    return extracted.with_title(titles.first_line(extracted.text))
