"""Plain text, Markdown and RTF: decode bytes the way German files usually come, take a title from the text."""
from __future__ import annotations

import codecs
import re

from . import titles
from .base import DocumentError, Extracted, normalise_newlines

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13} | {127}  # control bytes real text almost never holds
_MD_HEADING = re.compile(r"^#{1,2}\s+(.+?)\s*#*\s*$", re.M)


def decode_text(data: bytes) -> str:
    """BOM, else UTF-8, else (unless it is binary) the Windows codepage German files usually come in."""
    for bom, codec in BOMS:
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


def read_txt(data: bytes) -> Extracted:
    text = normalise_newlines(decode_text(data))
    return Extracted(text, titles.first_line(text))


def read_md(data: bytes) -> Extracted:
    """Markdown stays as written (offsets are into the source); its first `#`/`##` heading is the title."""
    text = normalise_newlines(decode_text(data))
    heading = _MD_HEADING.search(text)
    return Extracted(text, titles.best(heading.group(1) if heading else None, text=text))


_RTF_TITLE = re.compile(rb"\{\\title\s+((?:[^{}\\]|\\[^a-z]|\\[a-z]+-?\d* ?)*)\}")


def read_rtf(data: bytes) -> Extracted:
    """striprtf turns the RTF into its visible text (\\'xx and \\u escapes resolved, control words dropped)."""
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise DocumentError("not an RTF file (no {\\rtf header)")
    source = data.decode("latin-1")  # RTF is 7-bit; escapes carry the rest, so this never loses a byte
    codepage = re.search(r"\\ansicpg(\d+)", source)
    encoding = f"cp{codepage.group(1)}" if codepage else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    text = normalise_newlines(rtf_to_text(source, encoding=encoding, errors="replace"))
    meta = _RTF_TITLE.search(data)
    meta_title = rtf_to_text("{\\rtf1 " + meta.group(1).decode("latin-1") + "}", encoding=encoding, errors="replace") if meta else ""
    return Extracted(text, titles.best(titles.from_metadata(meta_title), text=text))
