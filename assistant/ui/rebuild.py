"""Index rebuilds on a background thread for the UI, and what a rebuild would change (folder vs. manifest)."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..records import IndexReport
from .panels import PendingFile

log = logging.getLogger("quellenchat.ui")

@dataclass(frozen=True)
class RebuildState:
    running: bool = False
    started: float = 0.0
    files: tuple[int, int] = (0, 0)
    chunks: tuple[int, int] | None = None
    report: IndexReport | None = None
    error: str | None = None
    generation: int = 0  # counts rebuilds, so a watcher knows which one it is following


class Rebuilder:
    """Runs `Assistant.update` on a thread and records its progress; at most one rebuild per process.

    The chat keeps answering meanwhile: the pipeline answers from the old generation until the new one
    is switched in. A build started elsewhere (the CLI) is refused by the index lock with a message.
    """

    def __init__(self, update: Callable[..., IndexReport]) -> None:
        self._update = update
        self._lock = threading.Lock()
        self._state = RebuildState()

    @property
    def state(self) -> RebuildState:
        with self._lock:
            return self._state

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)

    def start(self) -> int:
        """Start a rebuild unless one is running; returns the generation to follow."""
        with self._lock:
            if self._state.running:
                return self._state.generation
            self._state = RebuildState(running=True, started=time.monotonic(), generation=self._state.generation + 1)
            generation = self._state.generation
        threading.Thread(target=self._run, name="quellenchat-rebuild", daemon=True).start()
        return generation

    def _progress(self, stage: str, done: int, total: int) -> None:
        if stage == "files":
            self._set(files=(done, total))
        else:
            self._set(chunks=(done, total))

    def _run(self) -> None:
        from ..index import IndexProblem

        try:
            report = self._update(progress=self._progress)
            self._set(running=False, report=report)
        except IndexProblem as err:
            self._set(running=False, error=str(err))
        except Exception as err:  # a rebuild must never take the UI down; the log has the traceback
            log.exception("rebuild failed")
            self._set(running=False, error=f"rebuild failed: {type(err).__name__}: {str(err)[:200]}")


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
