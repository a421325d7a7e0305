"""A documents folder that indexes itself: watch it (watchfiles), wait until changes settle, update the index.

Used by `assistant watch` and by the running app. The watcher never builds an index itself: it calls `sync`, the
caller's incremental update (`Assistant.update`) with a progress callback, so locking stays in the store and the
watcher knows what is being indexed (`busy`, shown in the app's status line by `status_note`). After each update it asks `is_stale` again, because files may have changed while the
update ran; when another process holds the build lock it retries shortly.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .records import IndexReport

Progress = Callable[[str, int, int], None]

log = logging.getLogger("quellenchat.watch")

DEBOUNCE_MS = 1500  # most changes of one copy or save arrive within this; the longest we group them
STEP_MS = 300  # quiet time after the last change before an update starts
BUSY_RETRY_S = 1.0
MAX_ROUNDS = 5  # updates in a row while the folder keeps changing (a file still being written); the next change resumes


@dataclass(frozen=True)
class WatchEvent:
    """What the watcher did: an update's report, or a problem in words (the folder stays watched)."""

    at: float  # unix time
    report: IndexReport | None = None
    error: str | None = None


def watched(path: str, docs_dir: Path) -> bool:
    """Hidden files and folders (partial uploads, editors' swap files, .git) never trigger an update."""
    try:
        parts = Path(path).resolve().relative_to(docs_dir.resolve()).parts
    except ValueError:
        return False
    return not any(part.startswith(".") or part.endswith("~") for part in parts)


class FolderWatcher:
    """Runs on a daemon thread (`start`) or in the foreground (`run`) until `stop`."""

    def __init__(
        self,
        docs_dir: Path,
        sync: Callable[[Progress], IndexReport | None],
        is_stale: Callable[[], bool],
        on_event: Callable[[WatchEvent], None] | None = None,
        progress: Progress | None = None,
        debounce_ms: int = DEBOUNCE_MS,
        step_ms: int = STEP_MS,
    ) -> None:
        self.docs_dir = Path(docs_dir)
        self._sync, self._is_stale, self._on_event, self._progress = sync, is_stale, on_event, progress
        self.busy: tuple[str, int, int] | None = None  # (stage, done, total) while an update runs
        self._debounce_ms, self._step_ms = debounce_ms, step_ms
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the folder is watched and the first catch-up is done
        self._thread: threading.Thread | None = None
        self.last: WatchEvent | None = None

    def start(self) -> "FolderWatcher":
        self._thread = threading.Thread(target=self.run, name="quellenchat-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run(self) -> None:
        """Catch up with what changed while nobody watched, then update after every settled batch of changes.

        The catch-up runs on the first (empty) yield, when the watch is already in place, so a file that arrives
        during the catch-up is never missed."""
        import watchfiles

        for changes in watchfiles.watch(
            self.docs_dir,
            watch_filter=lambda _change, path: watched(path, self.docs_dir),
            debounce=self._debounce_ms,
            step=self._step_ms,
            stop_event=self._stop,
            raise_interrupt=False,
            yield_on_timeout=True,
            rust_timeout=1000,
        ):
            if changes or not self.ready.is_set():
                self.catch_up()
                self.ready.set()

    def catch_up(self) -> None:
        """Update until the index matches the folder (or the watcher is stopped)."""
        from .index import IndexBusy, IndexProblem

        rounds = 0
        while not self._stop.is_set() and rounds < MAX_ROUNDS:
            try:
                if not self._is_stale():
                    return
                self.busy = ("files", 0, 0)
                try:
                    report = self._sync(self._track)
                finally:
                    self.busy = None
                rounds += 1
                self._emit(WatchEvent(time.time(), report=report))
            except IndexBusy:  # a rebuild elsewhere holds the lock; its result may already cover our change
                self._stop.wait(BUSY_RETRY_S)
            except (IndexProblem, FileNotFoundError) as err:  # e.g. the folder emptied: say so, keep watching
                self._emit(WatchEvent(time.time(), error=str(err)))
                return
            except Exception as err:  # the watcher must outlive any one bad update; the log has the traceback
                log.exception("update after a change failed")
                self._emit(WatchEvent(time.time(), error=f"update failed: {type(err).__name__}: {str(err)[:200]}"))
                return

    def _track(self, stage: str, done: int, total: int) -> None:
        self.busy = (stage, done, total)
        if self._progress is not None:
            self._progress(stage, done, total)

    def _emit(self, event: WatchEvent) -> None:
        self.last = event
        if self._on_event is not None:
            self._on_event(event)


_NOTES = {
    "de": {"busy": "Ordner geändert – indexiere {stage} {done}/{total}", "files": "Dateien", "chunks": "Abschnitte",
           "done": "Ordner indexiert {time}: {added} neu, {changed} geändert, {removed} entfernt", "error": "Ordner {time}: {error}",
           "skipped": "{n} übersprungen ({names})", "ocr": "OCR: {n} Seite(n)", "warnings": "⚠ {n} Warnung(en) ({names})"},
    "en": {"busy": "folder changed – indexing {stage} {done}/{total}", "files": "files", "chunks": "chunks",
           "done": "folder indexed {time}: {added} added, {changed} changed, {removed} removed", "error": "folder {time}: {error}",
           "skipped": "{n} skipped ({names})", "ocr": "OCR: {n} page(s)", "warnings": "⚠ {n} warning(s) ({names})"},
}


def _names(files: list[str], limit: int = 2) -> str:
    unique = list(dict.fromkeys(files))
    return ", ".join(unique[:limit]) + (" …" if len(unique) > limit else "")


def _health(report: IndexReport, words: dict[str, str]) -> list[str]:
    """Skipped files, OCR'd pages and warnings of an update, in a few words (the whole report: the UI's report panel)."""
    notes = []
    if report.skipped:
        notes.append(words["skipped"].format(n=len(report.skipped), names=_names([s.file for s in report.skipped])))
    if pages := sum(len(h.ocr_pages) for h in report.health):
        notes.append(words["ocr"].format(n=pages))
    if warned := [h.file for h in report.health for _ in h.warnings]:
        notes.append(words["warnings"].format(n=len(warned), names=_names(warned)))
    return notes


def status_note(watcher: FolderWatcher, lang: str) -> str:
    """One line for the app's status line: what is being indexed now, else the last update's result with what
    needs a look (skipped files, OCR'd pages, warnings)."""
    words = _NOTES["de" if lang == "de" else "en"]
    if watcher.busy is not None:
        stage, done, total = watcher.busy
        return words["busy"].format(stage=words.get(stage, stage), done=done, total=total)
    event = watcher.last
    if event is None:
        return ""
    stamp = time.strftime("%H:%M:%S", time.localtime(event.at))
    if event.error:
        return words["error"].format(time=stamp, error=event.error)
    r = event.report
    if r is None:
        return ""
    done = words["done"].format(time=stamp, added=len(r.added), changed=len(r.changed), removed=len(r.removed))
    return " · ".join([done, *_health(r, words)])
