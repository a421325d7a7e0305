"""The CSS and JavaScript that ship beside the Python code (assistant/ui/static/), read once."""
from __future__ import annotations

from functools import cache
from pathlib import Path

STATIC = Path(__file__).with_name("static")


@cache
def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")
