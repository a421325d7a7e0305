"""Bad files: one real `assistant index` child over a folder full of hostile files next to good ones.

Each bad file is either indexed correctly or reported with a reason and skipped; the good files are indexed and
answer questions; nothing on disk is dropped without a word; a 50 MB file does not blow up the child's memory.
Unreadable permissions are real: as root (CI containers), the child runs without CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, so chmod 000 holds for it as for any user.
"""
from __future__ import annotations

import ctypes
import io
import json
import os
import random
import subprocess
import zlib
from pathlib import Path

import docx
import pytest

from assistant.index import load_index
from assistant.pipeline import Assistant
from test_reliability_support import (  # noqa: F401  (fixtures are used by name)
    BASE_ANSWER,
    BASE_QUESTION,
    assert_index_whole,
    base_index,
    child_env,
    cli,
    copy_index,
    embedder,
    rss_peak_mb,
    start_index,
)

BIG_MB = 50
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _drop_root_file_access() -> None:
    """preexec_fn: the child stays root but loses the capabilities that let root ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _permissions_apply() -> dict:
    """Popen arguments under which chmod 000 makes a file unreadable for the child; skips if there are none."""
    if os.geteuid() != 0:
        return {}
    probe = subprocess.run(["cat", "/proc/self/status"], preexec_fn=_drop_root_file_access, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE, so chmod 000 cannot make a file unreadable")
    return {"preexec_fn": _drop_root_file_access}


def _pdf(content: bytes) -> bytes:
    """A one-page PDF whose page draws `content` (a PDF content stream), xref offsets computed exactly."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _docx(*paragraphs: str) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


GOOD_PDF = _pdf(b"BT /F1 12 Tf 72 720 Td (Der Deich bei Husum ist 9 Meter hoch.) Tj ET")
GOOD_DOCX = _docx("Protokoll", "Die Schleuse in Brunsbuettel wurde 1895 eröffnet.")

# file name -> ("indexed", text that must be in the indexed document) or ("skipped", start of the reason)
EXPECTED: dict[str, tuple[str, str]] = {
    "empty.txt": ("skipped", "no text (empty file)"),
    "blank.md": ("skipped", "no text (empty file)"),
    "junk.txt": ("skipped", "not a text file (binary content)"),
    "latin1.txt": ("indexed", "Die Brücke über die Weser bei Höxter ist 250 Meter lang."),
    "cp1252.txt": ("indexed", "„Kostenpunkt“ – 12 € pro Person."),
    "utf16.txt": ("indexed", "Straße der Einheit 5, Jürgen Groß."),
    "utf16be.md": ("indexed", "Größe: 7 Fuß."),
    "scan.pdf": ("skipped", "PDF has no text"),  # with Tesseract: "…, and OCR found none"; without: "… needs OCR"
    "truncated.pdf": ("skipped", "corrupt or unreadable PDF"),
    "garbage.pdf": ("skipped", "corrupt or unreadable PDF"),
    "good.pdf": ("indexed", "Der Deich bei Husum ist 9 Meter hoch."),
    "truncated.docx": ("skipped", "corrupt or unreadable DOCX"),
    "garbage.docx": ("skipped", "corrupt or unreadable DOCX"),
    "good.docx": ("indexed", "Die Schleuse in Brunsbuettel wurde 1895 eröffnet."),
    "big.txt": ("skipped", "file is larger than 20 MB"),
    "oneline.txt": ("indexed", "Wort" * 50),
    "script.html": ("indexed", "Sichtbarer Text über Kiel."),
    "outside.txt": ("skipped", "symlink points outside the documents folder"),
    "dangling.txt": ("skipped", "broken symlink"),
    "locked.txt": ("skipped", "cannot read file: permission denied"),
    "program.exe": ("skipped", "unsupported file type .exe"),
    "pipe.txt": ("skipped", "not a regular file"),
    "<img src=x onerror=alert(1)>.txt": ("indexed", "Ein Dateiname mit Markup."),
    "x'); DROP TABLE chunks;--.md": ("indexed", "Ein Dateiname mit SQL."),
    "zeile\nzwei .txt": ("indexed", "Ein Dateiname mit Zeilenumbruch."),
}


