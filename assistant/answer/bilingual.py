"""English question words → German word stems, from the Ding German–English dictionary (Debian `trans-de-en`,
GPL-2+, read at run time, never copied into this repository).

Why: an English question over German text shares almost no words with it, so lexical evidence — the strongest
sign that a sentence answers and that the documents hold an answer at all — was missing for English questions
("won" never met "Gewinner"). With the dictionary, "Which companies won the pitch competition" covers
"Als Gewinner gingen … hervor". Without it (no apt), the answer stage still works on cosines alone.
"""
from __future__ import annotations

import json
import os
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..lexical import STOPWORDS, _term

DICTIONARY = Path(os.environ.get("ASSISTANT_DICTIONARY", "/usr/share/trans/de-en"))
_NOTES = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>")
_WORD = re.compile(r"[a-zäöüß\-]+")
CACHE_VERSION = 2  # bump when parse() changes
_FILLERS = frozenset({"etw", "jdn", "jdm", "jds", "sich", "sein", "werden", "machen"})  # "etw. gewinnen"
MAX_TRANSLATIONS = 30  # a word with dozens of senses ("set", "get") would match everything


def _alternatives(side: str) -> list[list[str]]:
    """One dictionary side → per sense ("|"), its alternatives (";"), cleaned of notes and "to "."""
    senses = []
    for sense in side.split("|"):
        alts = []
        for alt in sense.split(";"):
            alt = _NOTES.sub(" ", alt).strip().lower()
            alt = alt[3:] if alt.startswith("to ") else alt
            alts.append(alt)
        senses.append(alts)
    return senses


def _stems(alternatives: list[str]) -> set[str]:
    return {_term(w) for alt in alternatives if 0 < len(alt.split()) <= 2 for w in _WORD.findall(alt)
            if w not in STOPWORDS and w not in _FILLERS and len(w) > 2}


def parse(lines: Iterable[str]) -> dict[str, set[str]]:
    """English single word → German stems of the one- and two-word translations of the same sense."""
    table: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("#") or "::" not in line:
            continue
        german, english = line.rstrip("\n").split("::", 1)
        senses = list(zip(_alternatives(german), _alternatives(english)))
        base = _stems(senses[0][0]) if senses else set()  # "won" (gewonnen) also stands for "gewinnen", "Gewinner"
        for de_alts, en_alts in senses:
            stems = _stems(de_alts)
            if not stems:
                continue
            stems |= base
            for alt in en_alts:
                if _WORD.fullmatch(alt) and alt not in STOPWORDS:
                    table.setdefault(alt, set()).update(stems)
    return table


def _cache_file(stat: os.stat_result) -> Path:
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "quellenchat" / f"lexicon-{CACHE_VERSION}-{stat.st_size}-{int(stat.st_mtime)}.json"


_LOADING = threading.Lock()


def lexicon() -> dict[str, frozenset[str]]:
    """The parsed dictionary, or {} when it is not installed. One load per process: app.py starts it in the
    background and a question or the status line asking meanwhile waits for it instead of parsing it again."""
    with _LOADING:
        return _load()


@lru_cache(maxsize=1)
def _load() -> dict[str, frozenset[str]]:
    """Parsing takes ~5 s, so the result is kept as JSON in the user's cache folder (~0.5 s to load), keyed by the
    dictionary file's size and date."""
    try:
        stat = DICTIONARY.stat()
    except OSError:
        return {}
    cached = _cache_file(stat)
    try:
        table = json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        with DICTIONARY.open(encoding="utf-8", errors="replace") as f:
            table = {en: sorted(st) for en, st in parse(f).items() if len(st) <= MAX_TRANSLATIONS}
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
            tmp.replace(cached)
        except OSError:
            pass  # a read-only home only costs the parse next time
    return {en: frozenset(stems) for en, stems in table.items()}


def _forms(word: str) -> list[str]:
    """The word and its likely base forms: "companies" → "company", "signed" → "sign", "winning" → "win"."""
    forms = [word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + repl)
    if len(forms[-1]) >= 4 and forms[-1][-1] == forms[-1][-2]:  # "winn(ing)" → "win"
        forms.append(forms[-1][:-1])
    return forms


def german_stems(word: str) -> frozenset[str]:
    """German stems an English word may stand for (empty when unknown)."""
    table = lexicon()
    for form in _forms(word.lower()):
        if form in table:
            return table[form]
    return frozenset()


def available() -> bool:
    return bool(lexicon())


def question_stems(words: Iterable[str], language: str) -> list[frozenset[str]]:
    """Per content word of the question, the stems that count as that word in German text: its own stem, and for
    English questions its dictionary translations."""
    out = []
    for word in words:
        own = frozenset({_term(word)})
        out.append(own | german_stems(word) if language == "en" else own)
    return out
