"""BM25 over PostgreSQL's full text: the lexical half of `PgView.search` (postgres.py), kept apart from the
vector SQL and the snapshot handling because it is the one query whose shape is tuned (term budget, compound
parts, per-chunk term filtering) to match the folder store's bm25s ranking.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..lexical import PART_WEIGHT, tokenize

K1, B = 1.2, 0.75  # BM25, as bm25s in the folder store
LEXICAL_BUDGET = 2000  # chunks the lexical OR may match per question (see bm25)


def bm25(conn, collection: str, size: int, avgdl: float, question: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """BM25 (bm25s' Lucene variant) over the chunks the GIN index finds for an OR of the question's terms.

    Matching every chunk that shares a common word costs time in proportion to those chunks (100k chunks:
    ~0.5 s a question), so the OR takes the rarest terms while their document frequencies add up to at most
    LEXICAL_BUDGET, and at most that many matched chunks are scored (when the rarest term alone is commoner,
    the first ones found); they are scored with all terms. Chunks holding only common terms rank low in BM25
    anyway; below the budget (every development set here) the result is exactly bm25s'. Each chunk's terms
    are cut down to the question's (`setweight` marks them, `ts_filter` keeps them) before they are unnested:
    unnesting all of a chunk's ~50 terms was 4/5 of the query's time.
    """
    counts = Counter(t for t in tokenize(question) if t)
    if not counts or not size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    sources = conn.execute(  # (query term, found term, df): the term itself, or a compound holding it (qc_parts)
        "SELECT q.s, t.term, t.df FROM (SELECT s, s AS term FROM unnest(%(q)s::text[]) AS s UNION ALL SELECT part, term "
        "FROM qc_parts WHERE collection = %(c)s AND part = ANY(%(q)s)) q JOIN qc_terms t ON t.collection = %(c)s AND "
        "t.term = q.term", {"q": list(counts), "c": collection}).fetchall()
    factor: Counter = Counter()  # as LexicalIndex.search: a compound counts PART_WEIGHT of its own score
    for source, term, _ in sources:
        factor[term] += counts[source] * (1.0 if source == term else PART_WEIGHT)
    found = sorted({(df, term) for _, term, df in sources})
    chosen, matched = [], 0
    for df, term in found:
        if chosen and matched + df > LEXICAL_BUDGET:
            break
        chosen.append(term)
        matched += df
    if not chosen:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    weights = [factor[t] * math.log(1 + (size - df + 0.5) / (df + 0.5)) for df, t in found]
    query = " | ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in chosen)
    rows = conn.execute(
        """SELECT c.id, sum(q.w * u.tf / (u.tf + %(k1)s * (1 - %(b)s + %(b)s * c.n_terms / %(avgdl)s))) AS score
           FROM (SELECT id, n_terms, ts_filter(setweight(terms, 'A', %(terms)s::text[]), '{a}') AS mine FROM qc_chunks
                 WHERE collection = %(c)s AND terms @@ %(query)s::tsquery LIMIT %(budget)s) c
           CROSS JOIN LATERAL (SELECT lexeme, cardinality(positions) AS tf FROM unnest(c.mine)) u
           JOIN unnest(%(terms)s::text[], %(weights)s::float8[]) AS q(term, w) ON q.term = u.lexeme
           GROUP BY c.id ORDER BY score DESC, c.id LIMIT %(k)s""",
        {"terms": [t for _, t in found], "weights": weights, "c": collection, "k1": K1, "b": B,
         "avgdl": avgdl, "query": query, "k": k, "budget": LEXICAL_BUDGET}).fetchall()
    rows = [r for r in rows if r[1] > 0]
    return np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.float32)
