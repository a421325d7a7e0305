"""Typed records that cross stage boundaries: every stage takes and returns these, never loose dicts."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """The extracted text of one file; every offset in the system points into `text`."""

    id: str  # path relative to the docs folder, POSIX separators (e.g. "sub/report.pdf")
    text: str
    sha256: str  # of the file's bytes, so unchanged files are recognised without parsing them
    size: int  # bytes on disk


@dataclass(frozen=True)
class Skipped:
    """A file that could not be read, with a reason a user can act on."""

    file: str
    reason: str


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) inside a document's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A few consecutive sentences of one document; `text == document.text[start:end]`."""

    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score (higher is better) and per-retriever ranks (0-based)."""

    chunk: Chunk
    score: float
    dense_score: float = 0.0
    dense_rank: int | None = None
    lexical_rank: int | None = None
    sentence_scores: tuple[tuple[int, int, float], ...] = ()  # (start, end, cosine) of each sentence of the chunk


@dataclass(frozen=True)
class Citation:
    """Numbered pointer to a verified span: `quote == document.text[start:end]`."""

    n: int
    document: str
    start: int
    end: int
    quote: str

    def to_json(self) -> dict:
        return {"n": self.n, "document": self.document, "start": self.start, "end": self.end, "quote": self.quote}


@dataclass(frozen=True)
class Answer:
    """What the user sees: text with [n] markers, and the citations those markers refer to."""

    question: str
    language: str  # "de" or "en"
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "LLM failed, extractive fallback"

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class IndexReport:
    """What one `assistant index` run did; `embedded_chunks` counts only texts the model actually saw."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    chunks: int
    embedded_chunks: int
    seconds: float
    skipped: tuple[Skipped, ...]
    embedded_sentences: int = 0  # the unit the model embeds; a chunk's vector is the mean of its sentences'

    def to_json(self) -> dict:
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "unchanged": self.unchanged,
            "chunks": self.chunks,
            "embedded_chunks": self.embedded_chunks,
            "embedded_sentences": self.embedded_sentences,
            "seconds": round(self.seconds, 3),
            "skipped": [{"file": s.file, "reason": s.reason} for s in self.skipped],
        }


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as listed in the UI's documents panel."""

    id: str
    size: int
    chunks: int
    indexed_at: float  # unix time
