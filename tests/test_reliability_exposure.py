"""Exposure: the app listens on loopback unless told otherwise, and loading an index never unpickles anything.

The index folder is data on disk that anyone with write access to it could replace; if loading it could run a
pickle, replacing a file would mean running code. So these tests plant pickles that would leave a marker file
if ever loaded, and watch the loader with an audit hook (`pickle.find_class`) and tripwires on every pickle
entry point, in real child processes.
"""
from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, load_settings
from test_reliability_support import (  # noqa: F401  (fixtures are used by name)
    BASE_ANSWER,
    BASE_QUESTION,
    REPO,
    base_index,
    child_env,
    copy_index,
    current_generation,
    embedder,
)


def test_settings_bind_loopback_by_default():
    assert Settings().host == "127.0.0.1"
    assert load_settings(env={}, pyproject=REPO / "pyproject.toml").host == "127.0.0.1"  # the shipped config
    assert load_settings(env={"ASSISTANT_HOST": ""}, pyproject=REPO / "pyproject.toml").host == "127.0.0.1"


def _listening(port: int) -> list[str]:
    """Local addresses of sockets in LISTEN state on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.append(socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, raw))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp to see bound addresses")
def test_app_listens_on_loopback_only(base_index, tmp_path):
    """The real `python app.py`, with no host given and GRADIO_SERVER_NAME=0.0.0.0 in its environment (Gradio's
    own override): every listening socket on its port is a loopback address."""
    docs, index = copy_index(base_index, tmp_path)
    port = _free_port()
    env = child_env(GRADIO_SERVER_NAME="0.0.0.0", ASSISTANT_PORT=str(port), ASSISTANT_DOCS_DIR=str(docs),
                    ASSISTANT_INDEX_DIR=str(index), ASSISTANT_PASSWORD="")
    log = tmp_path / "app.log"
    with open(log, "wb") as err:
        app = subprocess.Popen([sys.executable, str(REPO / "app.py")], cwd=tmp_path, env=env,
                               stdout=err, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while not _listening(port):
            assert app.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "app did not start listening"
            time.sleep(0.2)
        addresses = _listening(port)
        assert all(a in ("127.0.0.1", "::1") for a in addresses), addresses
        assert "without a password" not in log.read_text(errors="replace")
    finally:
        app.kill()
        app.wait(timeout=30)


# ------------------------------------------------------------------ never unpickle

class _Boom:
    """Unpickling this runs `touch <marker>`: the proof that something executed a pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


# Runs in the child before anything else: record every unpickling attempt, however it is made.
_TRIPWIRES = textwrap.dedent("""
    import sys, pickle, json, numpy
    attempts = []
    sys.addaudithook(lambda event, args: attempts.append(event) if event == "pickle.find_class" else None)
    def refuse(name):
        def tripwire(*a, **k):
            attempts.append(name)
            raise RuntimeError("unpickling attempted: " + name)
        return tripwire
    pickle.load, pickle.loads, pickle.Unpickler = refuse("pickle.load"), refuse("pickle.loads"), refuse("Unpickler")
    real_np_load = numpy.load
    def np_load(*a, **k):
        if k.get("allow_pickle"):
            attempts.append("np.load(allow_pickle=True)")
        return real_np_load(*a, **k)
    numpy.load = np_load
    import atexit
    atexit.register(lambda: sys.stderr.write("\\nATTEMPTS=" + json.dumps(attempts) + "\\n"))
    from assistant.cli import main
    code = main(sys.argv[1:])
    sys.stderr.write("\\nATTEMPTS=" + json.dumps(attempts) + "\\n")
    sys.stderr.flush()
    import os
    os._exit(code)
""")


def _ask_watched(docs: Path, index: Path, cwd: Path) -> tuple[int, str, str, list[str]]:
    run = subprocess.run(
        [sys.executable, "-c", _TRIPWIRES, "ask", BASE_QUESTION, "--docs", str(docs), "--index", str(index)],
        cwd=cwd, env=child_env(), capture_output=True, timeout=240,
    )
    err = run.stderr.decode()
    attempts = [line for line in err.splitlines() if line.startswith("ATTEMPTS=")]
    assert attempts, err
    import json

    return run.returncode, run.stdout.decode(), err, json.loads(attempts[-1].removeprefix("ATTEMPTS="))


def _plant_pickles(gen: Path, marker: Path) -> None:
    """Pickles under every name a careless loader might look for, in every folder of the index."""
    payload = pickle.dumps(_Boom(marker))
    for folder in (gen.parent, gen, gen / "bm25", gen.parent / "cache"):
        for name in ("index.pkl", "index.pickle", "docstore.pkl", "params.index.pkl", "corpus.pkl", "vectors.pkl"):
            (folder / name).write_bytes(payload)


def test_planted_pickles_are_never_loaded(base_index, tmp_path):
    docs, index = copy_index(base_index, tmp_path)
    marker = tmp_path / "PWNED"
    _plant_pickles(index / current_generation(index), marker)
    code, out, err, attempts = _ask_watched(docs, index, tmp_path)
    assert code == 0, err
    assert BASE_ANSWER in out  # the planted files did not get in the way either
    assert attempts == []
    assert not marker.exists()


def test_a_pickle_smuggled_into_the_bm25_arrays_is_refused_not_run(base_index, tmp_path):
    """Replace one of BM25's .npy arrays with an object array (a pickle inside .npy): loading must refuse it with
    a one-line message, and the pickle must never run."""
    docs, index = copy_index(base_index, tmp_path)
    marker = tmp_path / "PWNED"
    gen = index / current_generation(index)
    for name in ("data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"):
        np.save(gen / "bm25" / name, np.array([_Boom(marker)], dtype=object), allow_pickle=True)
    code, out, err, attempts = _ask_watched(docs, index, tmp_path)
    assert attempts == []
    assert not marker.exists()
    assert "Traceback" not in err
    if code != 0:  # refused: one line saying what is wrong
        message = [line for line in err.splitlines() if line.strip() and not line.startswith("ATTEMPTS=")]
        assert len(message) == 1 and message[0].startswith("assistant: "), err
