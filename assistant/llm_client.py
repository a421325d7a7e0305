"""The client adapter for optional LLM answers: any OpenAI-compatible `/v1` server (Ollama, llama.cpp, vLLM,
LM Studio, hosted APIs) through the `openai` package, imported on first use.

Kept apart from generation.py, which builds the prompts and checks the answer, so that the network edge and its
failure modes (timeouts, unreachable servers, HTTP errors → `GenerationError`) sit in one small module.
"""
from __future__ import annotations

import threading
import time
from typing import Iterator, Protocol


class GenerationError(Exception):
    """The model gave no answer; `reason` is one of timeout, unavailable, error, empty."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class Generator(Protocol):
    model: str

    def chat(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        """Yield pieces of the reply; raise GenerationError when the model gives none."""
        ...


class OpenAIGenerator:
    """Chat completions from an OpenAI-compatible `/v1` endpoint via the `openai` package.

    `timeout` is the longest wait for the server (connecting, the first token, or the next one); the whole
    reply may take at most `timeout * TOTAL_FACTOR`. No retries: the user is waiting, and the fallback is instant.
    """

    TOTAL_FACTOR = 5

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 60.0, stream: bool = True,
                 temperature: float = 0.0) -> None:
        self.base_url, self.model = base_url, model
        self._api_key = api_key or "not-needed"  # local servers ignore the key, but the client requires one
        self.timeout, self.stream, self.temperature = float(timeout), stream, temperature
        self._client = None
        self._lock = threading.Lock()

    def _get_client(self):
        with self._lock:
            if self._client is None:
                from openai import OpenAI

                self._client = OpenAI(base_url=self.base_url, api_key=self._api_key, timeout=self.timeout, max_retries=0)
            return self._client

    def chat(self, messages: list[dict], max_tokens: int) -> Iterator[str]:
        try:
            import openai
        except ImportError as err:
            raise GenerationError("error", "the openai package is missing: pip install openai") from err

        deadline = time.monotonic() + self.timeout * self.TOTAL_FACTOR
        try:
            response = self._get_client().chat.completions.create(
                model=self.model, messages=messages, stream=self.stream, temperature=self.temperature, max_tokens=max_tokens
            )
            if not self.stream:
                content = response.choices[0].message.content if response.choices else None
                if content:
                    yield content
                return
            try:
                for chunk in response:
                    piece = chunk.choices[0].delta.content if chunk.choices and chunk.choices[0].delta else None
                    if piece:
                        yield piece
                    if time.monotonic() > deadline:
                        raise GenerationError("timeout", f"reply took longer than {self.timeout * self.TOTAL_FACTOR:.0f} s")
            finally:
                response.close()
        except openai.APITimeoutError as err:
            raise GenerationError("timeout", str(err)) from err
        except openai.APIConnectionError as err:
            raise GenerationError("unavailable", f"{self.base_url}: {err}") from err
        except openai.APIStatusError as err:
            raise GenerationError("error", f"HTTP {err.status_code}") from err
        except openai.OpenAIError as err:
            raise GenerationError("error", str(err)) from err

    def __repr__(self) -> str:
        return f"OpenAIGenerator(model={self.model!r}, base_url={self.base_url!r})"


def make_generator(url: str, model: str, api_key: str = "", timeout: float = 60.0) -> OpenAIGenerator | None:
    """A generator when both URL and model are configured, else None (extractive answers)."""
    if not url.strip() or not model.strip():
        return None
    return OpenAIGenerator(url.strip(), model.strip(), api_key, timeout)
