"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol with scripted replies.

Streaming requests get Server-Sent Events (`data: {chunk}` lines, then `data: [DONE]`), others one JSON
completion. Every request body is recorded, so tests can assert what the model was shown.

A reply is a `Reply`, or a function of the request body returning one (for scripted "models" that read the
prompt). Used by tests/test_generation.py and bench/llm_citations.py.
"""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Union


@dataclass(frozen=True)
class Reply:
    text: str = ""
    status: int = 200  # e.g. 500 for a server error
    delay: float = 0.0  # seconds before anything is sent (longer than the client's timeout = a timeout)
    stall_after: int | None = None  # streaming: stop sending after this many pieces and hang (mid-stream timeout)


Script = Union[Reply, Callable[[dict], Reply]]


def pieces(text: str) -> list[str]:
    """Token-like pieces: words with their following whitespace."""
    return re.findall(r"\S+\s*|\s+", text)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (timeout tests) leaves a broken pipe: expected, not worth a traceback


class FakeOpenAI:
    """`with FakeOpenAI() as server: server.script = Reply("…"); url = server.url`"""

    def __init__(self, script: Script | None = None, model: str = "scripted-model") -> None:
        self.script: Script = script or Reply("")
        self.model = model
        self.requests: list[dict] = []
        self.authorizations: list[str] = []  # the Authorization header of each chat request
        self._closing = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": outer.model, "object": "model", "owned_by": "test"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                outer.requests.append(body)
                outer.authorizations.append(self.headers.get("Authorization", ""))
                script = outer.script
                reply = script(body) if callable(script) else script
                if reply.delay and outer._closing.wait(reply.delay):
                    return
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    self._json(200, outer.completion(reply.text))

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                send = lambda obj: self._event(json.dumps(obj))
                send(outer.chunk({"role": "assistant", "content": ""}))
                for i, piece in enumerate(pieces(reply.text)):
                    if reply.stall_after is not None and i >= reply.stall_after:
                        outer._closing.wait(600)
                        return
                    send(outer.chunk({"content": piece}))
                send(outer.chunk({}, finish="stop"))
                self._event("[DONE]")

            def _event(self, data: str) -> None:
                self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- protocol objects
    def chunk(self, delta: dict, finish: str | None = None) -> dict:
        return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def completion(self, text: str) -> dict:
        return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    # -- lifecycle
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


def passages_in(request: dict) -> dict[int, tuple[str, str]]:
    """The numbered passages of an answer request: n → (source, text), parsed from the prompt's delimiters."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    return {int(n): (src, text) for n, src, text in
            re.findall(r'<passage n="(\d+)" source="([^"]*)">\n(.*?)\n</passage>', user, re.S)}


def question_in(request: dict) -> str:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    found = re.search(r"<question>\n(.*?)\n</question>", user, re.S)
    return found.group(1) if found else ""
