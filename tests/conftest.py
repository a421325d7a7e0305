"""Shared fixtures: a deterministic fake embedder for the fast tier, the real packaged models for the model tier."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.lexical import tokenize

REPO = Path(__file__).resolve().parent.parent
SEED_DOCS = REPO / "documents"


class FakeEmbedder:
    """Bag of stemmed words hashed into 64 dimensions: deterministic, instant, and similar texts score similar."""

    backend = "fake"

    def __init__(self, model_id: str = "fake-64") -> None:
        self.model_id = model_id
        self.dim = 64
        self.passages_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in tokenize(text) or ["<empty>"]:
            vec[int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dim] += 1.0
        return vec / np.linalg.norm(vec)

    def embed_passages(self, texts):
        self.passages_embedded += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vector(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def seed_docs(tmp_path: Path) -> Path:
    """A private copy of the five bundled seed documents."""
    docs = tmp_path / "documents"
    shutil.copytree(SEED_DOCS, docs, ignore=shutil.ignore_patterns(".*"))
    return docs


@pytest.fixture(scope="session")
def e5_embedder():
    from assistant.embedding import make_embedder

    return make_embedder()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser), shared by the browser-tier tests."""
    from bench.browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it: apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def without_tesseract(monkeypatch, tmp_path_factory):
    """A PATH on which no `tesseract` program is found: how a machine without tesseract-ocr looks to the readers."""
    from assistant.documents import ocr

    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("empty-path")))
    ocr.languages.cache_clear()
    yield
    ocr.languages.cache_clear()


@pytest.fixture(scope="module")
def e5_assistant(tmp_path_factory, e5_embedder):
    """The real e5 model over a private copy of the seed documents, indexed once per test module."""
    from assistant.index import ChunkParams
    from assistant.pipeline import Assistant

    root = tmp_path_factory.mktemp("e5")
    shutil.copytree(SEED_DOCS, root / "documents")
    assistant = Assistant(root / "documents", root / "index", e5_embedder, ChunkParams())
    assistant.update()
    return assistant
