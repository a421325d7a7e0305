"""The browser face of Quellenchat: chat with cited sources, a documents panel, upload, delete and rebuild.

Renders only: questions go to `Assistant.ask_stream`, rebuilds to `Assistant.update`, uploads to
`assistant.uploads`. Every piece of document text, file name and question is HTML-escaped here before it
reaches the page; the chat is shown without Markdown so a document cannot smuggle markup in through a quote.

The pure `render_*` helpers come first (tested without a browser); `build_ui` wires them to Gradio, which is
imported only inside it, so importing this module stays cheap.
"""
from __future__ import annotations

import html
import ipaddress
import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from .records import Answer, Citation, DocumentInfo, IndexReport

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

    from .config import Settings
    from .pipeline import Assistant

log = logging.getLogger("quellenchat.ui")

EXAMPLES = [
    "Seit wann kooperieren Niedersachsen und Tjumen?",
    "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?",
    "Wie viele Kilometer liegen zwischen Haldensleben und Omsk?",
    "How many municipal partnerships exist between North Rhine-Westphalia and Dnipropetrovsk?",
    "Wer leitet die Delegation aus Omsk?",
]
CONTEXT_CHARS = 220  # passage context shown on each side of a quote in the sources panel
VIEW_CHARS = 60_000  # longest stretch of a document the viewer renders at once (around the cited span)
QUESTION_SHOWN_CHARS = 600  # a refused 20,000-character question is not echoed whole

LABELS: dict[str, dict[str, str]] = {
    "de": {
        "sources": "Quellen zu Antwort {turn}",
        "chars": "Zeichen {start}–{end}",
        "open": "Ganzes Dokument an dieser Stelle öffnen",
        "no_sources": "Keine Quellen: Die Dokumente enthalten dazu nichts.",
        "refused": "Keine Quellen: Die Frage wurde nicht beantwortet.",
        "moved": "Das Dokument wurde seit dieser Antwort geändert; die Stelle ist nicht mehr genau dieselbe.",
        "gone": "Das Dokument ist nicht mehr im Index.",
    },
    "en": {
        "sources": "Sources for answer {turn}",
        "chars": "characters {start}–{end}",
        "open": "Open the whole document at this passage",
        "no_sources": "No sources: the documents do not say.",
        "refused": "No sources: the question was not answered.",
        "moved": "The document changed since this answer; the passage may have moved.",
        "gone": "The document is no longer in the index.",
    },
}


def esc(value: object) -> str:
    """HTML-escape anything shown on the page (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def _labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def _one_line(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def human_time(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "–"


# ---------------------------------------------------------------- chat


@dataclass(frozen=True)
class Turn:
    """One question of a chat and what came back: an Answer, or a refusal/error message for the user."""

    question: str
    answer: Answer | None = None
    message: str | None = None  # BadQuestion text, index problem, or a short error note


_MARKER = re.compile(r"\[(\d+)\]")


def source_anchor(turn: int, n: int) -> str:
    return f"qc-src-{turn}-{n}"


def render_marker(citation: Citation, turn: int) -> str:
    """A clickable [n]: its link names the source card, its tooltip shows document and quote."""
    tip = f"[{citation.n}] {citation.document}: {_one_line(citation.quote, 240)}"
    return f'<a class="qc-cite" href="#{source_anchor(turn, citation.n)}" title="{esc(tip)}">[{citation.n}]</a>'


def render_answer(answer: Answer, turn: int) -> str:
    """Answer text, escaped, with its [n] markers turned into links to the sources panel."""
    by_n = {c.n: c for c in answer.citations}
    parts: list[str] = []
    pos = 0
    for match in _MARKER.finditer(answer.text):
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            continue
        parts.append(esc(answer.text[pos : match.start()]))
        parts.append(render_marker(citation, turn))
        pos = match.end()
    parts.append(esc(answer.text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    css = "qc-answer qc-abstained" if answer.abstained else "qc-answer"
    notes = "".join(f'<div class="qc-note">{esc(note)}</div>' for note in answer.notes)
    return f'<div class="{css}">{body}</div>{notes}'


def render_partial(text: str) -> str:
    """A streamed answer still being written: plain escaped text."""
    return f'<div class="qc-answer qc-streaming">{esc(text).replace(chr(10), "<br>")}</div>'


def render_message(message: str) -> str:
    return f'<div class="qc-answer qc-refused">{esc(message)}</div>'


def render_question(question: str) -> str:
    return esc(_one_line(question, QUESTION_SHOWN_CHARS)) or "&nbsp;"


def chat_messages(turns: Sequence[Turn], pending: str | None = None, partial: str | None = None) -> list[dict[str, str]]:
    """The chatbot's value: alternating user/assistant messages rebuilt from the turns (message i//2 = turn)."""
    messages: list[dict[str, str]] = []
    for number, turn in enumerate(turns):
        messages.append({"role": "user", "content": render_question(turn.question)})
        if turn.answer is not None:
            content = render_answer(turn.answer, number)
        else:
            content = render_message(turn.message or "")
        messages.append({"role": "assistant", "content": content})
    if pending is not None:
        messages.append({"role": "user", "content": render_question(pending)})
        messages.append({"role": "assistant", "content": render_partial(partial) if partial else '<div class="qc-answer qc-thinking">…</div>'})
    return messages


