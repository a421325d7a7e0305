"""Corpora for the speed benchmarks, all made from 10kGNAD's 1,028 German news articles (../shared/eval/gnad).

- "1k": the first articles, unchanged, up to ~1,000 chunks: indexed cold with the real embedding model.
- "10k", "100k": new documents recombined from short runs of consecutive sentences of the "pool" articles.
  The product embeds sentences (a chunk's vector is the mean of its sentences'), so every distinct pool
  sentence is embedded once with the real model (kept in work/ for later runs) and put in the index's
  embedding cache before the build. The build then runs the product code unchanged (reading, chunking,
  sentence table, chunk vectors, SQLite, FAISS, BM25) and embeds only sentences the pool lacks (reported).
  Embedding 100k chunks' worth of new sentences would take hours on 2 cores; cold speed is measured on "1k".
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .common import Timer, log

POOL_ARTICLES = 250  # articles whose sentences make up the recombined corpora (~5.5k distinct sentences)
QUESTION_ARTICLES = 120  # questions come from these, which are in the 1k corpus and in the pool

ENGLISH_QUESTIONS = [
    "How many refugees arrived in Austria last year?",
    "What did the Austrian government decide about the upper limit for asylum seekers?",
    "Who won the presidential election in Austria?",
    "How did the stock markets react to the decision of the central bank?",
    "What is the unemployment rate in Austria?",
    "Which new smartphone did the company present?",
    "What did the researchers find out in their study?",
    "How many people died in the attack?",
    "Who scored the goals in the football match?",
    "Why did the trade union criticise the employers?",
]


def read_gnad(evaluation: Path) -> list[str]:
    """Article texts in file order (label dropped); format in gnad/README.md."""
    with open(evaluation / "gnad" / "test.csv", encoding="utf-8", newline="") as fh:
        return [row[1] for row in csv.reader(fh, delimiter=";", quotechar="'") if len(row) >= 2 and row[1].strip()]


def chunks_of(text: str, params, doc_id: str = "d"):
    from assistant.chunking import chunk_text

    return chunk_text(doc_id, text, params.sentences_per_chunk, params.overlap, params.max_chars)


def sentences_of(text: str) -> list[str]:
    from assistant.chunking import split_sentences

    return [text[s.start : s.end] for s in split_sentences(text)]


def write_docs(texts: list[str], folder: Path, prefix: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i, text in enumerate(texts):
        name = f"{prefix}-{i:06d}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    return names


def first_articles_for(texts: list[str], target_chunks: int, params) -> tuple[list[str], int]:
    """The shortest prefix of the articles that reaches `target_chunks` chunks."""
    total = 0
    for i, text in enumerate(texts):
        total += len(chunks_of(text, params))
        if total >= target_chunks:
            return texts[: i + 1], total
    return texts, total


# ---------------------------------------------------------------- sentence pool


@dataclass
class SentencePool:
    articles: list[list[str]]  # sentences of each pool article, in order
    vectors: dict[str, np.ndarray]  # distinct sentence text -> real passage embedding
    embed_seconds: float | None  # None when loaded from an earlier run's file
    embed_cpu_seconds: float | None


def sentence_pool(texts: list[str], embedder, work: Path, n_articles: int | None = None) -> SentencePool:
    """Embed every distinct sentence of the pool articles once (kept in work/ for later runs)."""
    articles = [sentences_of(t) for t in texts[: n_articles or POOL_ARTICLES]]
    distinct = sorted({s for a in articles for s in a})
    key = hashlib.sha256(json.dumps([embedder.model_id, distinct], ensure_ascii=False).encode()).hexdigest()[:16]
    store = work / f"sentence-pool-{key}.npy"
    if store.is_file():
        matrix = np.load(store)
        return SentencePool(articles, dict(zip(distinct, matrix)), None, None)
    log(f"embedding the sentence pool: {len(distinct)} distinct sentences of {len(articles)} articles (once; kept in {work})")
    rows = []
    with Timer() as t:
        for i in range(0, len(distinct), 256):
            rows.append(embedder.embed_passages(distinct[i : i + 256]))
    matrix = np.concatenate(rows).astype(np.float32)
    work.mkdir(parents=True, exist_ok=True)
    np.save(store, matrix)
    return SentencePool(articles, dict(zip(distinct, matrix)), t.wall, t.cpu)


def recombined_documents(pool: SentencePool, target_chunks: int, params, seed: int) -> tuple[list[str], int, int]:
    """New articles of 4-16 runs of 1-3 consecutive pool sentences each, until `target_chunks` chunks.

    Runs are short so that almost every 4-sentence chunk mixes runs: the corpus then has ~target distinct chunk
    texts and vectors (long runs would repeat the pool's few thousand sentence windows over and over)."""
    rng = random.Random(seed)
    docs, total, distinct = [], 0, set()
    while total < target_chunks:
        runs = []
        for _ in range(rng.randint(4, 16)):
            article = pool.articles[rng.randrange(len(pool.articles))]
            length = rng.randint(1, 3)
            start = rng.randrange(max(1, len(article) - length + 1))
            runs.append(" ".join(article[start : start + length]))
        doc = " ".join(runs[:2]) + "\n\n" + " ".join(runs[2:])
        docs.append(doc)
        chunks = chunks_of(doc, params)
        total += len(chunks)
        distinct.update(hash(c.text) for c in chunks)
    return docs, total, len(distinct)


def pool_cache_entries(pool: SentencePool) -> dict[str, np.ndarray]:
    """Embedding-cache entries (sentence text hash -> real vector) for every pool sentence."""
    from assistant.index import text_hash

    return {text_hash(text): vec for text, vec in pool.vectors.items()}


def seed_cache(index_dir: Path, embedder, entries: dict[str, np.ndarray]) -> None:
    from assistant.index import EmbeddingCache

    cache = EmbeddingCache(index_dir / "cache" / "embeddings.sqlite", embedder.model_id, embedder.dim)
    try:
        items = list(entries.items())
        for i in range(0, len(items), 5000):
            cache.put_many(dict(items[i : i + 5000]))
    finally:
        cache.close()


# ---------------------------------------------------------------- questions


def latency_questions(texts: list[str], n: int, seed: int = 7) -> list[str]:
    """German questions made from sentences of articles in every corpus (their first words, as a search
    question), plus fixed English news questions: about three German to one English."""
    rng = random.Random(seed)
    n_en = min(len(ENGLISH_QUESTIONS), n // 4)
    german: list[str] = []
    candidates = [s for t in texts[:QUESTION_ARTICLES] for s in sentences_of(t) if len(s.split()) >= 10]
    rng.shuffle(candidates)
    for sentence in candidates[: n - n_en]:
        words = sentence.split()[: rng.randint(7, 11)]
        german.append(" ".join(words).rstrip(",.;:") + "?")
    questions = german + ENGLISH_QUESTIONS[:n_en]
    rng.shuffle(questions)
    return questions
