"""The documents tab's behaviour and the status line: table, upload, delete, show, background updates.

Plain methods over an Assistant; `app.py` binds them to Gradio events. An upload or a deletion starts an incremental
update right away (a folder watcher, when one runs, finds nothing left to do); the rebuild button a full one. `status_extra`
is the hook for other status sources (e.g. a folder watcher): each callable returns a short note in the interface
language, or "". `runs` keeps the newest update's report of this process (the watcher records into it too); the report
panel shows it, or the store's kept report when another process updated the index later.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..answer.bilingual import available as dictionary_available
from .i18n import t, upload_message
from .panels import (render_documents, render_error, render_hint, render_last_run, render_progress, render_status,
                     render_upload_results)
from .rebuild import LastRun, Rebuilder, RebuildState, pending_files
from .render import esc, one_line
from .sources import render_document

if TYPE_CHECKING:  # pragma: no cover
    from ..records import IndexRun
    from ..store.base import LiveIndex
    from ..pipeline import Assistant
    from ..uploads import UploadResult

BUSY_WAIT_S = 120.0  # an upload waits this long for a build held elsewhere (CLI, watcher) before it says so


@dataclass
class Documents:
    assistant: Assistant
    docs_dir: Path
    max_bytes: int
    status_extra: list[Callable[[str], str]] = field(default_factory=list)
    watching: bool = False  # a folder watcher indexes files copied into docs_dir by themselves
    runs: LastRun = field(default_factory=LastRun)

    def __post_init__(self) -> None:
        self.rebuilder = Rebuilder(lambda progress, full=False: self.assistant.update(full=full, progress=progress),
                                   busy_wait=BUSY_WAIT_S, finished=self.runs.record)
        self._meta: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {}  # (id, sha256) -> (title, page starts)
        self._stored: tuple[str | None, IndexRun | None] = (None, None)  # (store version, its kept report)

    # ------------------------------------------------------------ reads of the live index, tolerant of "no index yet"
    def live_index(self) -> LiveIndex | None:
        from ..index import IndexProblem

        try:
            return self.assistant.index
        except IndexProblem:
            return None

    def document_text(self, doc_id: str) -> str | None:
        index = self.live_index()
        return index.document_text(doc_id) if index is not None else None

    def meta(self, doc_id: str, index: LiveIndex | None = None) -> tuple[str, tuple[int, ...]]:
        """Title and page starts of an indexed document; cached by content hash, as reading them reads the text."""
        index = index if index is not None else self.live_index()
        info = index.manifest.get("files", {}).get(doc_id) if index is not None else None
        if info is None:
            return "", ()
        key = (doc_id, str(info.get("sha256")))
        if key not in self._meta:
            document = index.document(doc_id)
            self._meta[key] = (document.title, tuple(document.page_starts)) if document is not None else ("", ())
        return self._meta[key]

    def page_starts(self, doc_id: str) -> tuple[int, ...]:
        return self.meta(doc_id)[1]

    def titles(self, index: LiveIndex) -> dict[str, str]:
        """Every indexed document's title (those that have one); forgets cached entries of deleted or changed files."""
        files = index.manifest.get("files", {})
        current = {(doc_id, str(info.get("sha256"))) for doc_id, info in files.items()}
        for key in [k for k in self._meta if k not in current]:
            self._meta.pop(key, None)
        return {doc_id: title for doc_id in sorted(files) if (title := self.meta(doc_id, index)[0])}

    def busy_note(self, lang: str) -> str:
        state = self.rebuilder.state
        if not state.running:
            return ""
        if state.waiting:
            return t(lang, "waiting")
        done, total = state.chunks if state.chunks else state.files
        return t(lang, "busy_full" if state.full else "busy", stage=t(lang, "bar_chunks" if state.chunks else "bar_files"),
                 done=done, total=total)

    def status(self, lang: str) -> str:
        index = self.live_index()
        docs = len(index.documents()) if index is not None else None
        chunks = index.size if index is not None else None
        llm = self.assistant.generator.model if self.assistant.generator is not None else None
        notes = [note for note in [self.busy_note(lang), *(extra(lang) for extra in self.status_extra)] if note]
        backend = f"{self.assistant.embedder.backend}; {self.assistant.store.label}"  # names the store, never a password
        return render_status(self.assistant.embedder.model_id, backend, docs, chunks,
                             " · ".join(notes), llm, lang, dictionary=dictionary_available())

    def table(self, lang: str) -> tuple[str, list[tuple[str, str]]]:
        """The documents table (title first, file name under it) and the dropdown's (label, file name) choices:
        indexed files, or files on disk the index does not have yet."""
        index = self.live_index()
        infos = index.documents() if index is not None else []
        pending = pending_files(self.docs_dir, index.manifest if index is not None else None)
        indexed = {d.id for d in infos}
        titles = self.titles(index) if index is not None else {}
        names = sorted(indexed | {p.id for p in pending if p.state in ("new", "changed", "skipped")})
        names = [c for c in names if (self.docs_dir / c).exists() or c in indexed]
        choices = [(f"{one_line(titles[c], 80)} · {c}" if c in titles else c, c) for c in names]
        return render_documents(infos, pending, lang, titles, self.watching), choices

    # ------------------------------------------------------------ actions
    def upload(self, files: list[str] | None, replace: bool) -> tuple[list[UploadResult], int | None]:
        """Save the uploads and start indexing them; returns the results and the update to follow (None: nothing new)."""
        from ..uploads import save_uploads

        paths = [Path(f) for f in (files or [])]
        results = save_uploads([(p, p.name) for p in paths], self.docs_dir, self.max_bytes, replace=bool(replace))
        for p in paths:  # Gradio's copy in its temp folder is not needed any more
            p.unlink(missing_ok=True)
        changed = any(r.status in ("added", "replaced") for r in results)
        return results, self.rebuilder.start(after_change=True, source="upload") if changed else None

    def upload_view(self, results: Sequence[UploadResult], generation: int | None, lang: str) -> str:
        """Each upload's message, then while indexing the progress bars, after it what became of each file."""
        if generation is None:
            return render_upload_results(results, lang)
        state = self.rebuilder.state
        if not self.rebuilder.done(generation):
            return render_upload_results(results, lang, {}) + self.progress(state, lang)
        outcomes = {r.saved_as: self.outcome(r.saved_as, state, lang) for r in results
                    if r.saved_as and r.status in ("added", "replaced")}
        return render_upload_results(results, lang, outcomes)

    def outcome(self, doc_id: str, state: RebuildState, lang: str) -> tuple[bool, str]:
        """(searchable?, what indexing made of `doc_id`): chunks, OCR'd pages and warnings, or why it was skipped."""
        index = self.live_index()
        manifest = index.manifest if index is not None else {}
        info = manifest.get("files", {}).get(doc_id)
        if info is not None:
            health = next((h for h in (state.report.health if state.report else ()) if h.file == doc_id), None)
            notes = [t(lang, "up_indexed", chunks=info.get("chunks", 0))]
            if health is not None and health.ocr_pages:
                notes.append(t(lang, "report_ocr_pages", pages=", ".join(map(str, health.ocr_pages))))
            notes += [f"⚠ {w}" for w in (health.warnings if health is not None else ())]
            return True, " · ".join(notes)
        unreadable = manifest.get("unreadable", {}).get(doc_id)
        skipped = next((s.reason for s in (state.report.skipped if state.report else ()) if s.file == doc_id), None)
        reason = skipped or (unreadable or {}).get("reason")
        if reason:
            return False, t(lang, "up_skipped", reason=reason)
        return False, t(lang, "up_not_indexed", error=state.error or t(lang, "up_gone"))

    def delete(self, doc_id: str | None, lang: str) -> tuple[str, int | None]:
        """Delete the file and start removing it from the index; returns the message and the update to follow."""
        from ..uploads import UploadRefused, delete_document

        if not doc_id:
            return render_error(t(lang, "choose_doc")), None
        try:
            message = upload_message(delete_document(self.docs_dir, doc_id), lang)
        except UploadRefused as err:
            return render_error(upload_message(str(err), lang)), None
        return message, self.rebuilder.start(after_change=True, source="delete")

    def delete_view(self, message: str, doc_id: str, generation: int | None, lang: str) -> str:
        if generation is None:
            return message  # already rendered (an error)
        state = self.rebuilder.state
        if not self.rebuilder.done(generation):
            return render_hint(message) + self.progress(state, lang)
        index = self.live_index()
        gone = index is not None and doc_id not in index.manifest.get("files", {})
        if gone:
            return render_hint(f"{message} · {t(lang, 'up_removed')}")
        return render_error(f"{message} · {t(lang, 'up_not_indexed', error=state.error or '–')}")

    def show(self, doc_id: str | None, lang: str) -> str:
        index = self.live_index()
        if not doc_id or index is None or doc_id not in {d.id for d in index.documents()}:
            return render_error(t(lang, "only_indexed"))
        title, pages = self.meta(doc_id)
        return render_document(doc_id, index.document_text(doc_id), None, lang, title, page_starts=pages)

    def progress(self, state: RebuildState, lang: str) -> str:
        return render_progress(state.files, state.chunks, time.monotonic() - state.started, lang, state.waiting, state.full)

    def stored_run(self) -> IndexRun | None:
        """The live index's update as the store keeps it, also when another process (CLI, `assistant watch`) ran it;
        read again only when the store's version changes. None when it keeps none (older index) or cannot be read."""
        from ..index import IndexProblem

        store = self.assistant.store
        try:
            version = store.version()
            if version != self._stored[0]:
                self._stored = (version, store.last_report() if version is not None else None)
        except (IndexProblem, OSError):  # e.g. the database is down: the status line says so, the panel shows ours
            return None
        return self._stored[1]

    def report_panel(self, lang: str) -> str:
        """The bars while this UI's update runs, else the newest update's whole report, whoever ran it: this process
        (button, upload, delete, watcher, start) or another one that updated the same index."""
        state = self.rebuilder.state
        return self.progress(state, lang) if state.running else render_last_run(self.runs.newest(self.stored_run()), lang)

    def rebuild_note(self, lang: str) -> str:
        """What the button does, beside it: a plain note, not a warning."""
        return f'<div class="qc-note">{esc(t(lang, "rebuild_note_watched" if self.watching else "rebuild_note"))}</div>'
