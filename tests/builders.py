"""Real files of every supported format, built on disk by the libraries people make them with (no mocks)."""
from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from bench.ocr import FONT, rendered_page


def text_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    """A PDF with a real text layer (fpdf2, embedded TTF so umlauts survive), one string per page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_font("dejavu", size=12)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path, pages: list[list[str]]) -> Path:
    """An image-only PDF (no text layer at all), one rendered page per list of lines."""
    images = [rendered_page(lines) for lines in pages]
    images[0].save(path, "PDF", resolution=300, save_all=True, append_images=images[1:])
    return path


def text_and_scanned_pdf(path: Path, text_pages: list[str], scanned_pages: list[list[str]]) -> Path:
    """A PDF whose first pages have a text layer and whose last ones are image-only scans (as a scanner appends them)."""
    from pypdf import PdfReader, PdfWriter

    text_part, scan_part = path.with_name(path.stem + ".text.tmp"), path.with_name(path.stem + ".scan.tmp")
    text_pdf(text_part, text_pages)
    scanned_pdf(scan_part, scanned_pages)
    writer = PdfWriter()
    for part in (text_part, scan_part):
        for page in PdfReader(part).pages:
            writer.add_page(page)
    with open(path, "wb") as fh:
        writer.write(fh)
    text_part.unlink()
    scan_part.unlink()
    return path


def odt(path: Path, title: str, heading: str, paragraphs: list[str]) -> Path:
    from odf import dc, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text=title))
    document.text.addElement(text.H(outlinelevel=1, text=heading))
    for paragraph in paragraphs:
        document.text.addElement(text.P(text=paragraph))
    document.save(str(path))
    return path


def pptx(path: Path, slides: list[tuple[str, str]], title: str | None = None) -> Path:
    """One slide per (title, body)."""
    from pptx import Presentation

    deck = Presentation()
    layout = deck.slide_layouts[1]  # "Title and Content"
    for slide_title, body in slides:
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = slide_title
        slide.placeholders[1].text = body
    if title:
        deck.core_properties.title = title
    deck.save(str(path))
    return path


def eml(path: Path, subject: str, sender: str, date: str, body: str) -> Path:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = "rathaus@example.org"
    message["Date"] = date
    message.set_content(body)
    path.write_bytes(bytes(message))
    return path


def rtf(path: Path, title: str, paragraphs: list[str]) -> Path:
    """RTF as word processors write it: cp1252 text with \\'xx escapes for umlauts, an \\info title."""
    def escape(s: str) -> str:
        return "".join(c if ord(c) < 128 else f"\\'{c.encode('cp1252')[0]:02x}" for c in s)

    body = "".join(f"{escape(p)}\\par\n" for p in paragraphs)
    path.write_bytes(("{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Times New Roman;}}"
                      f"{{\\info{{\\title {escape(title)}}}}}\n\\f0\\fs24 {body}}}").encode("ascii"))
    return path