def _write_bad_corpus(docs: Path, outside: Path) -> None:
    rng = random.Random(1)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "blank.md").write_bytes(b"  \n\n\t \r\n")
    (docs / "junk.txt").write_bytes(bytes(rng.randrange(256) for _ in range(4096)) + zlib.compress(b"x" * 5000))
    (docs / "latin1.txt").write_bytes(EXPECTED["latin1.txt"][1].encode("latin-1"))
    (docs / "cp1252.txt").write_bytes(EXPECTED["cp1252.txt"][1].encode("cp1252"))
    (docs / "utf16.txt").write_bytes(EXPECTED["utf16.txt"][1].encode("utf-16"))  # with BOM
    (docs / "utf16be.md").write_bytes(b"\xfe\xff" + EXPECTED["utf16be.md"][1].encode("utf-16-be"))
    (docs / "scan.pdf").write_bytes(_pdf(b"0 0 m 300 300 l S 0.5 g 100 100 200 200 re f"))
    (docs / "truncated.pdf").write_bytes(GOOD_PDF[: len(GOOD_PDF) // 3])
    (docs / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(2000)))
    (docs / "good.pdf").write_bytes(GOOD_PDF)
    (docs / "truncated.docx").write_bytes(GOOD_DOCX[: len(GOOD_DOCX) // 2])
    (docs / "garbage.docx").write_bytes(b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(2000)))
    (docs / "good.docx").write_bytes(GOOD_DOCX)
    (docs / "oneline.txt").write_text("Wort" * (1024 * 1024 // 4), encoding="utf-8")  # 1 MB, no space, no break
    (docs / "script.html").write_text(
        "<html><head><script>document.write('geheim')</script><style>p{}</style></head>"
        "<body><p>Sichtbarer Text über Kiel.</p></body></html>", encoding="utf-8")
    (outside / "secret.txt").write_text("Das Passwort lautet Rumpelstilzchen.", encoding="utf-8")
    (docs / "outside.txt").symlink_to(outside / "secret.txt")
    (docs / "dangling.txt").symlink_to(docs / "does-not-exist.txt")
    (docs / "locked.txt").write_text("Gesperrter Inhalt.", encoding="utf-8")
    (docs / "locked.txt").chmod(0)
    (docs / "program.exe").write_bytes(b"MZ\x90\x00")
    os.mkfifo(docs / "pipe.txt")
    for name in ("<img src=x onerror=alert(1)>.txt", "x'); DROP TABLE chunks;--.md", "zeile\nzwei .txt"):
        (docs / name).write_text(EXPECTED[name][1], encoding="utf-8")


@pytest.fixture
def world(base_index, tmp_path):
    """Base corpus + index copy, plus a folder outside documents/ for symlinks to point into."""
    docs, index = copy_index(base_index, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    return tmp_path, docs, index, outside


def _write_big_file(path: Path) -> None:
    with open(path, "wb") as f:  # 50 MB of prose, written in pieces
        line = ("Ein sehr langer Bericht über die Landwirtschaft in Niedersachsen. " * 16 + "\n").encode()
        for _ in range(BIG_MB * 1024 * 1024 // len(line) + 1):
            f.write(line)


def _index_child(docs: Path, index: Path, log: Path) -> tuple[int, float, dict | None, str]:
    """Run `assistant index --json` as a child for which file permissions apply."""
    proc = start_index(docs, index, log, **_permissions_apply())
    code, peak = rss_peak_mb(proc)
    out = proc.stdout.read().decode()
    return code, peak, (json.loads(out) if code == 0 else None), log.read_text(errors="replace")


def test_each_bad_file_is_indexed_or_reported_and_the_rest_is_indexed(world, embedder):
    root, docs, index, outside = world
    base_ids = {p.name for p in docs.iterdir()}
    _write_bad_corpus(docs, outside)
    code, _, first, err = _index_child(docs, index, root / "bad.log")
    assert code == 0 and "Traceback" not in err, err
    # Then the 50 MB file joins; the same child again gives the memory comparison.
    _, baseline_mb, _, _ = _index_child(docs, index, root / "again.log")
    _write_big_file(docs / "big.txt")
    code, peak_mb, report, err = _index_child(docs, index, root / "big.log")
    assert code == 0 and "Traceback" not in err, err
    # 50 MB on disk must not mean 50 MB more in memory: it is stat-ed and left out, or hashed in blocks.
    assert peak_mb - baseline_mb < BIG_MB / 5, (baseline_mb, peak_mb)

    assert [s for s in first["skipped"] if s["file"] != "big.txt"] == [s for s in report["skipped"] if s["file"] != "big.txt"]
    skipped = {s["file"]: s["reason"] for s in report["skipped"]}
    manifest = assert_index_whole(index, embedder)
    indexed = set(manifest["files"])

    for name, (outcome, detail) in EXPECTED.items():
        if outcome == "skipped":
            assert name in skipped and name not in indexed, name
            assert skipped[name].startswith(detail), (name, skipped[name])
        else:
            assert name in indexed and name not in skipped, (name, skipped.get(name))
    assert indexed == base_ids | {n for n, (o, _) in EXPECTED.items() if o == "indexed"}
    on_disk = {p.name for p in docs.iterdir()}
    assert on_disk == indexed | set(skipped), "a file was dropped without a word"

    idx = load_index(index, embedder)
    try:
        for name, (outcome, detail) in EXPECTED.items():
            if outcome == "indexed":
                assert detail in idx.document_text(name), name
        assert "geheim" not in idx.document_text("script.html")
        store = (idx.folder / "store.sqlite").read_bytes()
        assert b"Rumpelstilzchen" not in store and "Gesperrter".encode() not in store
        assert idx.manifest["files"]["oneline.txt"]["chunks"] > 1000  # the whole megabyte, cut into pieces
    finally:
        idx.close()

    assistant = Assistant(docs, index, embedder)
    # The old documents are still found. (Only retrieval is asserted for them: 1,700 chunks of one repeated word
    # shift BM25's statistics enough to change which of their sentences the extractive answer quotes.)
    hits, _, _ = assistant.retrieve(BASE_QUESTION, "de")
    assert any(BASE_ANSWER in h.chunk.text for h in hits)
    for question, expect in [
        ("Wie lang ist die Brücke über die Weser bei Höxter?", "250 Meter"),
        ("Wann wurde die Schleuse in Brunsbuettel eröffnet?", "1895"),
        ("Wie hoch ist der Deich bei Husum?", "9 Meter"),
    ]:
        answer = assistant.ask(question)
        assert not answer.abstained and any(expect in c.quote for c in answer.citations), (question, answer)
    print(f"{len(EXPECTED)} bad or odd files; peak RSS {peak_mb:.0f} MB with the 50 MB file, {baseline_mb:.0f} MB without")


def test_ask_reports_bad_files_but_still_answers(world, embedder):
    """`assistant ask` on a stale folder updates the index first; bad files are reported, never fatal."""
    root, docs, index, outside = world
    (docs / "junk.txt").write_bytes(bytes(range(256)) * 16)
    (docs / "empty.txt").write_bytes(b"")
    run = subprocess.run(cli("ask", BASE_QUESTION, "--docs", str(docs), "--index", str(index)), cwd=root,
                         env=child_env(), capture_output=True, timeout=240)
    assert run.returncode == 0, run.stderr.decode()
    err = run.stderr.decode()
    assert "skipped empty.txt: no text (empty file)" in err and "skipped junk.txt: not a text file" in err
    assert BASE_ANSWER in run.stdout.decode()
