"""Gradio wiring: the chat, sources and documents tabs over one Assistant; imports Gradio only inside build_ui."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from ..records import Citation
from .panels import render_documents, render_error, render_progress, render_report, render_status, render_upload_results
from .rebuild import Rebuilder, pending_files
from .render import (
    EXAMPLES,
    SOURCES_PLACEHOLDER,
    VIEWER_PLACEHOLDER,
    Turn,
    chat_messages,
    esc,
    locate,
    render_document,
    render_sources,
)
from .static import static_text

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

    from ..config import Settings
    from ..pipeline import Assistant

log = logging.getLogger("quellenchat.ui")


def build_ui(assistant: Assistant, settings: Settings, startup_note: str = "") -> gr.Blocks:
    """The Gradio app over one Assistant. Constructing it loads nothing heavy; models load on first use."""
    import gradio as gr

    from ..answering import BadQuestion
    from ..index import IndexProblem
    from ..uploads import UploadRefused, delete_document, save_uploads

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
                        sources = gr.HTML(SOURCES_PLACEHOLDER, elem_id="qc-sources", js_on_load=static_text("sources.js"), container=True, padding=True)
                        viewer = gr.HTML(VIEWER_PLACEHOLDER, elem_id="qc-viewer", js_on_load=static_text("viewer.js"))
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
    from ..uploads import allowed_extensions

    return allowed_extensions()
