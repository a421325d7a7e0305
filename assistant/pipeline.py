"""The question → answer flow over a live index, shared by the CLI, the UI and the benchmarks.

Holds the embedder and the loaded index; notices when another process switched the index to a new
generation and reloads it, so a long-running UI always answers from a whole index, old or new.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from .answer import answer_question
from .answer.question import names_own_subject
from .answering import BadQuestion, MAX_QUESTION_CHARS, abstain, clean_question
from .embedding import Embedder
from .generation import GenerationError, Generator, llm_answer_stream, rewrite_question
from .language import detect_language
from .records import Answer, Document, Hit, IndexReport
from .retrieval import retrieve
from .store import ChunkParams, IndexView, LiveIndex, Progress, Store, open_store

FOLLOW_UP_WORDS = 8
# A short question that starts with "und/and/…" or refers back ("das", "sie", "there", "then") is read
# together with the previous one ("Und wann war das?"); a short question without them stands alone, and so does
# one that names its own subject ("Welche Städtepartnerschaften gibt es mit der Ukraine?" despite its "es").
_REFERS_BACK = re.compile(
    r"^(und|aber|auch|and|but|also|what about|how about)\b"
    r"|\b(das|dies\w*|dort|damals|dabei|davon|dafür|daran|darüber|er|sie|es|ihm|ihr|ihre\w*|ihnen|sein\w*|dessen|deren"
    r"|it|its|that|this|these|those|they|them|their|he|she|him|his|her|there|then)\b",
    re.I,
)


class Assistant:
    def __init__(
        self,
        docs_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        chunk_params: ChunkParams = ChunkParams(),
        top_k: int = 5,
        generator: Generator | None = None,
        store: Store | None = None,
    ) -> None:
        self.docs_dir, self.index_dir = Path(docs_dir), Path(index_dir)
        self.store = store if store is not None else open_store(self.index_dir)  # the folder store unless told otherwise
        self.embedder = embedder
        self.generator = generator  # None: extractive answers only; else an LLM writes answers (see generation.py)
        self.chunk_params = chunk_params
        self.top_k = top_k
        self._index: LiveIndex | None = None
        self._lock = threading.Lock()
        self._sentence_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memo_lock = threading.Lock()  # questions run in parallel threads (UI); one may evict another's entries

    # ------------------------------------------------------------ index
    def update(self, full: bool = False, progress: Progress | None = None) -> IndexReport:
        """Incremental by default (only new or changed files are read). `full`: every file is re-read and re-chunked
        into a fresh index, e.g. after installing Tesseract or a reader fix, or for another model; unchanged text
        still comes from the embedding cache, and the old index answers until the new one is complete."""
        report = self.store.update(self.docs_dir, self.embedder, self.chunk_params, full=full, progress=progress)
        self._index = None
        return replace(report, full=True) if full else report

    def update_if_stale(self, progress: Progress | None = None) -> IndexReport | None:
        if self.store.is_stale(self.docs_dir, self.chunk_params):
            return self.update(progress=progress)
        return None

    @property
    def index(self) -> LiveIndex:
        """The live index, reloaded when the store reports a newer version than the one in memory."""
        with self._lock:
            current = self.store.version()
            if self._index is None or self._index.version != current:
                self._index = self.store.load(self.embedder.model_id)
            return self._index

    # ------------------------------------------------------------ asking
    def _embed_sentences(self, texts: list[str]) -> np.ndarray:
        """Sentence vectors with a small LRU memo: follow-up questions often reread the same passages."""
        with self._memo_lock:
            found = {t: self._sentence_vectors[t] for t in texts if t in self._sentence_vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:  # embedded outside the memo lock, so other questions' memo hits are not held up
            found.update(zip(missing, self.embedder.embed_passages(missing)))
        with self._memo_lock:
            for text in dict.fromkeys(texts):
                self._sentence_vectors[text] = found[text]
                self._sentence_vectors.move_to_end(text)
            while len(self._sentence_vectors) > 5000:
                self._sentence_vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])

    @staticmethod
    def retrieval_text(question: str, history: Sequence[str]) -> str:
        """What retrieval searches for: the question, or the previous question plus a short follow-up."""
        if (history and len(question.split()) <= FOLLOW_UP_WORDS and _REFERS_BACK.search(question)
                and not names_own_subject(question)):
            return f"{history[-1]} {question}"
        return question

    def retrieve(
        self, question: str, language: str, history: Sequence[str] = (), k: int | None = None
    ) -> tuple[list[Hit], np.ndarray, IndexView]:
        """Hits plus the view they came from: its `document_text` belongs to the same state as the hits."""
        index = self.index
        text = self.retrieval_text(question, history)
        query_vector = self.embedder.embed_query(text)
        with index.reading() as view:
            hits = retrieve(view, query_vector, text, language, k or self.top_k)
        return hits, query_vector, view

    def ask(self, question: str, history: Sequence[str] = ()) -> Answer:
        """Answer in the question's language; raises BadQuestion for questions we refuse."""
        answer = None
        for _, answer in self.ask_stream(question, history):
            pass
        assert answer is not None
        return answer

    def ask_stream(self, question: str, history: Sequence[str] = ()) -> Iterator[tuple[str, Answer | None]]:
        """Yield (text so far, None) while an answer is being written, then (final text, Answer) once.

        Extractive answers are instant, so they arrive in one piece; a generator backend streams tokens here.
        The final answer's citations carry their document's title and page (`with_document_info`).
        """
        for text, answer in self._answer_stream(question, history):
            yield text, (with_document_info(answer, self.index.document) if answer is not None and answer.citations else answer)

    def _answer_stream(self, question: str, history: Sequence[str]) -> Iterator[tuple[str, Answer | None]]:
        language = detect_language(question[:MAX_QUESTION_CHARS])
        question = clean_question(question, language)
        if self.generator is not None:
            yield from self._ask_llm(question, language, history)
            return
        hits, _, index = self.retrieve(question, language, history)
        read_as = self.retrieval_text(question, history)
        context = history[-1] if read_as != question else ""
        answer = answer_question(question, language, hits, index.document_text, context=context) if hits else abstain(question, language)
        if context:
            answer = replace(answer, read_as=read_as)
        yield answer.text, answer

    def _ask_llm(self, question: str, language: str, history: Sequence[str]) -> Iterator[tuple[str, Answer | None]]:
        """The model rewrites a follow-up with the history, writes the answer; citations.py checks it."""
        assert self.generator is not None
        standalone, failure = question, None
        if history:
            try:
                standalone = rewrite_question(self.generator, question, history, language)
            except GenerationError as err:
                failure = err  # the model is down: answer extractively now rather than wait for it twice
        hits, query_vector, index = self.retrieve(standalone, language, history if failure is not None else ())
        if not hits:
            answer = abstain(question, language)
            yield answer.text, answer
            return

        def extractive() -> Answer:
            return replace(answer_question(standalone, language, hits, index.document_text), question=question)

        yield from llm_answer_stream(self.generator, question, language, hits, self._embed_sentences,
                                     index.document_text, extractive, standalone=standalone, failure=failure)


def with_document_info(answer: Answer, document: Callable[[str], Document | None]) -> Answer:
    """Fill each citation's `title` and `page` (the page its quote starts on) from the stored document.

    Applied where answers leave the pipeline, so the answer modules need not know about pages. A citation whose
    quote no longer matches the stored text (the document changed meanwhile) keeps title/page None."""
    docs: dict[str, Document | None] = {}
    citations = []
    for c in answer.citations:
        doc = docs[c.document] if c.document in docs else docs.setdefault(c.document, document(c.document))
        if doc is None or doc.text[c.start : c.end] != c.quote:
            citations.append(c)
        else:
            citations.append(replace(c, title=doc.title or None, page=doc.page_at(c.start)))
    return replace(answer, citations=tuple(citations))


__all__ = ["Assistant", "BadQuestion", "with_document_info"]
