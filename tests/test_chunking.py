"""Golden and property tests for sentence splitting and chunking (pure, fast tier)."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document, chunk_text, split_sentences
from assistant.records import Document, Span


def sentences(text: str, **kw) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text, **kw)]


# Copied from documents/000_2f8e9fa625a060b8.txt (headline, blank lines, ordinal date, initials-free names).
NEWS = (
    "Niedersachen und Tjumen entwickeln ihre langjährige Partnerschaft weiter\n\n"
    "Partnerregionen Tjumen und Niedersachsen (Foto: DMAN)\n\n"
    "Am 4. Februar 2021 wurden in Moskau Gespräche zwischen Vertretern der Regionsregierung von Tjumen "
    "und der Repräsentanz des Landes Niedersachsen in Russland geführt. Die partnerschaftlichen Beziehungen "
    "zwischen beiden Regionen haben eine lange Geschichte, die Städte Celle und Tjumen sind Partnerstädte. "
    "Die Grundlagen der Kooperation wurden bereits 1992 formuliert, seitdem ist Niedersachsen ein "
    "langfristiger Partner der Region Tjumen.\n\n"
    "Zuvor hatte der niedersächsische Ministerpräsident Stephan Weil den Gouverneur der Region Tjumen, "
    "Aleksandr Viktorovich Moor, eingeladen, Niedersachsen anlässlich des 75. Jahrestages der Gründung des "
    "Bundeslandes mit einer Delegation zu besuchen. Bei dem Treffen besprachen die Vertreter der Regionen "
    "die Organisation des Besuchs und mögliche Formate von Geschäftsveranstaltungen."
)


def test_news_passage_golden():
    assert sentences(NEWS) == [
        "Niedersachen und Tjumen entwickeln ihre langjährige Partnerschaft weiter",
        "Partnerregionen Tjumen und Niedersachsen (Foto: DMAN)",
        "Am 4. Februar 2021 wurden in Moskau Gespräche zwischen Vertretern der Regionsregierung von Tjumen "
        "und der Repräsentanz des Landes Niedersachsen in Russland geführt.",
        "Die partnerschaftlichen Beziehungen zwischen beiden Regionen haben eine lange Geschichte, "
        "die Städte Celle und Tjumen sind Partnerstädte.",
        "Die Grundlagen der Kooperation wurden bereits 1992 formuliert, seitdem ist Niedersachsen ein "
        "langfristiger Partner der Region Tjumen.",
        "Zuvor hatte der niedersächsische Ministerpräsident Stephan Weil den Gouverneur der Region Tjumen, "
        "Aleksandr Viktorovich Moor, eingeladen, Niedersachsen anlässlich des 75. Jahrestages der Gründung "
        "des Bundeslandes mit einer Delegation zu besuchen.",
        "Bei dem Treffen besprachen die Vertreter der Regionen die Organisation des Besuchs und mögliche "
        "Formate von Geschäftsveranstaltungen.",
    ]


def test_offsets_are_exact():
    text = "  Erster Satz.  Zweiter Satz!\n\nÜberschrift\n\n  Dritter?  "
    assert split_sentences(text) == [Span(2, 14), Span(16, 29), Span(31, 42), Span(46, 54)]
    assert sentences(text) == ["Erster Satz.", "Zweiter Satz!", "Überschrift", "Dritter?"]


NO_SPLIT = [
    "Es gibt viele Beispiele, z. B. Äpfel und Birnen.",
    "Es gibt viele Beispiele, z.B. Äpfel und Birnen.",
    "Vertreter aus Köln u. a. Düsseldorf kamen.",
    "Er kam spät, d. h. Nach dem Essen.",
    "Köln bzw. Düsseldorf sind gemeint.",
    "Es kamen ca. 500 Gäste.",
    "Das Haus Nr. 5 steht leer.",
    "Er wohnt in St. Pauli.",
    "Dort sprach Dr. Müller mit Prof. Schmidt.",
    "Hr. Meier und Fr. Schulze kamen.",
    "Äpfel, Birnen etc. Sind im Korb.",
    "Äpfel, Birnen usw. Sind im Korb.",
    "Siehe vgl. Kapitel drei.",
    "Die Bahnhofstr. 3 ist gesperrt.",
    "Gemäß Abs. 2 gilt das.",
    "Im 19. Jh. Wuchs die Stadt.",
    "Es kostet 3 Mio. Euro und 2 Mrd. Dollar.",
    "Tel. 0511 168-36520 ist die Nummer.",
    "Der Verein e. V. Hannover lädt ein.",
    "Der Verein e.V. Hannover lädt ein.",
    "Das gilt i. d. R. Immer.",
    "Then Mr. Smith met Mrs. Jones.",
    "Use fruit, e.g. Apples, i.e. Healthy food.",
    "It was Köln vs. Düsseldorf.",
    "He lives at No. 10 Downing Street.",
    "Der Besuch von Anton A. Mashukov war gut.",
    "Ein Buch von J. R. R. Tolkien liegt hier.",
    "Am 4. Februar 2021 wurden Gespräche geführt.",
    "Der 2. Weltkrieg endete 1945.",
    "Am 12. 3. 2020 war es soweit.",
    "Am 21.11.2026 ist Markttag.",
    "Der Wert stieg um 3.5 Prozent.",
    "Zum 75. Jahrestag kamen alle.",
    "Nach Art. 5 GG ist das erlaubt.",
    "Papst Benedikt XVI. besuchte Köln.",
    "Das war 500 v. Chr. Vor langer Zeit.",
    "Die Lage ist klar. und es geht weiter.",
    "Er fragte: „Wer?“, und ging.",
    "Ein sehr\nlanger Satz, hart umbrochen wie im\nPDF, der weitergeht.",
    "Zusammen-\narbeit ist wichtig.",
    "Trammplatz 2\n30159 Hannover",
    "Beispiele sind z. B.\nÄpfel und Birnen.",
]


@pytest.mark.parametrize("text", NO_SPLIT)
def test_no_split(text):
    assert sentences(text) == [text]


SPLIT = [
    ("Das ist gut. Das ist schlecht.", ["Das ist gut.", "Das ist schlecht."]),
    ("Wirklich? Ja! Genau …  Dann ging er.", ["Wirklich?", "Ja!", "Genau …", "Dann ging er."]),
    ("Und dann... Es war vorbei.", ["Und dann...", "Es war vorbei."]),
    ("Er sagte: „Komm.“ Dann ging er.", ["Er sagte: „Komm.“", "Dann ging er."]),
    ("(Das war klar.) Danach kam mehr.", ["(Das war klar.)", "Danach kam mehr."]),
    ("Er wurde 1992 gewählt. 2021 trat er ab.", ["Er wurde 1992 gewählt.", "2021 trat er ab."]),
    ("Das war 1992. Danach kam mehr.", ["Das war 1992.", "Danach kam mehr."]),
    ("Sie rief: „Hallo!“ „Wer ist da?“", ["Sie rief: „Hallo!“", "„Wer ist da?“"]),
    ("Er ist eine seltene Art. Danach kam mehr.", ["Er ist eine seltene Art.", "Danach kam mehr."]),
    ("He said no. Then he left.", ["He said no.", "Then he left."]),
    ("Infos unter www.ndr.de. Dort mehr.", ["Infos unter www.ndr.de.", "Dort mehr."]),
    ("Überschrift ohne Punkt\n\nErster Satz.", ["Überschrift ohne Punkt", "Erster Satz."]),
    ("Titel\n \t\nText", ["Titel", "Text"]),
    ("Absatz endet.\nneuer Absatz klein.", ["Absatz endet.", "neuer Absatz klein."]),
    ("Themen:\nKultur und Sport", ["Themen:", "Kultur und Sport"]),
    ("Projekte\n• Erstens\n• Zweitens", ["Projekte", "• Erstens", "• Zweitens"]),
    ("Zeile eins.\r\nZeile zwei.\u2028Zeile drei", ["Zeile eins.", "Zeile zwei.", "Zeile drei"]),
    ("Ende mit z. B.\n\nNeuer Absatz", ["Ende mit z. B.", "Neuer Absatz"]),
]


@pytest.mark.parametrize("text, expected", SPLIT)
def test_split(text, expected):
    assert sentences(text) == expected


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \u2028\xa0"])
def test_blank_text_has_no_sentences_or_chunks(text):
    assert split_sentences(text) == []
    assert chunk_text("d", text) == []


def test_long_sentence_is_cut_at_whitespace():
    text = " ".join(["Wort"] * 400) + "."
    spans = split_sentences(text, max_chars=100)
    assert all(s.end - s.start <= 100 for s in spans)
    assert all(text[s.start:s.end].strip() == text[s.start:s.end] for s in spans)
    assert all(not text[s.start:s.end].startswith("ort") for s in spans)  # never inside a word
    assert " ".join(text[s.start:s.end] for s in spans) == text


@pytest.mark.parametrize(
    "text",
    ["a" * 1_000_000, "Wort " * 200_000, "x. " * 300_000, " " * 1_000_000 + "a", "\n" * 500_000 + "a\n" * 250_000],
    ids=["no-space", "words", "abbrev-like", "spaces", "newlines"],
)
def test_huge_input_is_linear_and_capped(text):
    began = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - began < 5
    assert max(s.end - s.start for s in spans) <= 600
    assert sum(not c.isspace() for s in spans for c in text[s.start:s.end]) == sum(not c.isspace() for c in text)


def test_three_megabytes_of_news_chunk_quickly():
    text = "\n\n".join([NEWS] * (3_000_000 // len(NEWS)))
    began = time.perf_counter()
    chunks = chunk_text("news", text)
    assert time.perf_counter() - began < 3
    assert len(chunks) > 1000 and all(c.text == text[c.start:c.end] for c in chunks[:100])


# --- chunks ------------------------------------------------------------------------------------

FIVE = "Eins ist da. Zwei ist da. Drei ist da. Vier ist da. Fünf ist da."


def test_chunks_overlap_by_one_sentence():
    chunks = chunk_text("doc", FIVE, sentences_per_chunk=3, overlap=1)
    assert [c.text for c in chunks] == [
        "Eins ist da. Zwei ist da. Drei ist da.",
        "Drei ist da. Vier ist da. Fünf ist da.",
    ]
    assert all(c.doc_id == "doc" and c.text == FIVE[c.start:c.end] for c in chunks)


def test_chunks_close_early_at_max_chars():
    chunks = chunk_text("doc", FIVE, sentences_per_chunk=4, overlap=1, max_chars=26)
    assert [c.text for c in chunks] == ["Eins ist da. Zwei ist da.", "Zwei ist da. Drei ist da.",
                                        "Drei ist da. Vier ist da.", "Vier ist da. Fünf ist da."]


def test_overlap_is_dropped_when_it_leaves_no_room():
    chunks = chunk_text("doc", FIVE, sentences_per_chunk=4, overlap=2, max_chars=13)
    assert [c.text for c in chunks] == ["Eins ist da.", "Zwei ist da.", "Drei ist da.", "Vier ist da.", "Fünf ist da."]


def test_chunk_document_uses_document_id_and_text():
    doc = Document(id="sub/a.txt", text=NEWS, sha256="0" * 64, size=len(NEWS.encode()))
    chunks = chunk_document(doc, sentences_per_chunk=2, overlap=0)
    spans = split_sentences(NEWS)
    assert [(c.start, c.end) for c in chunks] == [(spans[i].start, spans[min(i + 1, 6)].end) for i in (0, 2, 4, 6)]
    assert all(c.doc_id == "sub/a.txt" and NEWS[c.start:c.end] == c.text for c in chunks)


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError):
        chunk_text("d", FIVE, sentences_per_chunk=0)
    with pytest.raises(ValueError):
        split_sentences(FIVE, max_chars=0)


# --- properties --------------------------------------------------------------------------------

PIECES = st.sampled_from([
    " ", "  ", "\n", "\n\n", "\r\n", "\t", "\xa0", "\u2028", "\x1c", "\x0b", ". ", "! ", "? ", "…", "...",
    "z. B.", "z.B.", "Dr.", "4.", "3.5", "A.", "„", "“", "\"", ")", "•", ",", "-", "Satz", "Wort", "der",
])
TEXTS = st.lists(st.one_of(st.text(max_size=8), PIECES), max_size=60).map("".join)


def check_spans(text: str, spans: list[Span], max_chars: int) -> None:
    covered = bytearray(len(text))
    previous_end = 0
    for s in spans:
        assert previous_end <= s.start < s.end <= len(text)
        assert s.end - s.start <= max_chars
        piece = text[s.start:s.end]
        assert not piece[0].isspace() and not piece[-1].isspace()
        covered[s.start:s.end] = b"\x01" * (s.end - s.start)
        previous_end = s.end
    assert all(covered[i] or c.isspace() for i, c in enumerate(text))


@settings(max_examples=300)
@given(text=TEXTS, max_chars=st.one_of(st.just(600), st.integers(1, 40)))
def test_sentence_spans_are_sound(text, max_chars):
    check_spans(text, split_sentences(text, max_chars=max_chars), max_chars)


@settings(max_examples=50, deadline=None)
@given(word=st.text(min_size=1, max_size=5), n=st.integers(10_000, 200_000), space=st.booleans())
def test_huge_single_lines_are_sound(word, n, space):
    text = ((word + " ") if space else word) * (n // len(word))
    check_spans(text, split_sentences(text), 600)


@settings(max_examples=300)
@given(text=TEXTS, per=st.integers(1, 6), overlap=st.integers(0, 6), max_chars=st.integers(1, 120))
def test_chunks_are_sound(text, per, overlap, max_chars):
    chunks = chunk_text("d", text, sentences_per_chunk=per, overlap=overlap, max_chars=max_chars)
    sents = split_sentences(text, max_chars=min(max_chars, 600))
    assert bool(chunks) == bool(sents)
    index = {s.start: i for i, s in enumerate(sents)}
    ranges = []
    for c in chunks:
        assert c.text == text[c.start:c.end] and 0 < c.end - c.start <= max_chars
        first = index[c.start]
        last = next(i for i in range(first, len(sents)) if sents[i].end == c.end)
        assert last - first < per
        ranges.append((first, last))
    covered = {i for first, last in ranges for i in range(first, last + 1)}
    assert covered == set(range(len(sents)))
    for (a0, a1), (b0, b1) in zip(ranges, ranges[1:]):
        assert a0 < b0 and a1 < b1  # progress
        assert max(0, a1 - b0 + 1) <= overlap  # shared sentences