# ---------------------------------------------------------------- sources and document viewer


@dataclass(frozen=True)
class Located:
    """Where a citation's quote sits in the document text as the index holds it now."""

    start: int
    end: int
    exact: bool  # False when the document changed and the quote was found elsewhere (or not at all)


def locate(citation: Citation, text: str) -> Located | None:
    if text[citation.start : citation.end] == citation.quote:
        return Located(citation.start, citation.end, True)
    found = text.find(citation.quote)
    return Located(found, found + len(citation.quote), False) if found >= 0 and citation.quote else None


def _cut_left(text: str, start: int, width: int) -> tuple[str, bool]:
    """Up to `width` characters before `start`, beginning at a word boundary."""
    lo = max(0, start - width)
    chunk = text[lo:start]
    if lo > 0:
        space = re.search(r"\s", chunk)
        chunk = chunk[space.end() :] if space else chunk
    return chunk, lo > 0


def _cut_right(text: str, end: int, width: int) -> tuple[str, bool]:
    hi = min(len(text), end + width)
    chunk = text[end:hi]
    if hi < len(text):
        space = max(chunk.rfind(" "), chunk.rfind("\n"))
        chunk = chunk[:space] if space > 0 else chunk
    return chunk, hi < len(text)


def render_passage(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> str:
    """The quoted span in <mark>, with escaped context around it; the document text is never trusted."""
    before, more_left = _cut_left(text, start, context)
    after, more_right = _cut_right(text, end, context)
    return (
        f'<div class="qc-passage">{"… " if more_left else ""}{esc(before)}'
        f'<mark class="qc-quote">{esc(text[start:end])}</mark>{esc(after)}{" …" if more_right else ""}</div>'
    )


def render_source(citation: Citation, turn: int, language: str, text: str | None) -> str:
    labels = _labels(language)
    head = (
        f'<div class="qc-source-head"><span class="qc-n">[{citation.n}]</span> '
        f'<span class="qc-docname">{esc(citation.document)}</span> '
        f'<span class="qc-range">{esc(labels["chars"].format(start=citation.start, end=citation.end))}</span></div>'
    )
    found = locate(citation, text) if text is not None else None
    if found is None:
        note = labels["gone"] if text is None else labels["moved"]
        body = f'<div class="qc-passage"><mark class="qc-quote">{esc(citation.quote)}</mark></div><div class="qc-note">{esc(note)}</div>'
        link = ""
    else:
        body = render_passage(text or "", found.start, found.end)
        if not found.exact:
            body += f'<div class="qc-note">{esc(labels["moved"])}</div>'
        link = (
            f'<a href="#" class="qc-open" data-turn="{turn}" data-n="{citation.n}">{esc(labels["open"])} ↗</a>'
        )
    return f'<div class="qc-source" id="{source_anchor(turn, citation.n)}">{head}{body}{link}</div>'


SOURCES_PLACEHOLDER = (
    '<div class="qc-sources qc-empty">Quellen / Sources: Stellen Sie eine Frage – die zitierten Stellen erscheinen hier. '
    "Ask a question – the cited passages appear here.</div>"
)


def render_sources(turn: int | None, item: Turn | None, document_text: Callable[[str], str | None]) -> str:
    """The sources panel for one chat turn: a card per citation, or a plain note when there are none."""
    if turn is None or item is None:
        return SOURCES_PLACEHOLDER
    answer = item.answer
    language = answer.language if answer else "en"
    labels = _labels(language)
    title = f'<div class="qc-sources-title">{esc(labels["sources"].format(turn=turn + 1))}</div>'
    if answer is None or not answer.citations:
        note = labels["refused"] if answer is None else labels["no_sources"]
        return f'<div class="qc-sources" data-turn="{turn}">{title}<div class="qc-empty">{esc(note)}</div></div>'
    texts: dict[str, str | None] = {}
    for c in answer.citations:
        if c.document not in texts:
            texts[c.document] = document_text(c.document)
    cards = "".join(render_source(c, turn, language, texts[c.document]) for c in answer.citations)
    return f'<div class="qc-sources" data-turn="{turn}">{title}{cards}</div>'


VIEWER_PLACEHOLDER = (
    '<div class="qc-viewer qc-empty">Dokument / Document: „Ganzes Dokument öffnen“ bei einer Quelle zeigt hier den '
    "vollständigen Text, an der zitierten Stelle markiert. “Open the whole document” on a source shows it here.</div>"
)


def render_document(doc_id: str, text: str | None, span: tuple[int, int] | None = None, window: int = VIEW_CHARS) -> str:
    """The whole document (or a window of a huge one around the span), escaped, with the span marked."""
    close = '<a href="#" class="qc-close" title="close">×</a>'
    if text is None:
        return f'<div class="qc-viewer"><div class="qc-viewer-head">{close}<b>{esc(doc_id)}</b></div><div class="qc-note">{esc(_labels("de")["gone"])} / {esc(_labels("en")["gone"])}</div></div>'
    start, end = span if span else (0, 0)
    lo, hi = 0, len(text)
    if len(text) > window:
        centre = (start + end) // 2
        lo = max(0, min(centre - window // 2, len(text) - window))
        hi = lo + window
    start, end = max(start, lo), min(end, hi)
    shown = f"{lo}–{hi} / {len(text)}" if (lo, hi) != (0, len(text)) else f"{len(text)}"
    where = f" · markiert / marked {span[0]}–{span[1]}" if span else ""
    head = (
        f'<div class="qc-viewer-head">{close}<b class="qc-docname">{esc(doc_id)}</b>'
        f'<span class="qc-range"> · Zeichen / characters {esc(shown)}{esc(where)}</span></div>'
    )
    if span and end > start:
        body = f'{esc(text[lo:start])}<mark class="qc-doc-mark">{esc(text[start:end])}</mark>{esc(text[end:hi])}'
    else:
        body = esc(text[lo:hi])
    return f'<div class="qc-viewer" data-doc="{esc(doc_id)}">{head}<div class="qc-doc-text">{body}</div></div>'


# ---------------------------------------------------------------- documents panel, status, rebuild


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


# ---------------------------------------------------------------- rebuild in the background


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
        from .index import IndexProblem

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
    from .documents import scan_folder

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


# ---------------------------------------------------------------- browser-side behaviour

# Runs once when the sources panel mounts. [n] markers live in the chatbot, whose sanitiser keeps only
# href/title/class, so the marker's href (#qc-src-<turn>-<n>) says which card to show. A click on a marker
# of another turn asks the server to show that turn's sources, then scrolls to the card.
SOURCES_JS = r"""
const root = element;
let pending = null;
const parse = (a) => { const m = (a.getAttribute('href') || '').match(/^#qc-src-(\d+)-(\d+)$/); return m ? [m[1], m[2]] : null; };
const card = (t) => root.querySelector('#qc-src-' + t[0] + '-' + t[1]);
const flash = (c) => { c.scrollIntoView({block: 'nearest', behavior: 'smooth'}); c.classList.remove('qc-flash'); void c.offsetWidth; c.classList.add('qc-flash'); };
const cite = (ev) => ev.target && ev.target.closest ? ev.target.closest('a.qc-cite') : null;
const onClick = (ev) => {
  const a = cite(ev); if (!a) return;
  const t = parse(a); if (!t) return;
  ev.preventDefault(); ev.stopPropagation();
  const c = card(t);
  if (c) { flash(c); } else { pending = t; trigger('click', {action: 'show', turn: Number(t[0]), n: Number(t[1])}); }
};
const onOver = (ev) => { const a = cite(ev); const t = a && parse(a); const c = t && card(t); if (c) c.classList.add('qc-hover'); };
const onOut = (ev) => { const a = cite(ev); const t = a && parse(a); const c = t && card(t); if (c) c.classList.remove('qc-hover'); };
if (window.__qcListeners) { for (const [type, fn] of window.__qcListeners) document.removeEventListener(type, fn, true); }
window.__qcListeners = [['click', onClick], ['mouseover', onOver], ['mouseout', onOut]];
for (const [type, fn] of window.__qcListeners) document.addEventListener(type, fn, true);
root.addEventListener('click', (ev) => {
  const o = ev.target && ev.target.closest ? ev.target.closest('a.qc-open') : null;
  if (!o) return;
  ev.preventDefault();
  trigger('click', {action: 'open', turn: Number(o.dataset.turn), n: Number(o.dataset.n)});
});
watch('value', () => { if (pending) { const c = card(pending); if (c) { pending = null; flash(c); } } });
"""

# Scrolls the viewer to the marked span whenever a document is opened; × closes it.
VIEWER_JS = r"""
const show = () => {
  const m = element.querySelector('mark.qc-doc-mark');
  const box = element.querySelector('.qc-doc-text');
  if (m && box) { box.scrollTop = Math.max(0, m.offsetTop - box.offsetTop - box.clientHeight / 3); m.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }
  else if (box) { box.scrollTop = 0; }
};
element.addEventListener('click', (ev) => {
  const x = ev.target && ev.target.closest ? ev.target.closest('a.qc-close') : null;
  if (!x) return;
  ev.preventDefault();
  trigger('click', {action: 'close'});
});
watch('value', () => { requestAnimationFrame(() => requestAnimationFrame(show)); });
"""

CSS = """
#qc-status .qc-status { font-size: 0.92em; padding: 6px 10px; border-radius: 8px; background: var(--background-fill-secondary); }
#qc-status code { font-size: 0.95em; }
.qc-busy { color: var(--color-accent); }
.qc-answer { line-height: 1.55; }
.qc-abstained, .qc-refused { font-style: italic; }
.qc-thinking { opacity: 0.6; }
.qc-note { font-size: 0.85em; opacity: 0.75; margin-top: 4px; }
a.qc-cite { display: inline-block; padding: 0 4px; margin: 0 1px; border-radius: 4px; font-size: 0.82em; font-weight: 600;
  text-decoration: none !important; background: #dbeafe; color: #1e3a8a !important; cursor: pointer; vertical-align: 1px; }
a.qc-cite:hover { background: #1e40af; color: #fff !important; }
.qc-sources-title { font-weight: 600; margin-bottom: 8px; }
.qc-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 10px;
  background: var(--background-fill-primary); transition: box-shadow .2s, border-color .2s; }
.qc-source.qc-hover { border-color: #2563eb; box-shadow: 0 0 0 2px #93c5fd; }
.qc-source.qc-flash { animation: qc-flash 1.6s ease-out; border-color: #2563eb; }
@keyframes qc-flash { 0% { box-shadow: 0 0 0 4px #60a5fa; } 100% { box-shadow: 0 0 0 0 transparent; } }
.qc-source-head { font-size: 0.9em; margin-bottom: 6px; }
.qc-n { font-weight: 700; color: #1e40af; }
.qc-docname { font-weight: 600; word-break: break-all; }
.qc-range { opacity: 0.7; font-size: 0.9em; }
.qc-passage { white-space: pre-wrap; font-size: 0.92em; line-height: 1.5; max-height: 260px; overflow: auto; }
mark.qc-quote, mark.qc-doc-mark { background: #fde68a; color: #111827; padding: 0 1px; border-radius: 2px; }
a.qc-open, a.qc-close { display: inline-block; margin-top: 6px; font-size: 0.88em; cursor: pointer; }
a.qc-close { float: right; margin-top: 0; font-size: 1.3em; text-decoration: none; padding: 0 6px; }
.qc-empty { opacity: 0.7; font-size: 0.92em; padding: 6px 2px; }
.qc-viewer { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; }
.qc-viewer.qc-empty { border-style: dashed; }
.qc-viewer-head { margin-bottom: 6px; }
.qc-doc-text { white-space: pre-wrap; font-size: 0.9em; line-height: 1.5; max-height: 380px; overflow: auto; position: relative; }
table.qc-docs { width: 100%; border-collapse: collapse; font-size: 0.92em; }
table.qc-docs th, table.qc-docs td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--border-color-primary); }
table.qc-docs td.qc-num { text-align: right; font-variant-numeric: tabular-nums; }
tr.qc-pending td { opacity: 0.8; font-style: italic; }
.qc-hint, .qc-error { margin-top: 8px; padding: 6px 10px; border-radius: 6px; }
.qc-hint { background: #fef3c7; color: #78350f; }
.qc-error { background: #fee2e2; color: #7f1d1d; }
.qc-progress { padding: 6px 0; }
.qc-bar-row { display: flex; align-items: center; gap: 8px; margin: 4px 0; }
.qc-bar-label { width: 260px; font-size: 0.9em; }
.qc-bar { flex: 1; height: 12px; background: var(--background-fill-secondary); border-radius: 6px; overflow: hidden; border: 1px solid var(--border-color-primary); }
.qc-bar-fill { height: 100%; background: #2563eb; transition: width .2s; }
.qc-bar-count { width: 80px; text-align: right; font-variant-numeric: tabular-nums; font-size: 0.9em; }
ul.qc-uploads { margin: 4px 0; padding-left: 4px; list-style: none; }
li.qc-up-refused { color: #b91c1c; }
"""


# ---------------------------------------------------------------- wiring


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch_options(settings: Settings) -> dict[str, Any]:
    """Arguments for `Blocks.launch`: bind address, login when a password is set, upload cap, look."""
    import gradio as gr

    options: dict[str, Any] = {
        "server_name": settings.host or "127.0.0.1",  # never let "" fall through to GRADIO_SERVER_NAME
        "server_port": settings.port,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "css": CSS,
        "theme": gr.themes.Soft(
            primary_hue="blue",
            font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
            font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
        ),
        "ssr_mode": False,
        "footer_links": ["api"],
        "show_error": False,
        "quiet": False,
    }
    if settings.password:
        options["auth"] = ("assistant", settings.password)
        options["auth_message"] = "Quellenchat – Benutzer / user: assistant"
    return options


def build_ui(assistant: Assistant, settings: Settings, startup_note: str = "") -> gr.Blocks:
    """The Gradio app over one Assistant. Constructing it loads nothing heavy; models load on first use."""
    import gradio as gr

    from .answering import BadQuestion
    from .index import IndexProblem
    from .uploads import UploadRefused, delete_document, save_uploads

    docs_dir = Path(settings.docs_dir)
    max_bytes = settings.max_upload_mb * 1024 * 1024
    rebuilder = Rebuilder(lambda progress: assistant.update(progress=progress))

    # -- reads of the live index, tolerant of "no index yet"
    def live_index():
        try:
            return assistant.index
        except IndexProblem:
            return None

    def document_text(doc_id: str) -> str | None:
        index = live_index()
        return index.document_text(doc_id) if index is not None else None

    def status_html(extra: str = "") -> str:
        index = live_index()
        docs = len(index.documents()) if index is not None else None
        chunks = index.size if index is not None else None
        llm = assistant.generator.model if assistant.generator is not None else None
        return render_status(assistant.embedder.model_id, assistant.embedder.backend, docs, chunks, extra, llm)

    def documents_view() -> tuple[str, Any]:
        index = live_index()
        infos = index.documents() if index is not None else []
        pending = pending_files(docs_dir, index.manifest if index is not None else None)
        choices = sorted({d.id for d in infos} | {p.id for p in pending if p.state in ("new", "changed", "skipped")})
        choices = [c for c in choices if (docs_dir / c).exists() or c in {d.id for d in infos}]
        return render_documents(infos, pending), gr.Dropdown(choices=choices, value=None)

    # -- chat
    def respond(question: str, turns: list[Turn]) -> Iterator[tuple[Any, ...]]:
        question = question or ""
        if not question.strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turns = list(turns or [])
        number = len(turns)
        history = [t.question for t in turns if t.answer is not None]
        yield "", chat_messages(turns, pending=question), turns, gr.skip(), gr.skip()
        turn: Turn
        try:
            answer = None
            for text, final in assistant.ask_stream(question, history):
                if final is None:
                    yield gr.skip(), chat_messages(turns, pending=question, partial=text), turns, gr.skip(), gr.skip()
                else:
                    answer = final
            turn = Turn(question, answer) if answer is not None else Turn(question, message="no answer")
        except BadQuestion as err:
            turn = Turn(question, message=str(err))
        except IndexProblem as err:
            turn = Turn(question, message=str(err))
        except Exception as err:
            log.exception("answering failed")
            turn = Turn(question, message=f"Interner Fehler / internal error ({type(err).__name__}); see the server log.")
        turns = [*turns, turn]
        # the box was cleared when the question was taken; leave alone whatever the user has typed since
        yield gr.skip(), chat_messages(turns), turns, render_sources(number, turn, document_text), status_html(busy_note())

    def new_chat() -> tuple[Any, ...]:
        return [], [], SOURCES_PLACEHOLDER, VIEWER_PLACEHOLDER, ""

    def _turn_and_citation(turns: list[Turn], data: dict) -> tuple[int, Turn, Citation | None] | None:
        try:
            number = int(data.get("turn", -1))
            n = int(data.get("n", 0))
        except (TypeError, ValueError):
            return None
        if not 0 <= number < len(turns or []):
            return None
        item = turns[number]
        citation = next((c for c in item.answer.citations if c.n == n), None) if item.answer else None
        return number, item, citation

    def on_sources_event(turns: list[Turn], evt: gr.EventData) -> tuple[Any, Any]:
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        found = _turn_and_citation(turns, data)
        if found is None:
            return gr.skip(), gr.skip()
        number, item, citation = found
        if data.get("action") == "show":
            return render_sources(number, item, document_text), gr.skip()
        if data.get("action") == "open" and citation is not None:
            text = document_text(citation.document)
            located = locate(citation, text) if text is not None else None
            span = (located.start, located.end) if located else None
            return gr.skip(), render_document(citation.document, text, span)
        return gr.skip(), gr.skip()

    def on_viewer_event(evt: gr.EventData) -> Any:
        data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
        return VIEWER_PLACEHOLDER if data.get("action") == "close" else gr.skip()

    # -- documents
    def on_upload(files: list[str] | None, replace_existing: bool) -> tuple[Any, ...]:
        paths = [Path(f) for f in (files or [])]
        results = save_uploads([(p, p.name) for p in paths], docs_dir, max_bytes, replace=bool(replace_existing))
        for p in paths:  # Gradio's copy in its temp folder is not needed any more
            p.unlink(missing_ok=True)
        table, choices = documents_view()
        return None, render_upload_results(results), table, choices

    def on_delete(doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            return render_error("Bitte ein Dokument wählen / choose a document first"), gr.skip(), gr.skip()
        try:
            message = delete_document(docs_dir, doc_id)
            note = f'<div class="qc-hint">{esc(message)}</div>'
        except UploadRefused as err:
            note = render_error(str(err))
        table, choices = documents_view()
        return note, table, choices

    def on_show(doc_id: str | None) -> str:
        index = live_index()
        if not doc_id or index is None or doc_id not in {d.id for d in index.documents()}:
            return render_error("Nur indexierte Dokumente können angezeigt werden / only indexed documents can be shown")
        return render_document(doc_id, index.document_text(doc_id))

    def busy_note() -> str:
        state = rebuilder.state
        if not state.running:
            return ""
        done, total = state.chunks if state.chunks else state.files
        stage = "Abschnitte / chunks" if state.chunks else "Dateien / files"
        return f"Index wird aktualisiert / rebuilding: {stage} {done}/{total}"

    def on_rebuild() -> Iterator[tuple[Any, ...]]:
        generation = rebuilder.start()
        while True:
            state = rebuilder.state
            if not state.running or state.generation != generation:
                break
            yield (
                gr.Button(interactive=False),
                render_progress(state.files, state.chunks, time.monotonic() - state.started),
                gr.skip(),
                gr.skip(),
                status_html(busy_note()),
            )
            time.sleep(0.25)
        state = rebuilder.state
        result = render_report(state.report) if state.report else render_error(state.error or "rebuild finished")
        table, choices = documents_view()
        yield gr.Button(interactive=True), result, table, choices, status_html()

    def on_load() -> tuple[Any, ...]:
        table, choices = documents_view()
        return status_html(busy_note()), table, choices

    def api_ask(question: str) -> dict:
        """Answer a question from the documents; returns the same object as `assistant ask --json`."""
        try:
            return assistant.ask(question).to_json()  # exactly what `assistant ask --json` prints
        except (BadQuestion, IndexProblem) as err:
            raise gr.Error(str(err)) from err

    # Gradio finds EventData parameters by their evaluated annotations; with postponed annotations and a
    # local `gr`, it would see only the string "gr.EventData", so give it the class.
    on_sources_event.__annotations__["evt"] = gr.EventData
    on_viewer_event.__annotations__["evt"] = gr.EventData
    private = {"api_visibility": "private"}
    with gr.Blocks(title="Quellenchat", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        turns = gr.State([])
        status = gr.HTML(status_html(), elem_id="qc-status", js_on_load=None)
        if startup_note:
            gr.HTML(startup_note, elem_id="qc-startup", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=380):
                        chatbot = gr.Chatbot(
                            elem_id="qc-chat",
                            height=540,
                            show_label=False,
                            render_markdown=False,
                            sanitize_html=True,
                            allow_tags=False,
                            feedback_options=None,
                            buttons=[],
                            layout="bubble",
                            placeholder="Fragen Sie auf Deutsch oder Englisch – jede Antwort zitiert die Stellen aus Ihren Dokumenten. "
                            "<br>Ask in German or English – every answer cites the passages it comes from.",
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                show_label=False,
                                placeholder="Frage stellen, Enter drücken … / Ask a question, press Enter …",
                                lines=1,
                                max_lines=4,
                                scale=8,
                                elem_id="qc-question",
                                autofocus=True,
                            )
                            send = gr.Button("Fragen / Ask", variant="primary", scale=0, min_width=150, elem_id="qc-send")
                        with gr.Row():
                            clear = gr.Button("Neuer Chat / New chat", size="sm", scale=0, min_width=170, elem_id="qc-new")
                        examples = gr.Examples(
                            examples=[[q] for q in EXAMPLES], inputs=[question], label="Beispiele / Examples", elem_id="qc-examples"
                        )
                    with gr.Column(scale=2, min_width=320):
                        sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="qc-sources", js_on_load=SOURCES_JS, container=True, padding=True)
                        viewer = gr.HTML(VIEWER_PLACEHOLDER, elem_id="qc-viewer", js_on_load=VIEWER_JS)
            with gr.Tab("Dokumente / Documents", id="documents"):
                docs_table = gr.HTML(elem_id="qc-docs", js_on_load=None)
                with gr.Row(equal_height=False):
                    with gr.Column():
                        upload = gr.File(
                            label=f"Hochladen / Upload: {', '.join(sorted(e.lstrip('.') for e in _extensions()))} · max. {settings.max_upload_mb} MB",
                            file_count="multiple",
                            elem_id="qc-upload",
                        )
                        replace_existing = gr.Checkbox(
                            label="Gleichnamige Dokumente ersetzen / replace documents with the same name", value=False, elem_id="qc-replace"
                        )
                        upload_result = gr.HTML(elem_id="qc-upload-result", js_on_load=None)
                    with gr.Column():
                        doc_choice = gr.Dropdown(label="Dokument / Document", choices=[], elem_id="qc-doc-choice", allow_custom_value=False)
                        with gr.Row():
                            show_doc = gr.Button("Anzeigen / Show", elem_id="qc-show")
                            delete = gr.Button("Löschen / Delete", variant="stop", elem_id="qc-delete")
                        delete_result = gr.HTML(elem_id="qc-delete-result", js_on_load=None)
                with gr.Row():
                    rebuild = gr.Button("Index aktualisieren / Rebuild index", variant="primary", elem_id="qc-rebuild")
                progress = gr.HTML(elem_id="qc-progress", js_on_load=None)
                doc_viewer = gr.HTML(elem_id="qc-doc-viewer", js_on_load=None)

        chat_outputs = [question, chatbot, turns, sources, status]
        question.submit(respond, [question, turns], chat_outputs, concurrency_limit=4, concurrency_id="chat", show_progress="hidden", **private)
        send.click(respond, [question, turns], chat_outputs, concurrency_limit=4, concurrency_id="chat", show_progress="hidden", **private)
        examples.load_input_event.then(
            respond, [question, turns], chat_outputs, concurrency_limit=4, concurrency_id="chat", show_progress="hidden", **private
        )
        clear.click(new_chat, None, [chatbot, turns, sources, viewer, question], **private)
        chatbot.clear(new_chat, None, [chatbot, turns, sources, viewer, question], **private)
        sources.click(on_sources_event, [turns], [sources, viewer], show_progress="hidden", **private)
        viewer.click(on_viewer_event, None, [viewer], show_progress="hidden", **private)
        upload.upload(on_upload, [upload, replace_existing], [upload, upload_result, docs_table, doc_choice], **private)
        delete.click(
            on_delete,
            [doc_choice],
            [delete_result, docs_table, doc_choice],
            js="(doc) => (doc && confirm('Löschen / delete ' + doc + '?')) ? doc : null",
            **private,
        )
        show_doc.click(on_show, [doc_choice], [doc_viewer], **private)
        rebuild.click(
            on_rebuild, None, [rebuild, progress, docs_table, doc_choice, status], concurrency_limit=None, show_progress="hidden", **private
        )
        demo.load(on_load, None, [status, docs_table, doc_choice], **private)
        gr.api(api_ask, api_name="ask", concurrency_limit=8)
    return demo


def _extensions() -> list[str]:
    from .uploads import allowed_extensions

    return allowed_extensions()


__all__ = [
    "EXAMPLES",
    "PendingFile",
    "Rebuilder",
    "Turn",
    "build_ui",
    "chat_messages",
    "esc",
    "is_loopback",
    "launch_options",
    "pending_files",
    "render_answer",
    "render_document",
    "render_documents",
    "render_passage",
    "render_progress",
    "render_report",
    "render_sources",
    "render_status",
]
