"""Office files: DOCX (python-docx), ODT (odfpy), PPTX (python-pptx, one page per slide).

Titles come from the file's core properties, else its first heading (Title/Heading style, ODT <text:h>,
the first slide's title placeholder), else a short first line.
"""
from __future__ import annotations

import io

from . import titles
from .base import DocumentError, Extracted, from_pages, short


def read_docx(data: bytes) -> Extracted:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _docx_blocks(document)
        meta = document.core_properties.title
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable DOCX: {short(e)}") from e
    text = "\n".join(text for text, _ in blocks)
    heading = next((t for t, style in blocks if t.strip() and style.lower().startswith(("title", "heading", "titel", "überschrift"))), None)
    return Extracted(text, titles.best(titles.from_metadata(meta), heading, text=text))


def _docx_blocks(container) -> list[tuple[str, str]]:
    """(text, style name) of paragraphs in reading order, descending into table cells (merged cells only once)."""
    from docx.table import Table

    out: list[tuple[str, str]] = []
    for block in container.iter_inner_content():
        if isinstance(block, Table):
            seen: set = set()  # a merged cell appears once per grid position; its XML element is shared
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        out.extend(_docx_blocks(cell))
        else:
            style = block.style.name if block.style is not None and block.style.name else ""
            out.append((block.text, style))
    return out


def read_odt(data: bytes) -> Extracted:
    """Paragraphs and headings in document order (lists and table cells included), each on its own line."""
    from odf import dc, teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
        lines: list[str] = []
        first_heading = None
        for element in _odt_blocks(document.text, {(TEXTNS, "p"), (TEXTNS, "h")}):
            line = teletype.extractText(element)
            lines.append(line)
            if first_heading is None and element.qname == (TEXTNS, "h") and line.strip():
                first_heading = line
        meta_titles = document.meta.getElementsByType(dc.Title) if document.meta else []
        meta = teletype.extractText(meta_titles[0]) if meta_titles else None
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable ODT: {short(e)}") from e
    text = "\n".join(lines)
    return Extracted(text, titles.best(titles.from_metadata(meta), first_heading, text=text))


def _odt_blocks(node, wanted: set[tuple[str, str]]):
    """Paragraph-level elements in document order, not descending into a paragraph (notes, frames stay inside)."""
    for child in node.childNodes:
        if getattr(child, "qname", None) in wanted:
            yield child
        elif child.nodeType == child.ELEMENT_NODE:
            yield from _odt_blocks(child, wanted)


def read_pptx(data: bytes) -> Extracted:
    """One page per slide: the slide's text frames and tables in shape order, then its notes."""
    from pptx import Presentation

    try:
        deck = Presentation(io.BytesIO(data))
        pages: list[str] = []
        slide_titles: list[str] = []
        for slide in deck.slides:
            title_shape = slide.shapes.title
            slide_titles.append(title_shape.text_frame.text if title_shape is not None and title_shape.has_text_frame else "")
            parts = [t for shape in slide.shapes for t in _shape_texts(shape)]
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                parts.append(slide.notes_slide.notes_text_frame.text)
            pages.append("\n".join(p for p in parts if p.strip()))
        meta = deck.core_properties.title
    except Exception as e:
        raise DocumentError(f"corrupt or unreadable PPTX: {short(e)}") from e
    extracted = from_pages(pages)
    first_title = next((t for t in slide_titles if t.strip()), None)
    return extracted.with_title(titles.best(titles.from_metadata(meta), first_title, text=extracted.text))


def _shape_texts(shape) -> list[str]:
    if shape.shape_type == 6:  # a group: its shapes in order (MSO_SHAPE_TYPE.GROUP)
        return [t for inner in shape.shapes for t in _shape_texts(inner)]
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        return [shape.text_frame.text]
    if getattr(shape, "has_table", False) and shape.has_table:
        return [cell.text for row in shape.table.rows for cell in row.cells]
    return []
