"""Which reader handles which file suffix; every reader takes the file's bytes and returns `Extracted`."""
from __future__ import annotations

from collections.abc import Callable

from .base import Extracted
from .html import read_html
from .mail import read_eml
from .ocr import read_image
from .office import read_docx, read_odt, read_pptx
from .pdf import read_pdf
from .text import read_md, read_rtf, read_txt

READERS: dict[str, Callable[[bytes], Extracted]] = {
    ".txt": read_txt, ".md": read_md, ".html": read_html, ".htm": read_html, ".pdf": read_pdf,
    ".docx": read_docx, ".odt": read_odt, ".pptx": read_pptx, ".eml": read_eml, ".rtf": read_rtf,
    ".png": read_image, ".jpg": read_image, ".jpeg": read_image, ".tif": read_image, ".tiff": read_image,
}
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(READERS)
IMAGE_EXTENSIONS: frozenset[str] = frozenset(s for s, r in READERS.items() if r is read_image)
