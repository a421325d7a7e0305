"""How the app is served: one FastAPI app with the /v1 API and the Gradio UI mounted at /, run by uvicorn.

`bind_problem` is the rule that keeps the API from being opened to a network without a key.
"""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, Sequence

from .static import static_text

if TYPE_CHECKING:  # pragma: no cover
    import fastapi
    import gradio as gr

    from ..config import Settings


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_problem(settings: Settings) -> str | None:
    """Why the app must not start with these settings: the /v1 API open beyond loopback without a key."""
    if not is_loopback(settings.host) and not settings.api_key:
        return (
            f"refusing to serve on {settings.host} with the /v1 API open and no key; set ASSISTANT_API_KEY "
            "(and ASSISTANT_PASSWORD for the chat UI), or bind 127.0.0.1"
        )
    return None


def launch_options(settings: Settings) -> dict[str, Any]:
    """Bind address and port, login when a password is set, upload cap, look (the launch/mount arguments)."""
    import gradio as gr

    options: dict[str, Any] = {
        "server_name": settings.host or "127.0.0.1",  # never let "" fall through to GRADIO_SERVER_NAME
        "server_port": settings.port,
        "max_file_size": f"{settings.max_upload_mb}mb",
        "css": static_text("quellenchat.css"),
        "head": f"<script>{static_text('head.js')}</script>",
        "theme": gr.themes.Soft(
            primary_hue="blue",
            font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
            font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
        ),
        "ssr_mode": False,
        "footer_links": ["api"],
        "show_error": False,
    }
    if settings.password:
        options["auth"] = ("assistant", settings.password)
        options["auth_message"] = "Quellenchat – Benutzer / user: assistant"
    return options


def serve(demo: gr.Blocks, settings: Settings, routers: Sequence[fastapi.APIRouter] = ()) -> None:
    """Mount the UI at / beside `routers` (the API) and serve both on one port until interrupted."""
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    for router in routers:
        app.include_router(router)
    options = launch_options(settings)
    host, port = options.pop("server_name"), options.pop("server_port")
    app = gr.mount_gradio_app(app, demo, path="/", server_name=host, server_port=port, **options)
    print(f"* Quellenchat on http://{host}:{port}/  (API: http://{host}:{port}/v1)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
