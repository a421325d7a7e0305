"""BM25 over chunks with German Snowball stemming and umlaut/ß folding (bm25s + PyStemmer).

bm25s stores its index as .npy/.json files (never pickle) and can memory-map them when loading.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

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


def tokenize_corpus(texts: Sequence[str], also_known: frozenset[str] = frozenset()) -> list[list[str]]:
    """Terms of each text plus the terms of compound parts (see compounds.py), with the vocabulary learned from
    `texts` themselves: a chunk with "Städtepartnerschaft" also holds "partnerschaft", so the query word
    "Partnerschaft" finds it. Queries are tokenized plainly (`tokenize`). Both stores index this way, so they rank
    alike (tests/test_store_postgres.py). Measured: XQuAD DE R@1 .966 -> .969; GermanQuAD R@1 .870 -> .867 (.865 when
    a part the chunk already uses as a word was counted again); README, "German compounds"."""
    from .compounds import split, vocabulary

    per_text = [words(t) for t in texts]
    known = vocabulary(w for ws in per_text for w in ws) | also_known  # also_known: words stored earlier (PostgreSQL)
    parts: dict[str, list[str]] = {}
    out = []
    for ws in per_text:
        own = {_term(w) for w in ws}  # a part the chunk already uses as a word of its own is not counted twice
        terms = []
        for w in ws:
            term = _term(w)
            terms.append(term)
            if w not in parts:
                parts[w] = [t for t in dict.fromkeys(_term(p) for p in split(w, known)) if t != term and t not in STOPWORDS]
            terms += [t for t in parts[w] if t not in own]
        out.append(terms)
    return out


class LexicalIndex:
    """BM25 over a fixed list of chunk texts; row i of the index is chunk i."""

    def __init__(self, bm25) -> None:
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalIndex":
        import bm25s

        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [terms or [""] for terms in tokenize_corpus(texts)]
        bm25.index(corpus, show_progress=False)
        return cls(bm25)

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, scores), best first; rows with a zero score are left out."""
        ids = [self._bm25.vocab_dict[t] for t in tokenize(query) if t in self._bm25.vocab_dict and t]
        if not ids or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self._bm25.get_scores_from_ids(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top].astype(np.float32)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap, allow_pickle=False))
