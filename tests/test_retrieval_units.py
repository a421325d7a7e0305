"""Pure pieces of retrieval and answering: fusion, German lexical normalisation, question checks, citation checks."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.compose import compose
from assistant.answer.features import RELATIVE, SENTENCE_FEATURES, type_match, with_relative
from assistant.answering import BadQuestion, Candidate, MAX_QUESTION_CHARS, NOT_FOUND, clean_question, is_heading, verified_citations
from assistant.language import detect_language
from assistant.lexical import LexicalIndex, fold, tokenize
from assistant.records import Citation, Span
from assistant.retrieval import fuse


def test_fusion_lets_bm25_reorder_close_cosines_but_not_far_ones():
    dense = {1: 0.85, 2: 0.84, 3: 0.70}
    assert [r for r, _ in fuse(dense, {2: 10.0}, 0.05)] == [2, 1, 3]
    assert [r for r, _ in fuse(dense, {3: 10.0}, 0.05)] == [1, 2, 3]
    assert [r for r, _ in fuse(dense, {}, 0.05)] == [1, 2, 3]


def test_lexical_folds_umlauts_and_stems_german():
    assert fold("Größe") == "grosse"
    assert tokenize("Partnerstädte") == tokenize("Partnerstadte")
    assert tokenize("Kooperationen") == tokenize("Kooperation")
    assert tokenize("und die der") == []


def test_bm25_ranks_the_matching_passage_first():
    index = LexicalIndex.build(["Celle und Tjumen sind Partnerstädte.", "Düsseldorf und Moskau unterzeichnen Kommuniqués."])
    rows, _ = index.search("Partnerstadt Tjumen", 2)
    assert list(rows) == [0]


@pytest.mark.parametrize("question,lang", [
    ("Seit wann kooperieren Niedersachsen und Tjumen?", "de"),
    ("Wer ist Anton Mashukov?", "de"),
    ("Und wann war das?", "de"),
    ("Since when have Lower Saxony and Tyumen cooperated?", "en"),
    ("How far is it from Düsseldorf to Moscow?", "en"),
    ("Which IT trade fair in Hanover did Yekaterinburg take part in?", "en"),
])
def test_language_is_german_or_english(question, lang):
    assert detect_language(question) == lang


def test_bad_questions_are_refused_politely():
    for bad in ["", "   ", "?!?", "\x00\x07"]:
        with pytest.raises(BadQuestion, match="question"):
            clean_question(bad)
    with pytest.raises(BadQuestion, match="too long"):
        clean_question("a" * 20000)
    assert clean_question("  Wo\tist\x00 das? ") == "Wo ist das?"
    assert len(clean_question("x" * MAX_QUESTION_CHARS)) == MAX_QUESTION_CHARS


def test_answer_types():
    assert type_match("count", "die elfköpfige Delegation")
    assert not type_match("count", "Am 4. Februar 2021 in Moskau")
    assert type_match("date", "Am 4. Februar 2021 in Moskau")
    assert type_match("person", "sagte Oberbürgermeister Thomas Geisel")
    assert not type_match("date", "Eine Delegation aus Omsk ist zu Gast.")
    assert is_heading("Projekte im Kreuzjahr 2017/2018") and not is_heading("Das ist ein Satz.")


def test_citations_must_match_the_document_text():
    doc = "Erster Satz. Zweiter Satz."
    good = Candidate("a.txt", Span(13, 26), "Zweiter Satz.", 0)
    forged = Candidate("a.txt", Span(0, 12), "Falscher Satz", 0)
    cites = verified_citations([forged, good], lambda d: doc if d == "a.txt" else None)
    assert cites == [Citation(1, "a.txt", 13, 26, "Zweiter Satz.")]


def test_compose_frames_quotes_in_the_question_language():
    cites = [Citation(1, "a.txt", 0, 12, "Erster\nSatz.")]
    assert compose("de", cites) == "Laut den Dokumenten: „Erster Satz.“ [1]"
    english = compose("en", cites)
    assert english.startswith("The documents") and "[1]" in english and "a.txt" not in english
    assert NOT_FOUND == {"de": "Dazu steht nichts in den Dokumenten.", "en": "The documents don't say."}


def test_only_follow_ups_that_refer_back_are_read_with_the_previous_question():
    from assistant.pipeline import Assistant

    history = ["Wo fanden die Gespräche statt?"]
    assert Assistant.retrieval_text("Und wann war das?", history) == "Wo fanden die Gespräche statt? Und wann war das?"
    assert Assistant.retrieval_text("When was that?", history).startswith("Wo fanden")
    assert Assistant.retrieval_text("Wie hoch ist der Mount Everest?", history) == "Wie hoch ist der Mount Everest?"
    assert Assistant.retrieval_text("Und wann war das?", []) == "Und wann war das?"
    own = "Welche Städtepartnerschaften gibt es mit der Ukraine?"
    assert Assistant.retrieval_text(own, history) == own


def test_relative_sentence_features_compare_each_candidate_with_the_best_and_the_mean():
    base = len(SENTENCE_FEATURES) - 2 * len(RELATIVE)
    overlap = SENTENCE_FEATURES.index("overlap")
    rows = [[0.0] * base for _ in range(3)]
    for row, value in zip(rows, (0.5, 0.25, 0.0)):
        row[overlap] = value
    out = with_relative(rows)
    assert all(len(r) == len(SENTENCE_FEATURES) for r in out)
    below = SENTENCE_FEATURES.index("overlap_below_best")
    above = SENTENCE_FEATURES.index("overlap_above_mean")
    assert [r[below] for r in out] == [0.0, -0.25, -0.5]  # the best candidate is 0 below the best
    assert [r[above] for r in out] == [0.25, 0.0, -0.25]
    assert [r[:base] for r in out] == rows  # the absolute features are kept as they were
