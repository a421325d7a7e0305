"""HTML: visible text with block elements on their own lines; <title> (or the first <h1>) is the title."""
from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, NavigableString
from bs4.dammit import EncodingDetector

from . import titles
from .base import Extracted
from .text import BOMS, decode_text

_DROP_TAGS = ["script", "style", "noscript", "template"]
_BLOCK_TAGS = (
    "address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead title tr ul"
).split()


def read_html(data: bytes) -> Extracted:
    soup = BeautifulSoup(_decode_html(data), "html.parser")
    head_title = soup.title.get_text() if soup.title else None
    h1 = soup.find("h1")
    title = titles.best(head_title, h1.get_text() if h1 else None)
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
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return Extracted(text, title or titles.first_line(text))


def _decode_html(data: bytes) -> str:
    """Use the charset the page declares; a BOM or an unknown charset falls back to text decoding."""
    has_bom = data.startswith(tuple(bom for bom, _ in BOMS))
    declared = None if has_bom else EncodingDetector.find_declared_encoding(data, is_html=True)
    try:
        codec = codecs.lookup(declared).name if declared else None
    except LookupError:
        codec = None
    if codec is None or codec.startswith("utf-16"):  # a BOM-less page that says utf-16 is in fact ASCII-compatible
        return decode_text(data)
    if codec in ("iso8859-1", "ascii"):
        codec = "cp1252"  # what browsers do: such pages routinely contain cp1252 quotes and dashes
    return data.decode(codec, errors="replace")
