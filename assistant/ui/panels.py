"""Pure HTML for the documents tab and the status line: the documents table, rebuild report and progress, uploads.

Every label comes from `i18n` in the interface language; file names and reasons are escaped.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..records import DocumentInfo, IndexReport, IndexRun
from .i18n import TEXT, t, upload_message
from .render import esc, human_size, human_time, one_line


@dataclass(frozen=True)
class PendingFile:
    """A file whose state on disk differs from the index: 'new', 'changed', 'deleted' or 'skipped' (with reason)."""

    id: str
    state: str
    reason: str = ""


def _name_cell(doc_id: str, title: str) -> str:
    """Title first, file name under it; the file name alone when the document has no title."""
    if not title:
        return f'<td class="qc-docname">{esc(doc_id)}</td>'
    return f'<td><div class="qc-doc-title">{esc(one_line(title, 160))}</div><div class="qc-doc-file">{esc(doc_id)}</div></td>'


def render_documents(documents: Sequence[DocumentInfo], pending: Sequence[PendingFile] = (), lang: str = "de",
                     titles: Mapping[str, str] | None = None, watching: bool = False) -> str:
    """A table that scrolls inside itself on narrow screens: title and file name, size, chunks, indexed time, state.

    `watching`: a folder watcher picks up pending changes by itself, so the hint says so instead of asking for a rebuild."""
    titles = titles or {}
    state_of = {p.id: p for p in pending}
    rows: list[str] = []
    for doc in documents:
        p = state_of.get(doc.id)
        state = t(lang, f"state_{p.state}") if p and p.state in ("changed", "deleted") else t(lang, "state_indexed")
        rows.append(
            f'<tr>{_name_cell(doc.id, titles.get(doc.id, ""))}<td class="qc-num">{esc(human_size(doc.size))}</td>'
            f'<td class="qc-num">{doc.chunks}</td><td>{esc(human_time(doc.indexed_at))}</td>'
            f'<td class="qc-state">{esc(state)}</td></tr>'
        )
    indexed = {d.id for d in documents}
    for p in pending:
        if p.id in indexed:
            continue
        state = t(lang, "state_new") if p.state == "new" else t(lang, "state_skipped", reason=p.reason)
        rows.append(
            f'<tr class="qc-pending"><td class="qc-docname">{esc(p.id)}</td><td></td><td></td><td>–</td>'
            f'<td class="qc-state">{esc(state)}</td></tr>'
        )
    if not rows:
        rows.append(f'<tr><td colspan="5" class="qc-empty">{esc(t(lang, "no_documents"))}</td></tr>')
    waiting = [p for p in pending if p.state in ("new", "changed", "deleted")]
    hint_key = "pending_watched" if watching else "pending_hint"
    hint = f'<div class="qc-hint">{esc(t(lang, hint_key, n=len(waiting)))}</div>' if waiting else ""
    heads = "".join(f"<th>{esc(t(lang, key))}</th>" for key in ("col_document", "col_size", "col_chunks", "col_indexed", "col_status"))
    return f'<div class="qc-table-wrap"><table class="qc-docs"><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>{hint}'


def render_status(
    model_id: str, backend: str, documents: int | None, chunks: int | None, extra: str = "", llm_model: str | None = None,
    lang: str = "de", dictionary: bool | None = None,
) -> str:
    """One line: model, index size, who writes answers (and whether English questions have the dictionary);
    the details wrap away on a phone (CSS)."""
    index = t(lang, "no_index") if documents is None else t(lang, "counts", documents=documents, chunks=chunks)
    more = f' · <span class="qc-busy">{esc(extra)}</span>' if extra else ""
    answers = f"LLM: <code>{esc(llm_model)}</code>" if llm_model else esc(t(lang, "answers_quotes"))
    if dictionary is not None:
        answers += " · " + esc(t(lang, "dictionary_on" if dictionary else "dictionary_off"))
    return (
        f'<div class="qc-status"><b>Quellenchat</b> · <span class="qc-index">{esc(index)}</span>{more}'
        f'<span class="qc-detail"> · Embedding: <code>{esc(model_id)}</code> ({esc(backend)}) · {answers}</span></div>'
    )


def render_report(report: IndexReport, lang: str = "de") -> str:
    """What an update did; a full rebuild says so and lists the files it re-read (its `changed`) instead."""
    def names(items: Sequence[str]) -> str:
        return ", ".join(esc(i) for i in items) if items else "–"

    skipped = "".join(f"<li><b>{esc(s.file)}</b>: {esc(s.reason)}</li>" for s in report.skipped)
    if report.full:
        head = t(lang, "report_full_head", seconds=f"{report.seconds:.1f}", files=len(report.added) + len(report.changed),
                 chunks=report.chunks, embedded=report.embedded_chunks)
        middle = f"<li>{t(lang, 'report_reread', n=len(report.changed), names=names(report.changed))}</li>"
    else:
        head = t(lang, "report_head", seconds=f"{report.seconds:.1f}", chunks=report.chunks, embedded=report.embedded_chunks)
        middle = f"<li>{t(lang, 'report_changed', n=len(report.changed), names=names(report.changed))}</li>"
    unchanged = "" if report.full else f"<li>{esc(t(lang, 'report_unchanged', n=report.unchanged))}</li>"
    return (
        f'<div class="qc-report{" qc-report-full" if report.full else ""}"><div><b>{esc(head)}</b></div><ul>'
        f"<li>{t(lang, 'report_added', n=len(report.added), names=names(report.added))}</li>"
        f"{middle}"
        f"<li>{t(lang, 'report_removed', n=len(report.removed), names=names(report.removed))}</li>"
        f"{unchanged}"
        f"<li>{esc(t(lang, 'report_skipped', n=len(report.skipped)))}{':' if skipped else ''}<ul>{skipped}</ul></li></ul>"
        f"{render_health(report, lang)}</div>"
    )


def render_last_run(run: IndexRun | None, lang: str = "de") -> str:
    """The report panel: the newest update, whoever ran it (this process or, as "other", another one), with its whole
    report (or its problem)."""
    if run is None:
        return ""
    when = time.strftime("%H:%M:%S", time.localtime(run.at))
    source = t(lang, f"source_{run.source}") if f"source_{run.source}" in TEXT["en"] else run.source
    head = f'<div class="qc-last-run">{esc(t(lang, "last_run", time=when, source=source))}</div>'
    body = render_report(run.report, lang) if run.report is not None else render_error(run.error or t(lang, "rebuild_finished"))
    return f'<div class="qc-run" data-source="{esc(run.source)}">{head}{body}</div>'


def render_health(report: IndexReport, lang: str = "de") -> str:
    """The health report of the files this run read: totals, then each file with OCR'd pages or warnings."""
    if not report.health:
        return ""
    pages = sum(h.pages for h in report.health)
    chars = sum(h.chars for h in report.health)
    total = t(lang, "health_head", files=len(report.health), pages=pages, chars=f"{chars:,}".replace(",", "\u202f"))
    items = []
    for h in report.health:
        if not (h.ocr_pages or h.warnings):
            continue
        facts = (t(lang, "health_pages", pages=h.pages) if h.pages else "") + t(lang, "health_file", chars=h.chars, language=h.language)
        ocr = f' · {esc(t(lang, "report_ocr_pages", pages=", ".join(map(str, h.ocr_pages))))}' if h.ocr_pages else ""
        warnings = "".join(f'<li class="qc-warning">⚠ {esc(w)}</li>' for w in h.warnings)
        items.append(f"<li><b>{esc(h.file)}</b> ({esc(facts)}){ocr}{f'<ul>{warnings}</ul>' if warnings else ''}</li>")
    listed = f"<ul>{''.join(items)}</ul>" if items else f'<div class="qc-note">{esc(t(lang, "health_fine"))}</div>'
    return f'<div class="qc-health"><div>{esc(total)}</div>{listed}</div>'


