"""Headless Debian Chromium settings and a real app.py process, shared by the browser/API tests and the UI latency script.

The background-networking flags matter on a closed network: without them Chromium keeps reaching for Google's
hosts at start and stalls.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, url: str, timeout: float = 240) -> bool:
    """True once `url` answers at all (a 401 behind a login counts); False when the app exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    """A running `python app.py` on a free port, over its own documents and index folders."""

    url: str
    docs: Path
    index: Path
    proc: subprocess.Popen
    log: Path


def start_app(docs: Path, index: Path, log: Path, extra_env: dict[str, str] | None = None, port: int | None = None) -> Server:
    """Start the real app.py (UI + API) with only the given ASSISTANT_* settings; raise with its log if it fails.
    `port`: the same one again after a restart (browsers keep localStorage per host and port)."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    # ASSISTANT_WATCH=0: callers drive indexing themselves (Rebuild button); tests/test_watch.py turns watching on
    env.update({"ASSISTANT_DOCS_DIR": str(docs), "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_WATCH": "0", "GRADIO_ANALYTICS_ENABLED": "False",
                "PYTHONUNBUFFERED": "1", **(extra_env or {})})
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, preexec_fn=default_sigint)
    url = f"http://127.0.0.1:{port}/"
    if wait_until_up(proc, url):
        return Server(url, docs, index, proc, log)
    if proc.poll() is not None:
        raise AssertionError(f"app.py exited with {proc.returncode}:\n{log.read_text()}")
    stop_app(proc)
    raise AssertionError(f"app.py did not come up:\n{log.read_text()}")


def default_sigint() -> None:
    """In the child before exec: a run started in the background ignores SIGINT, and stop_app relies on Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_app(proc: subprocess.Popen) -> None:
    """Ctrl-C, as a user would; kill only if it does not stop."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
