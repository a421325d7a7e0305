"""The browser face of Quellenchat: chat with cited sources, history, a documents panel, upload, delete, rebuild.

    render.py   pure HTML for answers, source cards and the document viewer (no Gradio; golden-tested)
    panels.py   pure HTML for the documents tab, status line, rebuild report and progress
    rebuild.py  background rebuilds and what a rebuild would change
    app.py      the Gradio wiring (`build_ui`); Gradio is imported only inside it
    launch.py   bind checks and Gradio's launch arguments
    static/     the CSS and JavaScript, as real files

Questions go to `Assistant.ask_stream`, rebuilds to `Assistant.update`, uploads to `assistant.uploads`.
"""
from __future__ import annotations

from .app import build_ui
from .launch import bind_problem, is_loopback, launch_options, serve
from .panels import (
    PendingFile,
    render_documents,
    render_error,
    render_progress,
    render_report,
    render_status,
    render_upload_results,
)
from .rebuild import Rebuilder, RebuildState, pending_files
from .render import (
    EXAMPLES,
    Turn,
    chat_messages,
    esc,
    locate,
    render_answer,
    render_document,
    render_passage,
    render_sources,
)

__all__ = [
    "EXAMPLES",
    "PendingFile",
    "RebuildState",
    "Rebuilder",
    "Turn",
    "bind_problem",
    "build_ui",
    "chat_messages",
    "esc",
    "is_loopback",
    "launch_options",
    "locate",
    "pending_files",
    "render_answer",
    "render_document",
    "render_documents",
    "render_error",
    "render_passage",
    "render_progress",
    "render_report",
    "render_sources",
    "render_status",
    "render_upload_results",
    "serve",
]