def _bar(label: str, done: int, total: int) -> str:
    percent = 100 if total == 0 and done == 0 else (100 * done // total if total else 0)
    return (
        f'<div class="qc-bar-row"><span class="qc-bar-label">{esc(label)}</span>'
        f'<div class="qc-bar" role="progressbar" aria-valuenow="{done}" aria-valuemax="{total}">'
        f'<div class="qc-bar-fill" style="width:{percent}%"></div></div>'
        f'<span class="qc-bar-count">{done}/{total}</span></div>'
    )


def render_progress(files: tuple[int, int], chunks: tuple[int, int] | None, seconds: float, lang: str = "de",
                    waiting: bool = False, full: bool = False) -> str:
    """Two bars: files read (new/changed/unchanged; every file in a full rebuild) and chunks embedded (only text the
    model has not seen)."""
    chunk_bar = _bar(t(lang, "bar_chunks"), *chunks) if chunks else _bar(t(lang, "bar_chunks"), 0, 1).replace("0/1", "…")
    file_bar = _bar(t(lang, "bar_files"), *files) if files[1] else _bar(t(lang, "bar_files"), 0, 1).replace("0/1", "…")
    line = t(lang, "waiting") if waiting else t(lang, "rebuilding_full" if full else "rebuilding", seconds=f"{seconds:.0f}")
    return (
        f'<div class="qc-progress"><div>{esc(line)}</div>'
        f'{file_bar}{chunk_bar}</div>'
    )


def render_error(message: str) -> str:
    return f'<div class="qc-error">{esc(message)}</div>'


def render_hint(message: str) -> str:
    return f'<div class="qc-hint">{esc(message)}</div>'


def render_upload_results(results: Sequence[Any], lang: str = "de", outcomes: Mapping[str, tuple[bool, str]] | None = None) -> str:
    """One line per uploaded file (results are `uploads.UploadResult`), in the interface language.

    `outcomes`: None before indexing starts; {} while it runs ("indexing …"); after it, saved name -> (searchable?,
    what indexing made of the file)."""
    if not results:
        return ""
    icon = {"added": "✔", "replaced": "✔", "unchanged": "=", "refused": "✖"}
    lines = []
    for r in results:
        note = ""
        if outcomes is not None and r.status in ("added", "replaced"):
            ok, text = outcomes.get(r.saved_as, (None, t(lang, "up_indexing")))
            kind = "qc-up-indexing" if ok is None else ("qc-up-indexed" if ok else "qc-up-failed")
            note = f' · <span class="{kind}">{esc(text)}</span>'
        lines.append(f'<li class="qc-up-{esc(r.status)}">{icon.get(r.status, "")} <b>{esc(r.original)}</b>: '
                     f'{esc(upload_message(r.message, lang))}{note}</li>')
    return f'<ul class="qc-uploads">{"".join(lines)}</ul>'
