"""BM25 over chunks with German Snowball stemming and umlaut/ß folding (bm25s + PyStemmer).

bm25s stores its index as .npy/.json files (never pickle) and can memory-map them when loading.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

# A query word that is a part of a compound adds PART_WEIGHT of that compound's BM25 score, when its stem has at least
# MIN_PART_TERM letters: short parts ("stadt", "schutz", "klima") sit in too many compounds of other meanings.
# Both chosen on GermanQuAD (at 0.15: all parts R@1 .952, long parts .954 = unsplit; .952 at 0.3); README.
PART_WEIGHT = 0.15
MIN_PART_TERM = 8
PARTS_FILE = "compound_parts.json"
_WORD = re.compile(r"\w+", re.UNICODE)
# common German and English function words: they only add noise to BM25
STOPWORDS = frozenset(
    """aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf aus bei
    bin bis bist da damit dann das dass dein deine dem den denn der des dessen dich die dir du dies diese diesem diesen
    dieser dieses doch dort durch ein eine einem einen einer eines er es etwas euer eure für hatte hatten hat hier
    hin ich ihr ihre im in ist ja jede jedem jeden jeder jedes jene jetzt kann kein keine mein meine mich mir mit
    nach nicht nichts noch nun nur ob oder ohne sehr sein seine sich sie sind so solche soll sollte sondern sonst
    über um und uns unser unter vom von vor war waren warum was weil welche welchem welchen welcher welches wenn wer
    werde werden wie wieder will wir wird wo wurde wurden zu zum zur zwar zwischen seit wann welchen wieviel wie viele
    a an and are as at be been by did do does for from had has have how in into is it its of on or that the their
    there these this to was were what when where which who whom whose why will with""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("german")


def fold(token: str) -> str:
    """Lower-case, ß→ss, strip diacritics: 'Größe', 'GROESSE'-ish spellings meet on one form."""
    token = token.lower().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 18)
def _term(word: str) -> str:
    """Stemmed, folded form of one lower-cased word; memoised because words repeat (Zipf): BM25 over 10k chunks
    builds ~3x faster, which is most of the time to add one document to a 10k-chunk index."""
    return fold(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Lower-cased words without stopwords."""
    return [w for w in map(str.lower, _WORD.findall(text)) if w not in STOPWORDS]


def tokenize(text: str) -> list[str]:
    """Words → stemmed, folded terms; stopwords dropped (pure apart from the stemmer)."""
    return [_term(w) for w in words(text)]


def compound_parts(corpus_words: Iterable[str], known: frozenset[str]) -> dict[str, list[str]]:
    """Part term -> the terms of the corpus words that hold it as a compound part (see compounds.py), split against
    `known` (the corpus's own words): {"partnerschaft": ["schulpartnerschaft", "stadtepartnerschaft"], ...}.

    Why the parts are not indexed inside the chunks: that changes every BM25 score (document frequencies, chunk
    lengths) and cost GermanQuAD R@1 (.954 -> .951); mapping the query's words to the compounds instead adds
    the compounds' own scores at PART_WEIGHT and leaves every plain match as it was (README, "German compounds")."""
    from .compounds import split

    holders: dict[str, set[str]] = {}
    for word in set(corpus_words):
        term = _term(word)
        for part in {_term(p) for p in split(word, known)}:
            if part != term and len(part) >= MIN_PART_TERM and part not in STOPWORDS:
                holders.setdefault(part, set()).add(term)
    return {part: sorted(terms) for part, terms in sorted(holders.items())}


def expand(terms: Sequence[str], parts: Mapping[str, Sequence[str]]) -> list[str]:
    """The compound terms a query's terms are parts of, once per query term that is such a part."""
    return [compound for term in terms for compound in parts.get(term, ())]


class LexicalIndex:
    """BM25 over a fixed list of chunk texts (row i of the index is chunk i), plus the compound parts of its words."""

    def __init__(self, bm25, parts: Mapping[str, Sequence[str]]) -> None:
        self._bm25, self.parts = bm25, parts

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        import bm25s

        from .compounds import vocabulary

        per_text = [words(t) for t in texts]
        corpus_words = [w for ws in per_text for w in ws]
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index([[_term(w) for w in ws] or [""] for ws in per_text], show_progress=False)
        return cls(bm25, compound_parts(corpus_words, vocabulary(corpus_words)))

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, scores), best first; rows with a zero score are left out. A compound holding a query word
        as a part scores PART_WEIGHT of its own BM25 (PgView.lexical scores alike)."""
        vocab = self._bm25.vocab_dict
        terms = tokenize(query)
        ids = [vocab[t] for t in terms if t in vocab and t]
        compounds = [vocab[t] for t in expand(terms, self.parts) if t in vocab]
        if not (ids or compounds) or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self._bm25.get_scores_from_ids(ids) if ids else np.zeros(self.size, dtype=np.float32)
        if compounds:
            scores = scores + np.float32(PART_WEIGHT) * self._bm25.get_scores_from_ids(compounds)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top].astype(np.float32)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)
        (folder / PARTS_FILE).write_text(json.dumps(self.parts, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap, allow_pickle=False),
                   json.loads((folder / PARTS_FILE).read_text(encoding="utf-8")))
