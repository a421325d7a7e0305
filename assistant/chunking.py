"""Pure text splitting: German-aware sentences, then overlapping sentence windows as chunks.

Every span is a half-open [start, end) range into the original text, so citations can point at
exact characters. Only stdlib + records; runs in linear time (regex scans, no nested rescans).

Line breaks: a blank line always ends a sentence (headlines, paragraphs). A single line break ends
one only when the line before ends a sentence (. ! ? … not abbreviations, or a colon or other
non-word character) or the next line starts with a bullet. A line ending in a letter, digit,
, ; - ( or an abbreviation, or followed by a lower-case line, is read as mid-sentence, so
hard-wrapped PDF lines and address blocks ("Trammplatz 2\\n30159 Hannover") stay together.
"""
from __future__ import annotations

import re

from .records import Chunk, Document, Span

SENTENCE_MAX_CHARS = 600

_CLOSERS = "\"'”“’‘»«›‹)]}"
_OPENERS = "\"'„“”‚‘’»«›‹([{"
_BULLETS = "•◦▪▫‣●○■□►▶➢-–—*·|#"
_CONTINUE = ",;-‐‑–—/(&+"
_LB = "\\n\\r\\v\\f\\x1c-\\x1e\\x85\\u2028\\u2029"  # what str.splitlines() treats as a line break

# Only whitespace runs after punctuation or containing a line break can be boundaries. The
# (?<!\s) anchor tries each run once from its start, keeping long blank runs linear.
_CANDIDATE = re.compile(
    rf"(?<=[.!?…{re.escape(_CLOSERS)}])\s+|(?<!\s)[^\S{_LB}]*+[{_LB}]\s*+"
)
# A full stop after these is not a sentence end: single letters (initials, "z. B."), ordinals and
# dates ("4.", "12. 3.", "21.11."), dotted abbreviations ("z.B.", "i.d.R.", "e.g."), Roman numerals.
_NO_STOP = re.compile(
    r"[^\W\d_]|(?:\d+\.)*\d{1,3}|(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}|(?=[IVX]{2})X{0,3}(?:IX|IV|V?I{0,3})"
)
_LAST_BREAK = re.compile(r".*\S(?=\s)", re.S)  # greedy: the last word end before a whitespace
_NON_SPACE = re.compile(r"\S")
_NON_SPACE_LAST = re.compile(r".*\S", re.S)

# Compared as written and lower-cased: lower-case entries match any case, capitalised ones
# ("No", "St") only as written, so the English word "no." still ends a sentence.
_ABBREV = frozenset(
    "bzw ca nr dr prof hrn frl etc usw vgl str abs jh jhd mio mrd tsd tel mrs vs ggf evtl inkl "
    "exkl zzgl bspw bzgl sog ebd hrsg geb gest dipl ing techn med phil rer nat jur habil approx "
    "bhf hbf gebr aufl ausg anm abb tab ziff kap bd jg usf v.chr n.chr "
    "St Hr Fr Mr Ms Mt No Nos Co Inc Ltd Corp Jr Sr Chr Fa Fig Vol al pp Feb Apr Jun Jul Aug "
    "Sep Sept Okt Oct Nov Dez Dec".split()
)
_BEFORE_DIGIT = frozenset({"Art", "Rn", "Rz"})  # "Art. 5 GG", but "eine Art. Dann" ends


def _period_ends(core: str, nxt: str) -> bool:
    """Is the final "." of `core` a full stop rather than an abbreviation, initial or ordinal?"""
    if core.endswith(".."):
        return True  # ellipsis
    word = core[:-1].lstrip(_OPENERS)
    if word in _ABBREV or word.lower() in _ABBREV or word.endswith("str"):  # "Hauptstr."
        return False
    if word in _BEFORE_DIGIT and nxt.isdigit():
        return False
    return _NO_STOP.fullmatch(word) is None


def _is_boundary(text: str, gap_start: int, gap: str, nxt: str) -> bool:
    """Does the whitespace `gap` at `gap_start`, followed by `nxt`, end a sentence?"""
    breaks = len((gap + "x").splitlines()) - 1
    if breaks >= 2:
        return True
    tail = text[max(0, gap_start - 48):gap_start].rsplit(None, 1)[-1]
    core = tail.rstrip(_CLOSERS) or tail
    last = core[-1]
    if len(tail) >= 48:  # a long run of non-spaces is a word, never an abbreviation
        terminal = last in ".!?…"
    else:
        terminal = last in "!?…" or (last == "." and _period_ends(core, nxt))
    if breaks == 1:
        if terminal or nxt in _BULLETS:
            return True
        if last == "." or last.isalnum() or last in _CONTINUE or nxt.islower():
            return False
        return True
    return terminal and (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS)


def _cap(text: str, start: int, end: int, max_chars: int) -> list[Span]:
    """Cut [start, end) at whitespace into pieces of at most `max_chars` (hard cut if none)."""
    pieces = []
    while end - start > max_chars:
        m = _LAST_BREAK.match(text, start, start + max_chars + 1)
        cut = m.end() if m else start + max_chars
        pieces.append(Span(start, cut))
        start = _NON_SPACE.search(text, cut).start()
    pieces.append(Span(start, end))
    return pieces


def split_sentences(text: str, max_chars: int = SENTENCE_MAX_CHARS) -> list[Span]:
    """Sentence spans, trimmed, in order, covering every non-space character, none over `max_chars`."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    first = _NON_SPACE.search(text)
    if first is None:
        return []
    stop = _NON_SPACE_LAST.match(text).end()
    spans: list[Span] = []
    start = first.start()
    for m in _CANDIDATE.finditer(text, start, stop):
        if _is_boundary(text, m.start(), m.group(), text[m.end()]):
            spans.extend(_cap(text, start, m.start(), max_chars))
            start = m.end()
    spans.extend(_cap(text, start, stop, max_chars))
    return spans


def chunk_text(
    doc_id: str, text: str, sentences_per_chunk: int = 4, overlap: int = 1, max_chars: int = 1000
) -> list[Chunk]:
    """Windows of consecutive sentences, so a retrieved chunk carries context and exact offsets.

    A window closes at `sentences_per_chunk` sentences or before exceeding `max_chars`; the next
    starts `overlap` sentences back, but always adds at least one new sentence.
    """
    if sentences_per_chunk < 1 or overlap < 0 or max_chars < 1:
        raise ValueError("need sentences_per_chunk >= 1, overlap >= 0, max_chars >= 1")
    sents = split_sentences(text, min(max_chars, SENTENCE_MAX_CHARS))
    chunks: list[Chunk] = []
    i, n = 0, len(sents)
    while i < n:
        j = i + 1
        while j < n and j - i < sentences_per_chunk and sents[j].end - sents[i].start <= max_chars:
            j += 1
        start, end = sents[i].start, sents[j - 1].end
        chunks.append(Chunk(doc_id=doc_id, start=start, end=end, text=text[start:end]))
        if j == n:
            break
        i = max(j - overlap, i + 1)
        while sents[j].end - sents[i].start > max_chars:  # overlap must leave room for sentence j
            i += 1
    return chunks


def chunk_document(
    doc: Document, sentences_per_chunk: int = 4, overlap: int = 1, max_chars: int = 1000
) -> list[Chunk]:
    """Chunks of one document; offsets point into `doc.text`."""
    return chunk_text(doc.id, doc.text, sentences_per_chunk, overlap, max_chars)
