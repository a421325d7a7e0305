"""Question language: langdetect restricted to German and English, seeded so the same question always gets the same answer.

Unrestricted langdetect reads short, name-heavy questions ("Wer ist Anton Mashukov?") as Afrikaans or Dutch;
loading only the de and en profiles makes it decide between the two languages we answer in.
"""
from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("de", "en")
_GERMAN_HINTS = re.compile(
    r"\b(der|die|das|und|ist|sind|wer|wie|wann|welche[rsmn]?|wo|warum|seit|nicht|mit|für|im|zum|zur|ein|eine[rnms]?"
    r"|wurde[n]?|hat|haben|war|den|dem|des|zwischen|auf|von|bei|als|auch|über|wieviel|wofür|womit|wozu|worauf)\b",
    re.I,
)
_ENGLISH_HINTS = re.compile(
    r"\b(the|and|is|are|was|were|who|whose|how|when|which|where|what|why|since|not|with|for|of|did|does|do|it|to|from"
    r"|that|this|year|many|much|far)\b",
    re.I,
)
_lock = threading.Lock()  # langdetect's factory is shared state


@lru_cache(maxsize=1)
def _factory():
    import langdetect
    from langdetect.detector_factory import DetectorFactory

    profiles = Path(langdetect.__file__).parent / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile([json.loads((profiles / lang).read_text(encoding="utf-8")) for lang in LANGUAGES])
    factory.set_seed(0)
    return factory


def detect_language(text: str, default: str = "de") -> str:
    """'de' or 'en'. Function words decide when they clearly lean one way; langdetect decides the rest."""
    german, english = len(_GERMAN_HINTS.findall(text)), len(_ENGLISH_HINTS.findall(text))
    if german != english and max(german, english) >= 2 * min(german, english) + 1:
        return "de" if german > english else "en"
    try:
        with _lock:
            detector = _factory().create()
            detector.append(text)
            lang = detector.detect()
    except Exception:  # langdetect raises on text without letters
        return default
    return lang if lang in LANGUAGES else default
