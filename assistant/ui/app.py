"""Gradio wiring: layout, events and the interface language; the behaviour lives in chat.py and documents.py.

Gradio is imported only inside `build_ui`. Labels are set from `i18n` when the page loads (the browser's language
or the saved choice, see static/head.js) and whenever the language is switched.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..history import History
from .chat import Chat, Shown
from .documents import Documents
from .i18n import t
from .rebuild import LastRun
from .render import EXAMPLES, Turn, chat_messages
from .static import static_text

if TYPE_CHECKING:  # pragma: no cover
    import gradio as gr

    from ..config import Settings
    from ..pipeline import Assistant

log = logging.getLogger("quellenchat.ui")

STATUS_POLL_SECONDS = 3.0
READ_BROWSER = "() => [window.qcLang || 'en', window.qcBrowser || '', (localStorage.getItem('qc-chat') || '')]"
SWITCH_LANGUAGE = """(lang) => { const next = lang === 'de' ? 'en' : 'de';
  try { localStorage.setItem('qc-lang', next); } catch (e) {}
  window.qcLang = next; document.documentElement.lang = next; return next; }"""


def history_path(settings: Settings) -> Path:
    """Chats live beside the index (index/history.sqlite): they survive restarts and `make clean`."""
    return Path(settings.index_dir) / "history.sqlite"


def build_ui(assistant: Assistant, settings: Settings, startup_note: str = "",
             status_extra: list[Callable[[str], str]] | None = None, watching: bool = False,
             runs: LastRun | None = None) -> gr.Blocks:
    """The Gradio app over one Assistant. Constructing it loads nothing heavy; models load on first use.

    `status_extra`: callables (lang → short note or "") shown in the status line, e.g. a folder watcher's state;
    `watching`: a folder watcher indexes files copied into the documents folder by themselves;
    `runs`: where updates outside the UI (the watcher, the app's start) record their reports for the report panel."""
    import gradio as gr

    from ..answering import BadQuestion
    from ..index import IndexProblem
    from ..uploads import allowed_extensions

    docs = Documents(assistant, Path(settings.docs_dir), settings.max_upload_mb * 1024 * 1024, list(status_extra or []), watching,
                     runs if runs is not None else LastRun())
    chat = Chat(assistant, History(history_path(settings)), docs.document_text, docs.page_starts)
    private = {"api_visibility": "private"}
    extensions = ", ".join(sorted(e.lstrip(".") for e in allowed_extensions()))

    with gr.Blocks(title="Quellenchat", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        turns, shown, chat_id = gr.State([]), gr.State(None), gr.State(None)
        lang_box = gr.Textbox("en", visible=False, elem_id="qc-lang-box")
        browser_box = gr.Textbox("", visible=False, elem_id="qc-browser-box")
        restore_box = gr.Textbox("", visible=False, elem_id="qc-restore-box")
        with gr.Row(elem_id="qc-top", equal_height=True):
            status = gr.HTML(elem_id="qc-status", js_on_load=None)
            switch = gr.Button("Deutsch", size="sm", scale=0, min_width=90, elem_id="qc-lang-switch")
        if startup_note:
            gr.HTML(startup_note, elem_id="qc-startup", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat", elem_id="qc-tab-chat"):
                with gr.Row(equal_height=False, elem_id="qc-chat-row"):
                    with gr.Column(scale=3, min_width=300, elem_id="qc-chat-col"):
                        with gr.Accordion("Earlier chats", open=False, elem_id="qc-history") as history_box:
                            history = gr.HTML(elem_id="qc-history-list", js_on_load=static_text("history.js"))
                        chatbot = gr.Chatbot(elem_id="qc-chat", height=540, show_label=False, render_markdown=False,
                                             sanitize_html=True, allow_tags=False, feedback_options=None, buttons=[],
                                             layout="bubble")
                        with gr.Row(equal_height=True, elem_id="qc-ask-row"):
                            question = gr.Textbox(show_label=False, lines=1, max_lines=4, scale=8, elem_id="qc-question",
                                                  autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=0, min_width=110, elem_id="qc-send")
                        with gr.Row(elem_id="qc-chat-tools"):
                            clear = gr.Button("New chat", size="sm", scale=0, min_width=130, elem_id="qc-new")
                            export = gr.Button("Export chat", size="sm", scale=0, min_width=200, elem_id="qc-export")
                    with gr.Column(scale=2, min_width=300, elem_id="qc-side-col"):
                        sources = gr.HTML(elem_id="qc-sources", js_on_load=static_text("sources.js"), container=True, padding=True)
                examples = gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Examples", elem_id="qc-examples")
                markdown = gr.HTML(elem_id="qc-md-store", js_on_load=static_text("chat.js"))
            with gr.Tab("Documents", id="documents", elem_id="qc-tab-docs") as docs_tab:
                docs_table = gr.HTML(elem_id="qc-docs", js_on_load=None)
                with gr.Row(equal_height=False):
                    with gr.Column(min_width=280):
                        upload = gr.File(file_count="multiple", elem_id="qc-upload")
                        replace_existing = gr.Checkbox(value=False, elem_id="qc-replace")
                        upload_result = gr.HTML(elem_id="qc-upload-result", js_on_load=None)
                    with gr.Column(min_width=280):
                        doc_choice = gr.Dropdown(choices=[], elem_id="qc-doc-choice", allow_custom_value=False)
                        with gr.Row():
                            show_doc = gr.Button("Show", elem_id="qc-show")
                            delete = gr.Button("Delete", variant="stop", elem_id="qc-delete")
                        delete_result = gr.HTML(elem_id="qc-delete-result", js_on_load=None)
                with gr.Row(equal_height=True):
                    rebuild = gr.Button("Rebuild index", variant="primary", scale=0, min_width=200, elem_id="qc-rebuild")
                    rebuild_note = gr.HTML(elem_id="qc-rebuild-note", js_on_load=None)
                progress = gr.HTML(elem_id="qc-progress", js_on_load=None)
                doc_viewer = gr.HTML(elem_id="qc-doc-viewer", js_on_load=static_text("viewer.js"))

        # ---------------------------------------------------------------- language
        labelled = [docs_tab, chatbot, question, send, clear, export, examples.dataset, history_box, switch, upload,
                    replace_existing, doc_choice, show_doc, delete, rebuild, status, docs_table, rebuild_note, progress]
        views = [sources, markdown, history]

        def labels(lang: str, turns_now: list[Turn]) -> list[Any]:
            table, choices = docs.table(lang)
            return [
                gr.Tab(label=t(lang, "tab_docs")),
                gr.Chatbot(value=chat_messages(turns_now, lang=lang), placeholder=t(lang, "chat_placeholder")),
                gr.Textbox(placeholder=t(lang, "question_placeholder")),
                gr.Button(t(lang, "send")), gr.Button(t(lang, "new_chat")), gr.Button(t(lang, "export")),
                gr.Dataset(label=t(lang, "examples")), gr.Accordion(label=t(lang, "history")), gr.Button(t(lang, "switch")),
                gr.File(label=t(lang, "upload", extensions=extensions, mb=settings.max_upload_mb)),
                gr.Checkbox(label=t(lang, "replace")), gr.Dropdown(label=t(lang, "doc_choice"), choices=choices, value=None),
                gr.Button(t(lang, "show")), gr.Button(t(lang, "delete")), gr.Button(t(lang, "rebuild")),
                docs.status(lang), table, docs.rebuild_note(lang), docs.report_panel(lang),
            ]

        def on_load(lang: str, browser: str, saved: str) -> list[Any]:
            lang = "de" if lang == "de" else "en"
            turns_now, shown_now, chat_now = chat.open(browser, saved) if saved else ([], None, None)
            rest = chat.whole(turns_now, shown_now, chat_now, browser, lang)[1:]
            return [lang, browser, turns_now, shown_now, chat_now, *labels(lang, turns_now), *rest]

        def relabel(lang: str, turns_now: list[Turn], shown_now: Shown | None, chat_now: str | None, browser: str) -> list[Any]:
            return [*labels(lang, turns_now), *chat.whole(turns_now, shown_now, chat_now, browser, lang)[1:]]

        demo.load(on_load, [lang_box, browser_box, restore_box], [lang_box, browser_box, turns, shown, chat_id, *labelled, *views],
                  js=READ_BROWSER, **private)
        switch.click(None, [lang_box], [lang_box], js=SWITCH_LANGUAGE, **private).then(
            relabel, [lang_box, turns, shown, chat_id, browser_box], [*labelled, *views], **private)

        # ---------------------------------------------------------------- chat
        chat_out = [question, chatbot, turns, shown, chat_id, status, *views]

        def respond(text: str, turns_now: list[Turn], chat_now: str | None, lang: str, browser: str) -> Iterator[tuple[Any, ...]]:
            skip = gr.skip()
            if not (text or "").strip():
                yield (skip,) * len(chat_out)
                return
            turns_now = list(turns_now or [])
            yield ("", chat_messages(turns_now, pending=text, lang=lang), *(skip,) * (len(chat_out) - 2))
            for partial, turn in chat.answer(text, turns_now, lang):
                if turn is None:
                    yield (skip, chat_messages(turns_now, text, partial, lang), *(skip,) * (len(chat_out) - 2))
                    continue
                turns_now = [*turns_now, turn]
                chat_now = chat.remember(browser, chat_now, turn)
                shown_now = Shown(len(turns_now) - 1)
                # the box was cleared when the question was taken; leave alone whatever the user has typed since
                yield (skip, chat_messages(turns_now, lang=lang), turns_now, shown_now, chat_now, docs.status(lang),
                       *chat.whole(turns_now, shown_now, chat_now, browser, lang)[1:])

        ask_args = dict(concurrency_limit=4, concurrency_id="chat", show_progress="hidden", **private)
        chat_in = [question, turns, chat_id, lang_box, browser_box]
        question.submit(respond, chat_in, chat_out, **ask_args)
        send.click(respond, chat_in, chat_out, **ask_args)
        examples.load_input_event.then(respond, chat_in, chat_out, **ask_args)

        def new_chat(lang: str, browser: str) -> tuple[Any, ...]:
            return ([], None, None, "", *chat.whole([], None, None, browser, lang))

        new_out = [turns, shown, chat_id, question, chatbot, *views]
        clear.click(new_chat, [lang_box, browser_box], new_out, **private)
        chatbot.clear(new_chat, [lang_box, browser_box], new_out, **private)
        export.click(None, None, None, js="() => { if (window.qcExport) window.qcExport(); }", **private)

        def on_history(lang: str, browser: str, chat_now: str | None, evt: gr.EventData) -> tuple[Any, ...]:
            data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
            target = str(data.get("chat", ""))
            if data.get("action") == "delete":
                chat.delete(browser, target)
                if target != chat_now:
                    return (gr.skip(),) * (len(new_out) - 1) + (chat.history_list(browser, chat_now, lang),)
            turns_now, shown_now, opened = chat.open(browser, target) if data.get("action") == "open" else ([], None, None)
            return (turns_now, shown_now, opened, gr.skip(), *chat.whole(turns_now, shown_now, opened, browser, lang))

        def on_sources(turns_now: list[Turn], shown_now: Shown | None, lang: str, evt: gr.EventData) -> tuple[Any, Any]:
            data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
            shown_now = chat.sources_event(turns_now or [], shown_now, data)
            return shown_now, chat.sources(turns_now or [], shown_now, lang)

        # Gradio finds EventData parameters by their evaluated annotations; with postponed annotations and a
        # local `gr`, it would see only the string "gr.EventData", so give it the class.
        for handler in (on_history, on_sources):
            handler.__annotations__["evt"] = gr.EventData
        history.click(on_history, [lang_box, browser_box, chat_id], new_out, show_progress="hidden", **private)
        sources.click(on_sources, [turns, shown, lang_box], [shown, sources], show_progress="hidden", **private)

        # ---------------------------------------------------------------- documents
        def table_outputs(lang: str) -> tuple[str, Any]:
            table, choices = docs.table(lang)
            return table, gr.Dropdown(choices=choices, value=None)

        def on_upload(files: list[str] | None, replace: bool, lang: str) -> Iterator[tuple[Any, ...]]:
            """Save, then index right away: the result area shows the bars while indexing, then each file's outcome."""
            results, generation = docs.upload(files, replace)
            while generation is not None and not docs.rebuilder.done(generation):
                yield None, docs.upload_view(results, generation, lang), gr.skip(), gr.skip(), docs.status(lang), gr.skip()
                time.sleep(0.25)
            yield (None, docs.upload_view(results, generation, lang), *table_outputs(lang), docs.status(lang),
                   docs.report_panel(lang))

        def on_delete(doc_id: str | None, lang: str, turns_now: list[Turn], shown_now: Shown | None) -> Iterator[tuple[Any, ...]]:
            message, generation = docs.delete(doc_id, lang)
            if doc_id and generation is not None and chat.viewer_document(turns_now or [], shown_now) == doc_id:
                shown_now = Shown(shown_now.turn)  # its viewer closes with it
            sources_now = chat.sources(turns_now or [], shown_now, lang)
            while generation is not None and not docs.rebuilder.done(generation):
                yield (docs.delete_view(message, doc_id or "", generation, lang), *(gr.skip(),) * 2, shown_now, sources_now, "",
                       docs.status(lang), gr.skip())
                time.sleep(0.25)
            yield (docs.delete_view(message, doc_id or "", generation, lang), *table_outputs(lang), shown_now,
                   chat.sources(turns_now or [], shown_now, lang), "", docs.status(lang), docs.report_panel(lang))

        def on_doc_viewer(evt: gr.EventData) -> Any:
            data = evt._data if isinstance(getattr(evt, "_data", None), dict) else {}
            return "" if data.get("action") == "close" else gr.skip()

        def on_rebuild(lang: str) -> Iterator[tuple[Any, ...]]:
            """A full rebuild: every file re-read and re-chunked; the chat answers from the old index until it is done."""
            generation = docs.rebuilder.start(full=True, source="rebuild")
            while not docs.rebuilder.done(generation):
                yield gr.Button(interactive=False), docs.report_panel(lang), gr.skip(), gr.skip(), docs.status(lang)
                time.sleep(0.25)
            yield (gr.Button(interactive=True), docs.report_panel(lang), *table_outputs(lang), docs.status(lang))

        on_doc_viewer.__annotations__["evt"] = gr.EventData
        upload.upload(on_upload, [upload, replace_existing, lang_box], [upload, upload_result, docs_table, doc_choice, status, progress],
                      concurrency_limit=None, show_progress="hidden", **private)
        delete.click(on_delete, [doc_choice, lang_box, turns, shown],
                     [delete_result, docs_table, doc_choice, shown, sources, doc_viewer, status, progress], concurrency_limit=None,
                     show_progress="hidden",
                     js="(doc, lang, a, b) => [(doc && confirm(lang === 'de' ? doc + ' löschen?' : 'Delete ' + doc + '?')) ? doc : null, lang, a, b]",
                     **private)
        show_doc.click(docs.show, [doc_choice, lang_box], [doc_viewer], **private)
        doc_viewer.click(on_doc_viewer, None, [doc_viewer], show_progress="hidden", **private)
        rebuild.click(on_rebuild, [lang_box], [rebuild, progress, docs_table, doc_choice, status], concurrency_limit=None,
                      show_progress="hidden", **private)

        if docs.status_extra:  # notes that change on their own (a folder watcher) are polled every few seconds
            def tick(lang: str) -> tuple[str, str]:
                return docs.status(lang), docs.report_panel(lang)  # the watcher's newest report, whole, in the panel

            gr.Timer(STATUS_POLL_SECONDS).tick(tick, [lang_box], [status, progress], show_progress="hidden", **private)

        def api_ask(question: str) -> dict:
            """Answer a question from the documents; returns the same object as `assistant ask --json`."""
            try:
                return assistant.ask(question).to_json()  # exactly what `assistant ask --json` prints
            except (BadQuestion, IndexProblem) as err:
                raise gr.Error(str(err)) from err

        gr.api(api_ask, api_name="ask", concurrency_limit=8)
    return demo
