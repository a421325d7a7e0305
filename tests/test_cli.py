"""The CLI contract, run as a user runs it: a real subprocess, the real default model, real files."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_index_ask_and_incremental_update(seed_docs: Path, tmp_path: Path):
    index = str(tmp_path / "index")
    first = run("index", "--docs", str(seed_docs), "--index", index, "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) == {"added", "changed", "removed", "unchanged", "chunks", "embedded_chunks", "embedded_sentences", "seconds", "skipped",
                           "health", "warnings", "full"}
    assert len(report["added"]) == 5 and report["embedded_chunks"] == report["chunks"] and report["full"] is False

    asked = run("ask", "Seit wann kooperieren Niedersachsen und Tjumen?", "--docs", str(seed_docs), "--index", index, "--json", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert set(answer) >= {"question", "language", "answer", "abstained", "citations"}
    assert answer["language"] == "de" and not answer["abstained"]
    cite = answer["citations"][0]
    assert {"n", "document", "start", "end", "quote", "title", "page"} <= set(cite) and cite["n"] == 1
    text = (seed_docs / cite["document"]).read_text(encoding="utf-8")
    assert text[cite["start"] : cite["end"]] == cite["quote"]

    (seed_docs / "kassel.txt").write_text("Kassel und Jaroslawl sind seit 1988 Partnerstädte.", encoding="utf-8")
    # `ask` notices the new file and updates the index first
    asked = run("ask", "Seit wann sind Kassel und Jaroslawl Partnerstädte?", "--docs", str(seed_docs), "--index", index, "--json", cwd=tmp_path)
    assert json.loads(asked.stdout)["citations"][0]["document"] == "kassel.txt"
    again = json.loads(run("index", "--docs", str(seed_docs), "--index", index, "--json", cwd=tmp_path).stdout)
    assert again["embedded_chunks"] == 0 and again["unchanged"] == 6


def test_index_full_rereads_what_an_incremental_run_keeps(tmp_path: Path):
    """A PDF indexed before Tesseract was installed: `index` keeps it as it was (same bytes), `index --full` reads its
    scanned page, and the page becomes answerable with its page number."""
    import builders
    from assistant.documents import ocr

    if not ocr.available():
        pytest.skip(ocr.NEEDS_OCR)
    docs, index = tmp_path / "documents", str(tmp_path / "index")
    docs.mkdir()
    builders.text_and_scanned_pdf(docs / "sitzung.pdf", [
        "Niederschrift der Sitzung des Partnerschaftsausschusses. Die Gäste aus Gödöllő wurden im Rathaus begrüßt."],
        [["Der Ausschuss beschloss, der Partnerstadt Tarnowitz eine Orgel aus Zinn zu schenken."]])
    (docs / "kassel.txt").write_text("Kassel und Jaroslawl sind seit 1988 Partnerstädte.", encoding="utf-8")
    no_ocr = {"PATH": str(tmp_path)}  # a PATH without tesseract
    first = json.loads(run("index", "--docs", str(docs), "--index", index, "--json", cwd=tmp_path, env=no_ocr).stdout)
    assert sorted(first["added"]) == ["kassel.txt", "sitzung.pdf"]
    assert [h["ocr_pages"] for h in first["health"] if h["file"] == "sitzung.pdf"] == [[]]

    again = json.loads(run("index", "--docs", str(docs), "--index", index, "--json", cwd=tmp_path).stdout)
    assert again["unchanged"] == 2 and again["health"] == [] and again["full"] is False

    full = run("index", "--full", "--docs", str(docs), "--index", index, "--json", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    report = json.loads(full.stdout)
    assert report["full"] is True and sorted(report["changed"]) == ["kassel.txt", "sitzung.pdf"] and report["unchanged"] == 0
    assert [h["ocr_pages"] for h in report["health"] if h["file"] == "sitzung.pdf"] == [[2]]
    assert 0 < report["embedded_sentences"] <= 2  # the scanned page's text; the rest came from the embedding cache

    asked = run("ask", "Was schenkt der Ausschuss der Partnerstadt Tarnowitz?", "--docs", str(docs), "--index", index, "--json",
                cwd=tmp_path)
    cite = json.loads(asked.stdout)["citations"][0]
    assert cite["document"] == "sitzung.pdf" and cite["page"] == 2 and "Orgel" in cite["quote"]

    text = run("index", "--full", "--docs", str(docs), "--index", index, cwd=tmp_path)
    assert "full rebuild: 2 files re-read" in text.stdout and "embedding cache" in text.stdout, text.stderr


@pytest.mark.parametrize("args,message", [
    (["ask", ""], "question"),
    (["ask", "x" * 20000], "2000"),
    (["ask", "Wo?", "--docs", "does-not-exist"], "not found"),
    (["index", "--docs", "does-not-exist"], "not found"),
])
def test_bad_input_gets_one_line_and_exit_code_2(tmp_path: Path, args, message):
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "a.txt").write_text("Ein kurzer Text über Celle.", encoding="utf-8")
    result = run(*args, "--index", str(tmp_path / "index"), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_python_dash_m_and_console_script_share_the_parser(tmp_path: Path):
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0 and "index" in result.stdout and "ask" in result.stdout and "eval" in result.stdout
