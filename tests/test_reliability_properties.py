"""Property tests (hypothesis) for the sentence splitter and chunker, over any Unicode, adding to test_chunking.py:

- offsets always map back to the exact text, also for documents read from disk;
- no text is lost: every non-space character is in a chunk, and whatever lies between chunks is whitespace;
- no text is duplicated beyond the declared overlap: consecutive chunks share at most `overlap` whole sentences,
  and no sentence is in more than min(sentences_per_chunk, overlap + 1) chunks; removing the shared parts
  rebuilds the text exactly;
- a blank line is a hard boundary: splitting "A\\n\\nB" equals splitting A and B apart.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assistant.chunking import SENTENCE_MAX_CHARS, chunk_document, chunk_text, split_sentences
from assistant.documents import FileEntry, read_document
from assistant.records import Span

# Every code point, surrogates and control characters included; plus the pieces the splitter cares about.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
PIECES = st.sampled_from([
    " ", "\n", "\n\n", "\r\n", "\t", "\xa0", "\u2028", "\u2029", "\x85", "\x0c", ". ", "! ", "? ", "…", "...",
    "z. B. ", "Dr. ", "4. ", "21.11. ", "Nr. 5", "„Zitat.“ ", "(Klammer.) ", "• ", "- ", "Ä", "ß", "e\u0301",
    "😀", "\u200b", "\ufeff", "\ud800", "Satz", "Wort", "Straße", "Der", "und",
])
TEXTS = st.lists(st.one_of(st.text(ANY_CHAR, max_size=6), PIECES), max_size=80).map("".join)
LONG_TEXTS = st.lists(st.one_of(st.text(ANY_CHAR, min_size=50, max_size=300), PIECES), max_size=30).map("".join)
PARAMS = dict(per=st.integers(1, 6), overlap=st.integers(0, 6), max_chars=st.integers(1, 300))


def _sentence_index(text: str, max_chars: int) -> tuple[list[Span], dict[int, int], dict[int, int]]:
    sents = split_sentences(text, max_chars=min(max_chars, SENTENCE_MAX_CHARS))
    return sents, {s.start: i for i, s in enumerate(sents)}, {s.end: i for i, s in enumerate(sents)}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(TEXTS, LONG_TEXTS), **PARAMS)
def test_no_text_lost_or_duplicated_beyond_the_overlap(text, per, overlap, max_chars):
    chunks = chunk_text("d", text, sentences_per_chunk=per, overlap=overlap, max_chars=max_chars)
    sents, by_start, by_end = _sentence_index(text, max_chars)
    if not text.strip():
        assert chunks == [] and sents == []
        return
    # offsets map back, and chunks start and end on sentence boundaries
    for c in chunks:
        assert c.text == text[c.start:c.end]
        assert c.start in by_start and c.end in by_end
    # nothing before the first chunk, between chunks or after the last one but whitespace
    assert not text[:chunks[0].start].strip() and not text[chunks[-1].end:].strip()
    rebuilt = [chunks[0].text]
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start and a.end < b.end
        if b.start >= a.end:
            gap = text[a.end:b.start]
            assert not gap.strip(), repr(gap)  # lost text would show up here
            rebuilt.append(gap + b.text)
        else:
            shared = by_end[a.end] - by_start[b.start] + 1  # whole sentences in both chunks
            assert 1 <= shared <= overlap, (shared, overlap)
            assert a.text.endswith(text[b.start:a.end]) and b.text.startswith(text[b.start:a.end])
            rebuilt.append(text[a.end:b.end])  # b without the part a already had
    assert "".join(rebuilt) == text[chunks[0].start:chunks[-1].end]
    # no sentence in more chunks than the overlap allows
    seen = [0] * len(sents)
    for c in chunks:
        for i in range(by_start[c.start], by_end[c.end] + 1):
            seen[i] += 1
    assert min(seen) >= 1
    assert max(seen) <= min(per, overlap + 1), (seen, per, overlap)


@settings(max_examples=300)
@given(a=TEXTS, b=TEXTS, max_chars=st.one_of(st.just(SENTENCE_MAX_CHARS), st.integers(1, 50)))
def test_a_blank_line_is_a_hard_boundary(a, b, max_chars):
    assume(a.strip() and b.strip())
    joined = split_sentences(a + "\n\n" + b, max_chars=max_chars)
    shift = len(a) + 2
    apart = split_sentences(a, max_chars=max_chars) + [
        Span(s.start + shift, s.end + shift) for s in split_sentences(b, max_chars=max_chars)
    ]
    assert joined == apart


@settings(max_examples=300)
@given(text=st.one_of(TEXTS, LONG_TEXTS), max_chars=st.integers(1, 700))
def test_sentences_cover_every_visible_character_exactly_once(text, max_chars):
    spans = split_sentences(text, max_chars=max_chars)
    owner = [0] * len(text)
    for s in spans:
        assert 0 <= s.start < s.end <= len(text) and s.end - s.start <= max_chars
        for i in range(s.start, s.end):
            owner[i] += 1
    assert all(n <= 1 for n in owner)  # no character in two sentences
    assert all(owner[i] == 1 for i, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8"), max_size=400).filter(str.strip), **PARAMS)
def test_offsets_map_back_into_documents_read_from_disk(tmp_path: Path, text, per, overlap, max_chars):
    """Any UTF-8 text written to a .txt and read back: chunk offsets point into the document's text, which is
    the file's text with line endings normalised."""
    data = ("\ufeff" + text).encode("utf-8")  # with a BOM, so even NULs and control bytes decode as text
    path = tmp_path / "any.txt"
    path.write_bytes(data)
    doc = read_document(FileEntry("any.txt", path, hashlib.sha256(data).hexdigest(), len(data)))
    assert doc.text == text.replace("\r\n", "\n").replace("\r", "\n")
    for c in chunk_document(doc, per, overlap, max_chars):
        assert doc.text[c.start:c.end] == c.text and c.text.strip() == c.text


@settings(max_examples=50)
@given(text=TEXTS, **PARAMS)
def test_chunking_is_deterministic(text, per, overlap, max_chars):
    assert chunk_text("d", text, per, overlap, max_chars) == chunk_text("d", text, per, overlap, max_chars)
