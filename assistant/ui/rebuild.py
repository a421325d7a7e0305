"""Index updates on a background thread for the UI (rebuild button: a full rebuild; uploads and deletes: incremental),
the last update's report for the report panel, and what an update would change (folder vs. manifest)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..records import IndexReport, IndexRun
from .panels import PendingFile

log = logging.getLogger("quellenchat.ui")

BUSY_RETRY_S = 0.5


class LastRun:
    """The newest finished index update of this process, whoever ran it (button, upload, delete, folder watcher, app
    start): the report panel shows it whole, health report included, not only the status line's summary. Updates of
    other processes (CLI, `assistant watch`) come from the store (`Store.last_report`) and are weighed in `newest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run: IndexRun | None = None

    def record(self, run: IndexRun) -> None:
        with self._lock:
            if self._run is None or run.at >= self._run.at:
                self._run = run

    @property
    def run(self) -> IndexRun | None:
        with self._lock:
            return self._run

    def newest(self, stored: IndexRun | None) -> IndexRun | None:
        """This process's run, or the store's when that one ended later (another process updated the index since).

        The store also keeps this process's own updates, a moment before `record` hears of them: a tie or a small
        lead goes to this process's record, which knows who asked (button, upload, …)."""
        own = self.run
        if stored is None or (own is not None and own.at >= stored.at):
            return own
        return stored


@dataclass(frozen=True)
class RebuildState:
    running: bool = False
    started: float = 0.0
    files: tuple[int, int] = (0, 0)
    chunks: tuple[int, int] | None = None
    report: IndexReport | None = None
    error: str | None = None
    generation: int = 0  # counts updates, so a caller knows which one covers its change
    waiting: bool = False  # another process (CLI, folder watcher) holds the index lock; retrying
    full: bool = False  # this update re-reads every file (the rebuild button)
    source: str = "rebuild"  # who asked: "rebuild", "upload", "delete"


class Rebuilder:
    """Runs `update(progress=…, full=…)` (`Assistant.update`) on a thread and records its progress; at most one
    update per process at a time.

    The chat keeps answering meanwhile: the pipeline answers from the old generation until the new one is switched
    in. A caller that changed the folder while an update runs (an upload) gets one more update queued, because the
    running one may have read the folder before the change; so does a full rebuild asked for during an incremental
    one. A build held elsewhere (CLI, watcher) is waited for up to `busy_wait` seconds, then reported with the store's
    message. Every finished update is handed to `finished` (the report panel's `LastRun.record`).
    """

    def __init__(self, update: Callable[..., IndexReport], busy_wait: float = 0.0,
                 finished: Callable[[IndexRun], None] | None = None) -> None:
        self._update = update
        self._busy_wait = busy_wait
        self._finished = finished
        self._lock = threading.Lock()
        self._state = RebuildState()
        self._queued: tuple[bool, str] | None = None  # (full, source) of the update to run after this one

    @property
    def state(self) -> RebuildState:
        with self._lock:
            return self._state

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)

    def start(self, after_change: bool = False, full: bool = False, source: str = "rebuild") -> int:
        """Start an update unless one is running; returns the generation to follow until `done`.

        `after_change`: the caller just changed the folder, so a running update is followed by one more.
        `full`: re-read every file (a running full rebuild already does; a running incremental one is followed by one)."""
        with self._lock:
            if self._state.running:
                covered = self._state.full or not full  # the running update already does what is asked
                if covered and not after_change:
                    return self._state.generation
                queued_full = full or (self._queued is not None and self._queued[0])
                self._queued = (queued_full, "rebuild" if queued_full else source)
                return self._state.generation + 1
            self._state = RebuildState(running=True, started=time.monotonic(), generation=self._state.generation + 1,
                                       full=full, source=source)
            generation = self._state.generation
        threading.Thread(target=self._run, name="quellenchat-rebuild", daemon=True).start()
        return generation

    def done(self, generation: int) -> bool:
        """True once no update runs and the one numbered `generation` (or a later one) has ended."""
        state = self.state
        return not state.running and state.generation >= generation

    def _progress(self, stage: str, done: int, total: int) -> None:
        if stage == "files":
            self._set(files=(done, total), waiting=False)
        else:
            self._set(chunks=(done, total), waiting=False)

    def _run(self) -> None:
        while True:
            state = self.state
            report, error = self._update_once(state.full)
            if self._finished is not None:
                self._finished(IndexRun(time.time(), state.source, report, error))
            with self._lock:
                if self._queued is not None:  # a change (or a full rebuild) was asked for while this update ran
                    full, source = self._queued
                    self._queued = None
                    self._state = RebuildState(running=True, started=time.monotonic(), generation=self._state.generation + 1,
                                               full=full, source=source)
                    continue
                self._state = replace(self._state, running=False, waiting=False, report=report, error=error)
                return

    def _update_once(self, full: bool) -> tuple[IndexReport | None, str | None]:
        from ..index import IndexBusy, IndexProblem

        deadline = time.monotonic() + self._busy_wait
        while True:
            try:
                return self._update(progress=self._progress, full=full), None
            except IndexBusy as err:
                if time.monotonic() >= deadline:
                    return None, str(err)
                self._set(waiting=True)
                time.sleep(BUSY_RETRY_S)
            except IndexProblem as err:
                return None, str(err)
            except Exception as err:  # an update must never take the UI down; the log has the traceback
                log.exception("rebuild failed")
                return None, f"rebuild failed: {type(err).__name__}: {str(err)[:200]}"


def pending_files(docs_dir: Path, manifest: dict | None) -> list[PendingFile]:
    """Compare the documents folder with the index manifest, so the panel can show what a rebuild would do."""
    from ..documents import scan_folder

    try:
        entries, skipped = scan_folder(docs_dir)
    except FileNotFoundError:
        entries, skipped = [], []
    files = (manifest or {}).get("files", {})
    unreadable = (manifest or {}).get("unreadable", {})
    out: list[PendingFile] = []
    on_disk = set()
    for e in entries:
        on_disk.add(e.id)
        if e.id in files:
            if files[e.id]["sha256"] != e.sha256:
                out.append(PendingFile(e.id, "changed"))
        elif e.id in unreadable and unreadable[e.id].get("sha256") == e.sha256:
            out.append(PendingFile(e.id, "skipped", unreadable[e.id].get("reason", "")))
        else:
            out.append(PendingFile(e.id, "new"))
    out += [PendingFile(s.file, "skipped", s.reason) for s in skipped]
    out += [PendingFile(doc_id, "deleted") for doc_id in files if doc_id not in on_disk]
    return sorted(out, key=lambda p: p.id)
