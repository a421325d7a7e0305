"""The English→German dictionary behind English answers (assistant/answer/bilingual.py), on the real Ding file
that `make test` installs (Debian trans-de-en): English question words meet the German words of the text."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.bilingual import DICTIONARY, german_stems, parse, question_stems
from assistant.answer.features import word_hits
from assistant.answer.question import analyse
from assistant.lexical import tokenize

needs_dictionary = pytest.mark.skipif(not DICTIONARY.exists(), reason="trans-de-en is installed by make setup")


def test_parse_reads_senses_side_by_side_and_drops_notes():
    lines = ["# comment\n",
             "gewinnen {vi} | gewonnen | Gewinner {m} :: to win | won | winner\n",
             "Einwohner {m} [geogr.]; Bewohner {m} :: inhabitant; resident\n"]
    table = parse(lines)
    assert set(tokenize("gewonnen")) <= table["won"]
    assert set(tokenize("gewinnen")) <= table["won"]  # the entry's base form counts for every sense
    assert set(tokenize("Einwohner Bewohner")) <= table["inhabitant"] == table["resident"]
    assert "to" not in table and not any("{" in s or "[" in s for stems in table.values() for s in stems)


@needs_dictionary
def test_english_words_find_the_german_words_of_the_text():
    q = analyse("Which companies won the pitch competition in Moscow?")
    stems = question_stems(q.words, "en")
    sentence = set(tokenize("Als Gewinner gingen gleich zwei Start-ups hervor: Volts und Altarix."))
    hits = dict(zip(q.words, word_hits(stems, sentence)))
    assert hits["won"]  # won → gewinnen → Gewinner
    assert not hits["companies"]
    assert set(tokenize("Moskau")) <= german_stems("Moscow")
    assert set(tokenize("unterzeichnen")) & german_stems("signed")
    assert set(tokenize("Einwohner")) & german_stems("inhabitants")


@needs_dictionary
def test_german_questions_use_their_own_words_only():
    q = analyse("Wer hat den Wettbewerb gewonnen?")
    assert question_stems(q.words, "de") == [frozenset(tokenize(w)) for w in q.words]


def test_without_the_dictionary_english_questions_still_get_answers_from_cosines(tmp_path):
    """A machine without apt: no dictionary, no error — the words simply translate to nothing."""
    code = ("from assistant.answer.bilingual import german_stems, available; "
            "import json; print(json.dumps([available(), sorted(german_stems('won'))]))")
    env = dict(os.environ, ASSISTANT_DICTIONARY=str(tmp_path / "missing"), XDG_CACHE_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, []]


@needs_dictionary
def test_the_parsed_dictionary_is_cached_as_json_and_reused(tmp_path):
    code = "from assistant.answer.bilingual import lexicon; print(len(lexicon()))"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    cached = list(Path(tmp_path, "quellenchat").glob("lexicon-*.json"))
    assert len(cached) == 1 and json.loads(cached[0].read_text(encoding="utf-8"))
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(first.stdout) == int(second.stdout) > 50_000
