"""A folder that indexes itself: the watcher over a real index (fast tier), and the running app (real model):
a file copied into documents/ is answerable within 10 s, a deleted one is gone within 10 s."""
from __future__ import annotations

import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from assistant.pipeline import Assistant
from assistant.watch import FolderWatcher, status_note, watched

NEW_FACT = "Die Partnerstadt Quellhausen schenkte Wolfsburg im Jahr 2031 einen grünen Leuchtturm aus Glas."
NEW_QUESTION = "Was schenkte Quellhausen der Stadt Wolfsburg?"


def wait_for(condition, seconds: float = 10.0) -> float:
    """Seconds until `condition()` held; fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def test_hidden_and_outside_paths_do_not_trigger(tmp_path):
    assert watched(str(tmp_path / "a.txt"), tmp_path)
    assert watched(str(tmp_path / "sub" / "b.pdf"), tmp_path)
    assert not watched(str(tmp_path / ".upload-x1.txt"), tmp_path)
    assert not watched(str(tmp_path / ".git" / "index"), tmp_path)
    assert not watched(str(tmp_path / "notes.txt~"), tmp_path)
    assert not watched(str(tmp_path.parent / "elsewhere.txt"), tmp_path)


@contextmanager
def watching(docs: Path, index: Path, embedder) -> Iterator[tuple[Assistant, FolderWatcher, list]]:
    """An indexed folder and a started watcher over it (stopped afterwards); events collects what it did."""
    assistant = Assistant(docs, index, embedder)
    assistant.update()
    events: list = []
    watcher = FolderWatcher(docs, sync=lambda progress: assistant.update(progress=progress), on_event=events.append,
                            is_stale=lambda: assistant.store.is_stale(docs, assistant.chunk_params)).start()
    try:
        assert watcher.ready.wait(10)
        yield assistant, watcher, events
    finally:
        watcher.stop()


def test_watcher_indexes_added_changed_and_removed_files(seed_docs, tmp_path, fake_embedder):
    with watching(seed_docs, tmp_path / "index", fake_embedder) as (assistant, watcher, events):
        (seed_docs / "neu").mkdir()
        (seed_docs / "neu" / "quellhausen.txt").write_text(NEW_FACT + "\n", encoding="utf-8")
        # the index switches a moment before the watcher reports the update (the health report comes last): wait for both
        wait_for(lambda: assistant.index.document_text("neu/quellhausen.txt") == NEW_FACT + "\n" and events)
        assert events[-1].report.added == ("neu/quellhausen.txt",)
        (seed_docs / "neu" / "quellhausen.txt").write_text(NEW_FACT.replace("2031", "2032"), encoding="utf-8")
        wait_for(lambda: "2032" in (assistant.index.document_text("neu/quellhausen.txt") or ""))
        (seed_docs / ".upload-partial.txt").write_text("half an upload")  # hidden: no update
        shutil.rmtree(seed_docs / "neu")
        wait_for(lambda: assistant.index.document_text("neu/quellhausen.txt") is None
                 and events[-1].report is not None and events[-1].report.removed != ())
        assert events[-1].report.removed == ("neu/quellhausen.txt",)
        assert all(e.error is None for e in events)
        assert "0 added, 0 changed, 1 removed" in status_note(watcher, "en")
        assert "0 neu, 0 geändert, 1 entfernt" in status_note(watcher, "de")
        staging = seed_docs / ".staging"  # hidden while written, then renamed in: both files arrive in one update
        staging.mkdir()
        (staging / "kaputt.txt").write_text("Die St\ufffddtepartnerschaft wurde verl\ufffdngert. " * 3, encoding="utf-8")
        (staging / "leer.pdf").write_bytes(b"%PDF-1.4 kaputt")
        staging.rename(seed_docs / "post")
        wait_for(lambda: events[-1].report is not None and "post/kaputt.txt" in events[-1].report.added)
        note = status_note(watcher, "en")
        assert "1 added" in note and "1 skipped (post/leer.pdf)" in note and "⚠ 1 warning(s) (post/kaputt.txt)" in note
        assert "1 übersprungen (post/leer.pdf)" in status_note(watcher, "de")


def test_watcher_reports_an_emptied_folder_and_keeps_watching(tmp_path, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Ein Satz über Celle.")
    with watching(docs, tmp_path / "index", fake_embedder) as (_, _, events):
        (docs / "a.txt").unlink()
        wait_for(lambda: events and events[-1].error is not None)
        assert "nothing to index" in events[-1].error
        (docs / "b.txt").write_text("Ein Satz über Tjumen.")
        wait_for(lambda: events[-1].report is not None and events[-1].report.added == ("b.txt",))


@pytest.mark.model
def test_running_app_answers_from_a_copied_file_within_10_s_and_forgets_a_deleted_one(seed_docs, tmp_path):
    from gradio_client import Client

    from bench.browser import start_app, stop_app

    server = start_app(seed_docs, tmp_path / "index", tmp_path / "app.log", {"ASSISTANT_WATCH": "1"})
    try:
        client = Client(server.url, verbose=False)

        def cited(question: str) -> set[str]:
            return {c["document"] for c in client.predict(question, api_name="/ask")["citations"]}

        assert "quellhausen.txt" not in cited(NEW_QUESTION)
        source = tmp_path / "quellhausen.txt"
        source.write_text(NEW_FACT + "\n", encoding="utf-8")
        shutil.copy(source, seed_docs / "quellhausen.txt")
        wait_for(lambda: "quellhausen.txt" in cited(NEW_QUESTION), 10.0)
        (seed_docs / "quellhausen.txt").unlink()
        wait_for(lambda: "quellhausen.txt" not in cited(NEW_QUESTION), 10.0)
    finally:
        stop_app(server.proc)


@pytest.mark.model
def test_cli_watch_prints_a_report_per_update_and_stops_on_ctrl_c(tmp_path):
    import json
    import os
    import queue
    import signal
    import subprocess
    import sys

    from bench.browser import default_sigint

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Celle und Tjumen sind seit 1991 Partnerstädte.", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "watch", "--json", "--docs", str(docs), "--index", str(tmp_path / "index")],
                            cwd=Path(__file__).resolve().parent.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)  # a run started in the background ignores Ctrl-C, which we test
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()

    def next_event() -> dict:
        return json.loads(lines.get(timeout=60))

    try:
        first = next_event()  # the catch-up build
        assert first["report"]["added"] == ["a.txt"] and first["error"] is None
        (docs / "b.txt").write_text(NEW_FACT, encoding="utf-8")
        second = next_event()
        assert second["report"]["added"] == ["b.txt"] and second["report"]["unchanged"] == 1
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0, proc.stderr.read()  # generous: the shared CI machine can be heavily loaded
