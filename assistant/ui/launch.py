"""How the app is served: bind address checks and the arguments for Gradio's launch."""
from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from .static import static_text

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


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
        "css": static_text("quellenchat.css"),
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
