"""German compounds in lexical search: a query word finds the compounds it is part of, with the vocabulary
learned from the indexed texts. A small test set of compound queries, each with a chunk only a compound match finds;
the PostgreSQL store ranks them alike (tests/test_store_postgres.py)."""
from __future__ import annotations

import pytest

from assistant.compounds import split, vocabulary
from assistant.lexical import PART_WEIGHT, LexicalIndex, compound_parts, tokenize, words

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


def test_a_word_of_its_own_ranks_above_the_compounds_holding_it():
    rows, scores = LexicalIndex.build(CORPUS).search("Partnerschaft", 5)
    assert rows[0] == 4 and scores[0] > scores[1]


def test_chunks_keep_their_plain_bm25_score_and_compounds_add_a_share_of_theirs():
    """Splitting changes no document frequency or chunk length: chunk 4 scores as in BM25 over the plain words, and
    the compounds score PART_WEIGHT of their own BM25 (what kept GermanQuAD at its unsplit R@1, README)."""
    import bm25s

    plain = bm25s.BM25(k1=1.2, b=0.75)
    plain.index([tokenize(t) for t in CORPUS], show_progress=False)

    def bm25(term):
        return plain.get_scores_from_ids([plain.vocab_dict[term]])

    rows, scores = LexicalIndex.build(CORPUS).search("Partnerschaft", 5)
    got = dict(zip(rows.tolist(), scores.tolist()))
    assert got[4] == pytest.approx(bm25("partnerschaft")[4], rel=1e-6)
    assert got[0] == pytest.approx(PART_WEIGHT * bm25("stadtepartnerschaft")[0], rel=1e-6)
    assert got[1] == pytest.approx(PART_WEIGHT * bm25("schulpartnerschaft")[1], rel=1e-6)


def test_compound_parts_map_a_part_to_the_terms_holding_it():
    corpus_words = [w for text in CORPUS for w in words(text)]
    parts = compound_parts(corpus_words, vocabulary(corpus_words))
    assert parts["partnerschaft"] == ["schulpartnerschaft", "stadtepartnerschaft"]
    assert parts["klimaschutz"] == ["klimaschutzprojekt"]
    assert "delegation" in parts and parts["delegation"] == ["wirtschaftsdelegation"]
    assert all(term not in held for term, held in parts.items())


def test_the_parts_are_saved_with_the_index(tmp_path):
    LexicalIndex.build(CORPUS).save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    for query, expected in COMPOUND_QUERIES:
        assert expected in loaded.search(query, 5)[0].tolist()
