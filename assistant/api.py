"""OpenAI-compatible chat API on the UI's server, so Open WebUI, LibreChat, AnythingLLM or a script can use
Quellenchat like a model:

    GET  /v1/models             one model, "quellenchat"
    POST /v1/chat/completions   the last user message is the question, earlier user messages the history;
                                `stream: true` answers with server-sent chunks

The reply text is the answer with its [n] markers plus a Markdown list of sources (title, page, quote); the
structured citations travel beside it in `citations` (and the whole answer in `quellenchat`). When an API key
is set, every request needs `Authorization: Bearer <key>`. Streams carry only checked text: while a language
model is still writing, the stream sends SSE comments (keep-alives), then the verified answer in pieces.
"""
from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from .markdown import reply_markdown
from .records import Answer

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Assistant

log = logging.getLogger("quellenchat.api")
MODEL = "quellenchat"
CREATED = 1_767_225_600  # a fixed "created" for the model list (2026-01-01)
KEEP_ALIVE_SECONDS = 1.0


class RequestProblem(ValueError):
    """A request the API refuses, with the HTTP status and OpenAI error type to answer with."""

    def __init__(self, message: str, status: int = 400, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.kind = status, kind


def message_text(content: Any) -> str:
    """A message's text: a plain string, or the text parts of a content list (images are ignored)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def question_and_history(body: Any) -> tuple[str, list[str]]:
    """The last user message is the question; the user messages before it are the history."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        raise RequestProblem("'messages' must be a non-empty list")
    asked = [message_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    asked = [q for q in asked if q.strip()]
    if not asked:
        raise RequestProblem("no user message with text in 'messages'")
    return asked[-1], asked[:-1]


def completion(answer: Answer, request_id: str) -> dict:
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply_markdown(answer)}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": [c.to_json() for c in answer.citations],
        "quellenchat": answer.to_json(),
    }


def chunk(request_id: str, delta: dict, finish: str | None = None, **extra: Any) -> str:
    payload = {"id": request_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": MODEL,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def pieces(text: str) -> list[str]:
    """The reply split after each space or line break, so a client renders it progressively."""
    return re.findall(r"\S*\s*", text)[:-1] or [text]


def stream_events(results: Iterator[tuple[str, Answer | None]], request_id: str) -> Iterator[str]:
    """SSE: role, keep-alives while unchecked text is being written, the checked reply, then [DONE]."""
    yield chunk(request_id, {"role": "assistant", "content": ""})
    answer, last = None, 0.0
    try:
        for _, final in results:
            if final is None:
                if time.monotonic() - last >= KEEP_ALIVE_SECONDS:  # one comment a second keeps proxies from timing out
                    last = time.monotonic()
                    yield ": writing\n\n"
            else:
                answer = final
    except Exception as err:  # after the headers are sent, an error can only travel inside the stream
        log.exception("streamed answer failed")
        yield f"data: {json.dumps({'error': {'message': str(err) or type(err).__name__, 'type': 'server_error'}})}\n\n"
        yield "data: [DONE]\n\n"
        return
    if answer is not None:
        for piece in pieces(reply_markdown(answer)):
            yield chunk(request_id, {"content": piece})
        yield chunk(request_id, {}, "stop", citations=[c.to_json() for c in answer.citations], quellenchat=answer.to_json())
    yield "data: [DONE]\n\n"


def key_matches(authorization: str | None, api_key: str) -> bool:
    """True when no key is set, or the Bearer token equals it (compared in constant time)."""
    if not api_key:
        return True
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), api_key.encode())


def error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status_code=status)


def build_api(assistant: Assistant, api_key: str = "") -> APIRouter:
    """The /v1 routes over one Assistant; questions run on FastAPI's thread pool, like the UI's."""
    from .answering import BadQuestion
    from .index import IndexProblem

    router = APIRouter(prefix="/v1")

    def refused(request: Request):
        if key_matches(request.headers.get("authorization"), api_key):
            return None
        return error(401, "invalid or missing API key (Authorization: Bearer …)", "invalid_api_key")

    @router.get("/models")
    def models(request: Request):
        if (denied := refused(request)) is not None:
            return denied
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": "quellenchat"}]}

    @router.post("/chat/completions")
    async def chat_completions(request: Request):
        if (denied := refused(request)) is not None:
            return denied
        try:
            body = await request.json()
            question, history = question_and_history(body)
        except json.JSONDecodeError:
            return error(400, "the body must be JSON", "invalid_request_error")
        except RequestProblem as err:
            return error(err.status, str(err), err.kind)
        request_id = f"chatcmpl-{uuid.uuid4().hex}"
        if body.get("stream"):
            first = await run_in_threadpool(_first_result, assistant, question, history)
            if isinstance(first, Exception):
                return _problem(first)
            return StreamingResponse(stream_events(first, request_id), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        try:
            answer = await run_in_threadpool(assistant.ask, question, history)
        except (BadQuestion, IndexProblem) as err:
            return _problem(err)
        return completion(answer, request_id)

    def _problem(err: Exception):
        if isinstance(err, BadQuestion):
            return error(400, str(err), "invalid_request_error")
        if isinstance(err, IndexProblem):
            return error(503, str(err), "server_error")
        raise err

    return router


def _first_result(assistant: Assistant, question: str, history: Sequence[str]) -> Iterator[tuple[str, Answer | None]] | Exception:
    """Start answering and take the first result, so a refused question still gets a proper HTTP error status."""
    from .answering import BadQuestion
    from .index import IndexProblem

    results = assistant.ask_stream(question, history)
    try:
        first = next(results)
    except (BadQuestion, IndexProblem) as err:
        return err
    except StopIteration:
        return iter(())

    def chained() -> Iterator[tuple[str, Answer | None]]:
        yield first
        yield from results

    return chained()
