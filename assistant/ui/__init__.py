"""The browser face of Quellenchat: chat with cited sources, history, a documents panel, upload, delete, rebuild.

    i18n.py      every word of the interface in German and English
    render.py    pure HTML for questions, answers, copy links, the history list
    sources.py   pure HTML for source cards and the document viewer
    panels.py    pure HTML for the documents tab, status line, rebuild report and progress
    chat.py      chat behaviour: answering, sources events, history (open, delete), Markdown for copy/export
    documents.py documents behaviour: table, upload, delete, show, background rebuild, status line
    rebuild.py   background updates (button: full rebuild; uploads, deletes: incremental), the last update's report,
                 and what an update would change
    app.py       the Gradio layout and events (`build_ui`); Gradio is imported only inside it
    launch.py    bind checks; UI and /v1 API served together
    static/      the CSS and JavaScript, as real files

Questions go to `Assistant.ask_stream`, rebuilds to `Assistant.update`, uploads to `assistant.uploads`.
"""
from __future__ import annotations

from .app import build_ui, history_path
from .launch import bind_problem, is_loopback, launch_options, serve
from .panels import (PendingFile, render_documents, render_error, render_last_run, render_progress, render_report, render_status,
                     render_upload_results)
from .rebuild import LastRun, Rebuilder, RebuildState, pending_files
from .render import EXAMPLES, Turn, chat_messages, esc, render_answer, render_history
from .sources import locate, render_document, render_passage, render_sources

__all__ = [
    "EXAMPLES", "LastRun", "PendingFile", "RebuildState", "Rebuilder", "Turn", "bind_problem", "build_ui", "chat_messages", "esc",
    "history_path", "is_loopback", "launch_options", "locate", "pending_files", "render_answer", "render_document",
    "render_documents", "render_error", "render_history", "render_last_run", "render_passage", "render_progress", "render_report",
    "render_sources", "render_status", "render_upload_results", "serve",
]
