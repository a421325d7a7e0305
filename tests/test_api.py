"""The OpenAI-compatible /v1 API of the real `python app.py`, spoken to by the real `openai` client and by curl.

The server answers from a temporary copy of documents/ with the real packaged embedding model.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from assistant.api import RequestProblem, key_matches, message_text, pieces, question_and_history
from bench.browser import ROOT, Server, start_app, stop_app

KEY = "qc-test-key-4711"
QUESTION = "Seit wann kooperieren Niedersachsen und Tjumen?"


# ---------------------------------------------------------------- pure parts, no server


def test_last_user_message_is_the_question_and_earlier_ones_the_history() -> None:
    body = {"messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Wer leitet die Delegation aus Omsk?"},
        {"role": "assistant", "content": "Laut den Dokumenten …"},
        {"role": "user", "content": [{"type": "text", "text": "Und welche Funktion hat sie?"}, {"type": "image_url"}]},
    ]}
    assert question_and_history(body) == ("Und welche Funktion hat sie?", ["Wer leitet die Delegation aus Omsk?"])
    with pytest.raises(RequestProblem):
        question_and_history({"messages": [{"role": "system", "content": "x"}]})
    with pytest.raises(RequestProblem):
        question_and_history({"messages": "hello"})
    assert message_text(None) == ""


def test_key_check() -> None:
    assert key_matches(None, "") and key_matches("Bearer anything", "")
    assert key_matches(f"Bearer {KEY}", KEY) and key_matches(f"bearer {KEY}", KEY)
    assert not key_matches(None, KEY) and not key_matches("Bearer wrong", KEY) and not key_matches(KEY, KEY)


def test_stream_pieces_rebuild_the_text() -> None:
    text = "Laut den Dokumenten: „1992“ [1]\n\n**Quellen:**\n- [1] a.txt: „x“"
    assert "".join(pieces(text)) == text and len(pieces(text)) > 5


# ---------------------------------------------------------------- the real server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("api")
    shutil.copytree(ROOT / "documents", base / "documents")
    srv = start_app(base / "documents", base / "index", base / "app.log", {"ASSISTANT_API_KEY": KEY})
    try:
        yield srv
    finally:
        stop_app(srv.proc)


def client(server: Server, key: str = KEY):
    from openai import OpenAI

    return OpenAI(base_url=server.url + "v1", api_key=key, max_retries=0, timeout=120)


@pytest.mark.model
def test_models_lists_quellenchat(server: Server) -> None:
    assert [m.id for m in client(server).models.list()] == ["quellenchat"]


@pytest.mark.model
def test_plain_completion_carries_markers_sources_and_citations(server: Server) -> None:
    reply = client(server).chat.completions.create(model="quellenchat", messages=[{"role": "user", "content": QUESTION}])
    text = reply.choices[0].message.content
    assert "1992" in text and "[1]" in text
    assert "**Quellen:**" in text and "- [1] Niedersachen und Tjumen entwickeln ihre langjährige Partnerschaft weiter: „Die Grundlagen der Kooperation" in text
    citations = reply.model_extra["citations"]
    assert citations[0]["document"] == "000_2f8e9fa625a060b8.txt" and "1992" in citations[0]["quote"]
    assert {"title", "page", "start", "end"} <= set(citations[0])
    assert reply.model_extra["quellenchat"]["language"] == "de"


@pytest.mark.model
def test_streamed_completion_equals_the_plain_one(server: Server) -> None:
    api = client(server)
    messages = [{"role": "user", "content": "Which IT trade fair in Hanover did Yekaterinburg take part in during June 2018?"}]
    plain = api.chat.completions.create(model="quellenchat", messages=messages).choices[0].message.content
    chunks = list(api.chat.completions.create(model="quellenchat", messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == plain and "CeBIT" in text and "**Sources:**" in text
    assert len(chunks) > 5  # really in pieces
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert "CeBIT" in chunks[-1].model_extra["citations"][0]["quote"]


@pytest.mark.model
def test_earlier_messages_are_the_history(server: Server) -> None:
    messages = [
        {"role": "user", "content": "Wer leitet die Delegation aus Omsk?"},
        {"role": "assistant", "content": "…"},
        {"role": "user", "content": "Und welche Funktion hat sie?"},
    ]
    reply = client(server).chat.completions.create(model="quellenchat", messages=messages)
    assert "Direktorin" in reply.choices[0].message.content


@pytest.mark.model
def test_wrong_or_missing_key_is_401(server: Server) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError):
        client(server, "wrong-key").chat.completions.create(model="quellenchat", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.AuthenticationError):
        client(server, "wrong-key").models.list()
    status = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", server.url + "v1/models"],
                            capture_output=True, text=True, timeout=30).stdout
    assert status == "401"


@pytest.mark.model
def test_refused_question_is_400(server: Server) -> None:
    import openai

    with pytest.raises(openai.BadRequestError):
        client(server).chat.completions.create(model="quellenchat", messages=[{"role": "user", "content": "?!?"}])
    with pytest.raises(openai.BadRequestError):
        client(server).chat.completions.create(model="quellenchat", messages=[{"role": "user", "content": "?!?"}], stream=True)


def curl(server: Server, body: dict, *extra: str) -> str:
    done = subprocess.run(
        ["curl", "-sS", "-N", server.url + "v1/chat/completions", "-H", f"Authorization: Bearer {KEY}",
         "-H", "Content-Type: application/json", "-d", json.dumps(body), *extra],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.model
def test_curl_plain_and_streamed(server: Server) -> None:
    plain = json.loads(curl(server, {"model": "quellenchat", "messages": [{"role": "user", "content": QUESTION}]}))
    assert plain["object"] == "chat.completion" and "1992" in plain["choices"][0]["message"]["content"]
    events = curl(server, {"model": "quellenchat", "stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    lines = [line[6:] for line in events.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(line) for line in lines[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == plain["choices"][0]["message"]["content"]


@pytest.mark.model
def test_the_chat_ui_is_served_beside_the_api(server: Server) -> None:
    page = subprocess.run(["curl", "-s", server.url], capture_output=True, text=True, timeout=30).stdout
    assert "<title>Quellenchat</title>" in page or "Quellenchat" in page


def test_binding_beyond_loopback_without_a_key_is_refused(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    shutil.copytree(ROOT / "documents", docs)
    env = {"ASSISTANT_DOCS_DIR": str(docs), "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--port", "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "ASSISTANT_API_KEY" in done.stderr and "refusing" in done.stderr


@pytest.mark.model
def test_a_stream_carries_only_checked_text_when_a_model_writes(tmp_path: Path) -> None:
    """With an LLM, a sentence its cited passage does not support is dropped by the check; the stream never showed it."""
    from fake_openai import FakeOpenAI, Reply, passages_in

    def script(request: dict) -> Reply:
        n = next((n for n, (_, text) in passages_in(request).items() if "1992 formuliert" in text), 1)
        return Reply(f"Die Grundlagen der Kooperation wurden bereits 1992 formuliert [{n}]. "
                     f"Tjumen schenkte Niedersachsen 4711 Elefanten [{n}].")

    shutil.copytree(ROOT / "documents", tmp_path / "documents")
    with FakeOpenAI(script) as llm:
        srv = start_app(tmp_path / "documents", tmp_path / "index", tmp_path / "app.log",
                        {"ASSISTANT_LLM_URL": llm.url, "ASSISTANT_LLM_MODEL": "scripted-model"})
        try:
            api = client(srv, "any")  # no key configured: any key is accepted
            messages = [{"role": "user", "content": QUESTION}]
            plain = api.chat.completions.create(model="quellenchat", messages=messages).choices[0].message.content
            streamed = "".join(c.choices[0].delta.content or "" for c in api.chat.completions.create(
                model="quellenchat", messages=messages, stream=True))
            raw = subprocess.run(
                ["curl", "-sS", "-N", srv.url + "v1/chat/completions", "-H", "Content-Type: application/json",
                 "-d", json.dumps({"model": "quellenchat", "stream": True, "messages": messages})],
                capture_output=True, text=True, timeout=120).stdout
        finally:
            stop_app(srv.proc)
    assert "1992 formuliert" in plain and "4711" not in plain  # the check dropped the unsupported sentence
    assert streamed == plain
    assert ": writing" in raw  # keep-alives while the model wrote …
    deltas = [json.loads(line[6:])["choices"][0]["delta"].get("content", "") for line in raw.splitlines()
              if line.startswith("data: {")]
    assert "4711" not in "".join(deltas)  # … never its unchecked text (the dropped sentence is named only in the notes)
