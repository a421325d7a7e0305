"""German compounds in lexical search: a query word finds the compounds it is part of, with the vocabulary
learned from the indexed texts. A small test set of compound queries, each with a chunk only a compound match finds."""
from __future__ import annotations

import pytest

from assistant.compounds import split, vocabulary
from assistant.lexical import LexicalIndex, tokenize

CORPUS = [
    "Die Städtepartnerschaft zwischen Celle und Tjumen besteht seit 1991.",  # 0
    "Die Schulpartnerschaft mit dem Gymnasium in Omsk wurde 2015 vereinbart.",  # 1
    "Das Klimaschutzprojekt der Partnerstädte spart jedes Jahr 40 Tonnen CO2.",  # 2
    "Der Oberbürgermeister empfing die Delegation im Rathaus.",  # 3
    "Eine Partnerschaft lebt von Begegnungen. Jedes Projekt braucht Geld. Klimaschutz ist wichtig.",  # 4
    "Die Stadt ehrte einen Meister des Handwerks; der Bürgermeister sprach.",  # 5
    "Der Jugendaustausch findet im Sommer statt; die Wirtschaftsdelegation kommt im Herbst.",  # 6
    "Ein Austausch braucht Zeit, und die Jugend braucht Räume.",  # 7
]

# (query, a chunk that holds the query word only inside a compound): without splitting it is not found at all
COMPOUND_QUERIES = [
    ("Partnerschaft", 0),
    ("Partnerschaft", 1),
    ("Klimaschutz", 2),
    ("Bürgermeister", 3),
    ("Austausch", 6),
    ("Delegation", 6),
]


@pytest.mark.parametrize("query, expected", COMPOUND_QUERIES)
def test_compound_queries_find_the_compound(query, expected):
    rows, _ = LexicalIndex.build(CORPUS).search(query, 5)
    assert expected in rows.tolist()


def test_the_standalone_word_is_found_with_the_compounds():
    rows, _ = LexicalIndex.build(CORPUS).search("Partnerschaft", 5)
    assert set(rows.tolist()) == {0, 1, 4}


def test_splits_use_only_words_the_corpus_knows():
    known = vocabulary("partnerschaft projekt klimaschutz schutz klima meister bürger gebiet arbeit".split())
    assert split("städtepartnerschaft", known)[:2] == ["partnerschaft", "städte"]
    assert split("arbeitsgebiet", known) == ["gebiet", "arbeits", "arbeit"]
    assert split("klimaschutzprojekt", known) == ["projekt", "klimaschutz", "schutz", "klima"]
    assert split("gesellschaft", known) == []  # "schaft" is no word of this corpus
    assert split("partnerschaft", known) == []  # a known word that is no compound here stays whole
    assert split("verkauf", known) == []  # too short to hold two parts


def test_queries_are_not_split():
    assert tokenize("Städtepartnerschaft") == ["stadtepartnerschaft"]
