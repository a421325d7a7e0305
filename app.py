"""Start Quellenchat: index documents/ (only what changed), then serve the chat UI and the OpenAI-compatible /v1 API.

    python app.py [--host 127.0.0.1] [--port 7860] [--docs documents] [--index index | --database-url postgresql://… [--collection NAME]]

Binds 127.0.0.1 unless told otherwise; ASSISTANT_PASSWORD turns on a login (user "assistant") for the UI,
ASSISTANT_API_KEY a Bearer key for the API. Binding beyond loopback without an API key is refused.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Sequence

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home from a local document tool


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="app.py", description="Quellenchat chat UI")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; env ASSISTANT_HOST)")
    parser.add_argument("--port", type=int, help="port (default 7860; env ASSISTANT_PORT)")
    parser.add_argument("--docs", dest="docs_dir", help="documents folder (default documents; env ASSISTANT_DOCS_DIR)")
    parser.add_argument("--index", dest="index_dir", help="index folder (default index; env ASSISTANT_INDEX_DIR)")
    parser.add_argument("--database-url", dest="database_url", help="keep the index in PostgreSQL (env ASSISTANT_DATABASE_URL)")
    parser.add_argument("--collection", dest="collection", help="document set in that database (env ASSISTANT_COLLECTION)")
    parser.add_argument("--no-watch", dest="watch", action="store_false", default=os.environ.get("ASSISTANT_WATCH", "1") != "0",
                        help="don't index changes in the documents folder by themselves (env ASSISTANT_WATCH=0)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.cli import make_assistant, progress_bars, render_report
    from assistant.config import load_settings
    from assistant.index import IndexMissing, IndexProblem, ModelMismatch
    from assistant.api import build_api
    from assistant.records import IndexRun
    from assistant.ui import LastRun, bind_problem, build_ui, esc, is_loopback, serve

    args = parse_args(argv)
    try:
        settings = load_settings({k: v for k, v in vars(args).items() if k != "watch"})
    except ValueError as err:
        sys.stderr.write(f"app.py: {err}\n")
        return 2
    if not settings.docs_dir.is_dir():
        sys.stderr.write(f"app.py: documents folder not found: {settings.docs_dir}\n")
        return 2
    if (problem := bind_problem(settings)) is not None:
        sys.stderr.write(f"app.py: {problem}\n")
        return 2
    assistant = make_assistant(settings)
    from assistant.answer.bilingual import lexicon  # parsed (first run only) while the index is checked
    from assistant.answer.reader import shipped_reader  # loads the judge too (~3 s each into torch): not on the first question

    threading.Thread(target=lexicon, name="dictionary", daemon=True).start()
    threading.Thread(target=shipped_reader, name="readers", daemon=True).start()
    note = ""
    runs = LastRun()  # the newest update's report, whoever ran it, for the UI's report panel
    try:
        report = assistant.update_if_stale(progress=progress_bars())
        if report is not None:
            sys.stderr.write(render_report(report) + "\n")
            runs.record(IndexRun(time.time(), "start", report))
    except ModelMismatch as err:
        sys.stderr.write(f"app.py: {err}\n")
        return 2
    except IndexProblem as err:  # e.g. an empty documents folder: start anyway, so documents can be uploaded
        sys.stderr.write(f"app.py: {err}\n")
        if not isinstance(err, IndexMissing):
            note = f'<div class="qc-hint">{esc(err)}</div>'
    if not is_loopback(settings.host) and not settings.password:
        sys.stderr.write(
            f"app.py: warning: serving on {settings.host} without a password; set ASSISTANT_PASSWORD to require a login\n"
        )
    watcher = None
    if args.watch:  # documents/ indexes itself: files copied in, changed or deleted are picked up within seconds
        from assistant.watch import FolderWatcher, status_note

        watcher = FolderWatcher(settings.docs_dir, sync=lambda progress: assistant.update(progress=progress),
                                is_stale=lambda: assistant.store.is_stale(assistant.docs_dir, assistant.chunk_params),
                                on_event=lambda e: runs.record(IndexRun(e.at, "watcher", e.report, e.error)))
    demo = build_ui(assistant, settings, startup_note=note,
                    status_extra=[lambda lang: status_note(watcher, lang)] if watcher else None, watching=watcher is not None,
                    runs=runs)
    if watcher is not None:
        watcher.start()
    demo.queue(default_concurrency_limit=1)
    serve(demo, settings, [build_api(assistant, settings.api_key)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
