"""The documents tab's behaviour and the status line: table, upload, delete, show, background rebuild.

Plain methods over an Assistant; `app.py` binds them to Gradio events. `status_extra` is the hook for other
status sources (e.g. a folder watcher): each callable returns a short note in the interface language, or "".
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .i18n import t, upload_message
from .panels import render_documents, render_error, render_hint, render_progress, render_report, render_status, render_upload_results
from .rebuild import Rebuilder, RebuildState, pending_files
from .sources import render_document

if TYPE_CHECKING:  # pragma: no cover
    from ..index import Index
    from ..pipeline import Assistant


@dataclass
class Documents:
    assistant: Assistant
    docs_dir: Path
    max_bytes: int
    status_extra: list[Callable[[str], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rebuilder = Rebuilder(lambda progress: self.assistant.update(progress=progress))

    # ------------------------------------------------------------ reads of the live index, tolerant of "no index yet"
    def live_index(self) -> Index | None:
        from ..index import IndexProblem

        try:
            return self.assistant.index
        except IndexProblem:
            return None

    def document_text(self, doc_id: str) -> str | None:
        index = self.live_index()
        return index.document_text(doc_id) if index is not None else None

    def busy_note(self, lang: str) -> str:
        state = self.rebuilder.state
        if not state.running:
            return ""
        done, total = state.chunks if state.chunks else state.files
        return t(lang, "busy", stage=t(lang, "bar_chunks" if state.chunks else "bar_files"), done=done, total=total)

    def status(self, lang: str) -> str:
        index = self.live_index()
        docs = len(index.documents()) if index is not None else None
        chunks = index.size if index is not None else None
        llm = self.assistant.generator.model if self.assistant.generator is not None else None
        notes = [note for note in [self.busy_note(lang), *(extra(lang) for extra in self.status_extra)] if note]
        backend = f"{self.assistant.embedder.backend}; {self.assistant.store.label}"  # names the store, never a password
        return render_status(self.assistant.embedder.model_id, backend, docs, chunks,
                             " · ".join(notes), llm, lang)

    def table(self, lang: str) -> tuple[str, list[str]]:
        """The documents table and the names the dropdown offers (indexed, or on disk waiting for a rebuild)."""
        index = self.live_index()
        infos = index.documents() if index is not None else []
        pending = pending_files(self.docs_dir, index.manifest if index is not None else None)
        indexed = {d.id for d in infos}
        choices = sorted(indexed | {p.id for p in pending if p.state in ("new", "changed", "skipped")})
        choices = [c for c in choices if (self.docs_dir / c).exists() or c in indexed]
        return render_documents(infos, pending, lang), choices

    # ------------------------------------------------------------ actions
    def upload(self, files: list[str] | None, replace: bool, lang: str) -> str:
        from ..uploads import save_uploads

        paths = [Path(f) for f in (files or [])]
        results = save_uploads([(p, p.name) for p in paths], self.docs_dir, self.max_bytes, replace=bool(replace))
        for p in paths:  # Gradio's copy in its temp folder is not needed any more
            p.unlink(missing_ok=True)
        return render_upload_results(results, lang)

    def delete(self, doc_id: str | None, lang: str) -> str:
        from ..uploads import UploadRefused, delete_document

        if not doc_id:
            return render_error(t(lang, "choose_doc"))
        try:
            return render_hint(upload_message(delete_document(self.docs_dir, doc_id), lang))
        except UploadRefused as err:
            return render_error(upload_message(str(err), lang))

    def show(self, doc_id: str | None, lang: str) -> str:
        index = self.live_index()
        if not doc_id or index is None or doc_id not in {d.id for d in index.documents()}:
            return render_error(t(lang, "only_indexed"))
        return render_document(doc_id, index.document_text(doc_id), None, lang)

    def progress(self, state: RebuildState, lang: str) -> str:
        return render_progress(state.files, state.chunks, time.monotonic() - state.started, lang)

    def result(self, state: RebuildState, lang: str) -> str:
        return render_report(state.report, lang) if state.report else render_error(state.error or t(lang, "rebuild_finished"))
