"""PDF: text layer per page (pypdf), pages without one rendered (pypdfium2) and OCR'd; title from metadata.

Each page's start offset is kept, so a citation names its page. A page counts as scanned when its text layer has
fewer than OCR_BELOW visible characters (a scan often carries a stray page number or a producer stamp).
"""
from __future__ import annotations

import io

import pypdf

from . import ocr, titles
from .base import DocumentError, Extracted, from_pages, short

OCR_BELOW = 20


def read_pdf(data: bytes) -> Extracted:
    reader, pages = _text_layer(data)
    scanned = [i for i, page in enumerate(pages) if len(page.strip()) < OCR_BELOW]
    ocr_pages: list[int] = []
    if scanned and ocr.available():
        for i, text in zip(scanned, _ocr_pages(data, scanned)):
            if len(text.strip()) > len(pages[i].strip()):
                pages[i] = text
                ocr_pages.append(i + 1)
    if not any(p.strip() for p in pages):
        raise DocumentError(f"PDF has no text layer (scanned?); {ocr.NEEDS_OCR}" if not ocr.available()
                            else "PDF has no text, and OCR found none")
    extracted = from_pages(pages, ocr_pages=tuple(ocr_pages))
    meta = None
    try:
        meta = reader.metadata.title if reader.metadata else None
    except Exception:  # malformed info dictionaries are common and never worth failing a file over
        meta = None
    return extracted.with_title(titles.best(titles.from_metadata(meta), text=extracted.text))


def _text_layer(data: bytes) -> tuple[pypdf.PdfReader, list[str]]:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as e:  # e.g. AES without the optional crypto library
                raise DocumentError(f"encrypted PDF cannot be opened: {short(e)}") from e
            if not opened:
                raise DocumentError("PDF is password-protected")
        return reader, [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable PDF: {short(e)}") from e


def _ocr_pages(data: bytes, indices: list[int]) -> list[str]:
    """Render the given 0-based pages at RENDER_DPI and OCR them; a page that will not render reads as empty."""
    import pypdfium2 as pdfium

    out: list[str] = []
    pdf = pdfium.PdfDocument(data)
    try:
        for i in indices:
            try:
                bitmap = pdf[i].render(scale=ocr.RENDER_DPI / 72, grayscale=True)
                out.append(ocr.ocr_image(bitmap.to_pil()))
            except DocumentError:
                raise
            except Exception:
                out.append("")
    finally:
        pdf.close()
    return out
