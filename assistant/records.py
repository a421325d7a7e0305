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
    title: str = ""  # shown before the file name; "" until a reader finds one (issue 11)
    page_starts: tuple[int, ...] = ()  # offset in `text` where page 1, 2, … begins; () for formats without pages
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text came from OCR

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None when the format has no pages."""
        return page_at(self.page_starts, offset)


def page_at(page_starts: tuple[int, ...] | list[int], offset: int) -> int | None:
    """1-based page of a character offset given each page's start offset; a span across a break names its first page."""
    if not page_starts:
        return None
    from bisect import bisect_right

    return max(1, bisect_right(list(page_starts), offset))


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
    title: str | None = None  # the document's title, when it has one
    page: int | None = None  # 1-based page of `start`, for paged formats (PDF, slides)

    def to_json(self) -> dict:
        return {"n": self.n, "document": self.document, "start": self.start, "end": self.end, "quote": self.quote,
                "title": self.title, "page": self.page}


@dataclass(frozen=True)
class ShortAnswer:
    """The answer itself ("28. Februar 2023"), taken from citation `n` at document span [start, end).

    `text` is what the reply shows: the verbatim span, or its English rendering ("28 February 2023")."""

    text: str
    n: int
    start: int
    end: int

    def to_json(self) -> dict:
        return {"text": self.text, "n": self.n, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Answer:
    """What the user sees: text with [n] markers, and the citations those markers refer to."""

    question: str
    language: str  # "de" or "en"
    text: str
    abstained: bool
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "LLM failed, extractive fallback"
    short_answer: ShortAnswer | None = None  # the fact a "wer/wann/wie viele …" question asks for
    read_as: str | None = None  # the question as searched, when a follow-up was read with the previous one

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "language": self.language,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "notes": list(self.notes),
            "short_answer": self.short_answer.to_json() if self.short_answer else None,
            "read_as": self.read_as,
        }


@dataclass(frozen=True)
class FileHealth:
    """What reading one file gave (issue 11's health report): pages, visible characters, language, OCR'd pages,
    and warnings a person should look at (broken-looking text, empty pages, near-duplicates)."""

    file: str
    pages: int  # 0 for formats without pages
    chars: int
    language: str
    ocr_pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"file": self.file, "pages": self.pages, "chars": self.chars, "language": self.language,
                "ocr_pages": list(self.ocr_pages), "warnings": list(self.warnings)}

    @classmethod
    def from_json(cls, data: dict) -> "FileHealth":
        return cls(str(data["file"]), int(data["pages"]), int(data["chars"]), str(data["language"]),
                   tuple(int(p) for p in data.get("ocr_pages", ())), tuple(str(w) for w in data.get("warnings", ())))


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
    health: tuple[FileHealth, ...] = ()  # one per file read in this run (added or changed)
    full: bool = False  # a full rebuild: every file was re-read and re-chunked ("changed" lists the re-read ones)

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
            "health": [h.to_json() for h in self.health],
            "warnings": [{"file": h.file, "warning": w} for h in self.health for w in h.warnings],
            "full": self.full,
        }

    @classmethod
    def from_json(cls, data: dict) -> "IndexReport":
        """The inverse of `to_json` (its derived "warnings" list is ignored), for a report another process stored."""
        return cls(
            added=tuple(map(str, data["added"])), changed=tuple(map(str, data["changed"])),
            removed=tuple(map(str, data["removed"])), unchanged=int(data["unchanged"]), chunks=int(data["chunks"]),
            embedded_chunks=int(data["embedded_chunks"]), seconds=float(data["seconds"]),
            skipped=tuple(Skipped(str(s["file"]), str(s["reason"])) for s in data.get("skipped", ())),
            embedded_sentences=int(data.get("embedded_sentences", 0)),
            health=tuple(FileHealth.from_json(h) for h in data.get("health", ())), full=bool(data.get("full", False)),
        )


@dataclass(frozen=True)
class IndexRun:
    """One index update as the UI's report panel shows it: when, who started it, and its report or its problem.

    `source`: "rebuild" (the button, a full rebuild), "upload", "delete", "watcher" (the folder watcher), "start", or
    "other": an update another process (the CLI, `assistant watch`, another app) stored with the index."""

    at: float  # unix time it ended
    source: str
    report: IndexReport | None = None
    error: str | None = None

    def to_json(self) -> dict:
        return {"at": self.at, "source": self.source, "report": self.report.to_json() if self.report else None,
                "error": self.error}

    @classmethod
    def from_json(cls, data: dict) -> "IndexRun":
        report = data.get("report")
        error = data.get("error")
        return cls(float(data["at"]), str(data["source"]), IndexReport.from_json(report) if report is not None else None,
                   None if error is None else str(error))


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as listed in the UI's documents panel."""

    id: str
    size: int
    chunks: int
    indexed_at: float  # unix time
