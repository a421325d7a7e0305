"""The reply a person reads, in the asker's language: the answer itself first (for fact questions), then the
verbatim German evidence with [n] markers; an overview as a short list. Pure string work."""
from __future__ import annotations

import re
from typing import Sequence

from ..records import Citation, ShortAnswer

_LEAD = {
    ("de", "short"): "Beleg:", ("de", "shorts"): "Belege:", ("de", "plain"): "Laut den Dokumenten:",
    ("de", "open"): "Das steht in den Dokumenten dazu:",
    ("en", "short"): "Evidence, in the original German:", ("en", "shorts"): "Evidence, in the original German:",
    ("en", "plain"): "The documents say, in the original German:",
    ("en", "open"): "What the documents say about it, in the original German:",
}
_MARKS = "„“”\"»«‚‘’'"


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quoted(text: str, language: str) -> str:
    """A quote in typographic marks; a quote that itself opens or closes with a mark gets »…« so marks never double („„)."""
    text = one_line(text)
    if text[:1] in _MARKS or text[-1:] in _MARKS:
        return f"»{text}«"
    return f"„{text}“" if language == "de" else f"“{text}”"


def compose(language: str, citations: Sequence[Citation], short: ShortAnswer | None = None, overview: bool = False) -> str:
    language = language if language in ("de", "en") else "en"
    if overview:
        items = "\n".join(f"- {quoted(c.quote, language)} [{c.n}]" for c in citations)
        return f"{_LEAD[(language, 'open')]}\n{items}"
    evidence = " ".join(f"{quoted(c.quote, language)} [{c.n}]" for c in citations)
    if short is None:
        return f"{_LEAD[(language, 'plain')]} {evidence}"
    lead = _LEAD[(language, "shorts" if len(citations) > 1 else "short")]
    return f"{one_line(short.text)} [{short.n}]\n\n{lead} {evidence}"
