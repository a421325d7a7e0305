"""Pure HTML for the documents tab and the status line: the documents table, rebuild report and progress, uploads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..records import DocumentInfo, IndexReport
from .render import esc, human_size, human_time

@dataclass(frozen=True)
class PendingFile:
    """A file whose state on disk differs from the index: 'new', 'changed', 'deleted' or 'skipped' (with reason)."""

    id: str
    state: str
    reason: str = ""


def render_documents(documents: Sequence[DocumentInfo], pending: Sequence[PendingFile] = ()) -> str:
    state_of = {p.id: p for p in pending}
    rows: list[str] = []
    for doc in documents:
        p = state_of.get(doc.id)
        state = {"changed": "geändert, noch nicht neu indexiert / changed, not re-indexed yet",
                 "deleted": "gelöscht, noch im Index / deleted, still in the index"}.get(p.state, "") if p else ""
        rows.append(
            f'<tr><td class="qc-docname">{esc(doc.id)}</td><td class="qc-num">{esc(human_size(doc.size))}</td>'
            f'<td class="qc-num">{doc.chunks}</td><td>{esc(human_time(doc.indexed_at))}</td>'
            f'<td class="qc-state">{esc(state) or "indexiert / indexed"}</td></tr>'
        )
    indexed = {d.id for d in documents}
    for p in pending:
        if p.id in indexed:
            continue
        state = "neu, noch nicht indexiert / new, not indexed yet" if p.state == "new" else f"übersprungen / skipped: {p.reason}"
        rows.append(
            f'<tr class="qc-pending"><td class="qc-docname">{esc(p.id)}</td><td></td><td></td><td>–</td>'
            f'<td class="qc-state">{esc(state)}</td></tr>'
        )
    if not rows:
        rows.append('<tr><td colspan="5" class="qc-empty">Keine Dokumente / no documents</td></tr>')
    waiting = [p for p in pending if p.state in ("new", "changed", "deleted")]
    hint = (
        f'<div class="qc-hint">{len(waiting)} Änderung(en) noch nicht im Index – „Index aktualisieren“ drücken. '
        f"/ {len(waiting)} change(s) not in the index yet – press “Rebuild index”.</div>"
        if waiting
        else ""
    )
    return (
        '<table class="qc-docs"><thead><tr><th>Dokument / Document</th><th>Größe / Size</th><th>Abschnitte / Chunks</th>'
        f'<th>Indexiert / Indexed</th><th>Status</th></tr></thead><tbody>{"".join(rows)}</tbody></table>{hint}'
    )


def render_status(
    model_id: str, backend: str, documents: int | None, chunks: int | None, extra: str = "", llm_model: str | None = None
) -> str:
    if documents is None:
        index = "kein Index – Dokumente hochladen und „Index aktualisieren“ / no index yet – upload documents and rebuild"
    else:
        index = f"{documents} Dokumente / documents · {chunks} Abschnitte / chunks"
    more = f' · <span class="qc-busy">{esc(extra)}</span>' if extra else ""
    answers = f"LLM: <code>{esc(llm_model)}</code>" if llm_model else "Antworten: Zitate / answers: quotes (no LLM)"
    return (
        f'<div class="qc-status"><b>Quellenchat</b> · Embedding: <code>{esc(model_id)}</code> ({esc(backend)}) · '
        f"{esc(index)} · {answers}{more}</div>"
    )


def render_report(report: IndexReport) -> str:
    def names(items: Sequence[str]) -> str:
        return ", ".join(esc(i) for i in items) if items else "–"

    skipped = "".join(f"<li><b>{esc(s.file)}</b>: {esc(s.reason)}</li>" for s in report.skipped)
    return (
        f'<div class="qc-report"><div><b>Index aktualisiert / index updated</b> in {report.seconds:.1f} s: '
        f"{report.chunks} Abschnitte / chunks, {report.embedded_chunks} neu eingebettet / newly embedded.</div><ul>"
        f"<li>hinzugefügt / added ({len(report.added)}): {names(report.added)}</li>"
        f"<li>geändert / changed ({len(report.changed)}): {names(report.changed)}</li>"
        f"<li>entfernt / removed ({len(report.removed)}): {names(report.removed)}</li>"
        f"<li>unverändert / unchanged: {report.unchanged}</li>"
        f"<li>übersprungen / skipped ({len(report.skipped)}){':' if skipped else ''}<ul>{skipped}</ul></li></ul></div>"
    )


def _bar(label: str, done: int, total: int) -> str:
    percent = 100 if total == 0 and done == 0 else (100 * done // total if total else 0)
    return (
        f'<div class="qc-bar-row"><span class="qc-bar-label">{esc(label)}</span>'
        f'<div class="qc-bar" role="progressbar" aria-valuenow="{done}" aria-valuemax="{total}">'
        f'<div class="qc-bar-fill" style="width:{percent}%"></div></div>'
        f'<span class="qc-bar-count">{done}/{total}</span></div>'
    )


def render_progress(files: tuple[int, int], chunks: tuple[int, int] | None, seconds: float) -> str:
    """Two bars: files read (new/changed/unchanged) and chunks embedded (only text the model has not seen)."""
    chunk_bar = _bar("Abschnitte eingebettet / chunks embedded", *chunks) if chunks else _bar("Abschnitte / chunks", 0, 0).replace(
        "0/0", "…"
    )
    return (
        f'<div class="qc-progress"><div>Index wird aktualisiert … / rebuilding … ({seconds:.0f} s) – '
        f"der Chat bleibt benutzbar / the chat stays usable</div>{_bar('Dateien / files', *files)}{chunk_bar}</div>"
    )


def render_error(message: str) -> str:
    return f'<div class="qc-error">{esc(message)}</div>'


def render_upload_results(results: Sequence[Any]) -> str:
    """One line per uploaded file (results are `uploads.UploadResult`)."""
    if not results:
        return ""
    icon = {"added": "✔", "replaced": "✔", "unchanged": "=", "refused": "✖"}
    lines = "".join(
        f'<li class="qc-up-{esc(r.status)}">{icon.get(r.status, "")} <b>{esc(r.original)}</b>: {esc(r.message)}</li>' for r in results
    )
    return f'<ul class="qc-uploads">{lines}</ul>'
