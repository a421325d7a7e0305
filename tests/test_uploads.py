"""Uploads land in documents/ only, under safe names, within the size limit, never silently overwriting."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from assistant.documents import SUPPORTED_EXTENSIONS, scan_folder
from assistant.uploads import (
    UploadRefused,
    delete_document,
    document_path,
    safe_filename,
    save_upload,
    save_uploads,
)

MB = 1024 * 1024


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    folder.mkdir()
    return folder


def upload_file(tmp_path: Path, content: bytes, name: str = "upload.bin") -> Path:
    """What Gradio hands over: a file in its own temp folder."""
    incoming = tmp_path / "gradio-tmp"
    incoming.mkdir(exist_ok=True)
    path = incoming / name
    path.write_bytes(content)
    return path


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bericht.txt", "bericht.txt"),
        ("Bericht 2024.PDF", "Bericht 2024.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/etc/cron.d/evil.md", "evil.md"),
        ("C:\\Users\\x\\notes.docx", "notes.docx"),
        ("..\\..\\win.ini.txt", "win.ini.txt"),
        (".hidden.txt", "hidden.txt"),
        ("...txt.md", "txt.md"),
        ("-rf.txt", "rf.txt"),
        ("Übersicht Straße.html", "Übersicht Straße.html"),
        ("a<script>b.txt", "a_script_b.txt"),
        ("tab\there\nnewline.txt", "tab here newline.txt"),
        ("name.htm", "name.htm"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    "name",
    ["virus.exe", "archive.tar.gz", "noextension", ".bashrc", "..", "../", "/", "", "page.php", ".txt", "___.txt", "x.pdf.exe"],
)
def test_safe_filename_refuses(name: str) -> None:
    with pytest.raises(UploadRefused):
        safe_filename(name)


def test_refusal_names_the_allowed_types() -> None:
    with pytest.raises(UploadRefused, match=r"unsupported file type \.exe; allowed: .*\.docx.*\.pdf.*\.txt"):
        safe_filename("setup.exe")


def test_long_names_are_shortened_keeping_the_extension() -> None:
    name = safe_filename("ä" * 500 + ".txt")
    assert name.endswith(".txt") and len(name.encode()) <= 200


@given(st.text(max_size=300))
def test_any_name_is_safe_or_refused(name: str) -> None:
    try:
        safe = safe_filename(name)
    except UploadRefused:
        return
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith(".") and safe not in (".", "..")
    assert Path(safe).suffix.lower() in SUPPORTED_EXTENSIONS
    assert len(safe.encode("utf-8")) <= 200


def test_upload_lands_in_documents_and_is_indexable(docs: Path, tmp_path: Path) -> None:
    src = upload_file(tmp_path, "Ein Fakt.".encode())
    result = save_upload(src, "../../neu.txt", docs, 20 * MB)
    assert (result.status, result.saved_as) == ("added", "neu.txt")
    assert "saved as neu.txt" in result.message
    assert tree(docs) == {"neu.txt"}  # no temporary file left behind
    assert (docs / "neu.txt").read_text() == "Ein Fakt."
    assert not (tmp_path / "neu.txt").exists()
    entries, skipped = scan_folder(docs)
    assert [e.id for e in entries] == ["neu.txt"] and not skipped


def test_unsupported_type_is_refused_with_a_message(docs: Path, tmp_path: Path) -> None:
    result = save_upload(upload_file(tmp_path, b"MZ..."), "tool.exe", docs, 20 * MB)
    assert result.status == "refused" and result.saved_as is None
    assert "unsupported file type .exe" in result.message
    assert tree(docs) == set()


def test_size_limit(docs: Path, tmp_path: Path) -> None:
    big = upload_file(tmp_path, b"x" * (MB + 1))
    result = save_upload(big, "big.txt", docs, MB)
    assert result.status == "refused" and "larger than the upload limit of 1 MB" in result.message
    assert tree(docs) == set()
    assert save_upload(big, "big.txt", docs, 2 * MB).status == "added"


def test_empty_file_is_refused(docs: Path, tmp_path: Path) -> None:
    result = save_upload(upload_file(tmp_path, b""), "leer.txt", docs, MB)
    assert result.status == "refused" and "empty" in result.message
    assert tree(docs) == set()


def test_no_silent_overwrite(docs: Path, tmp_path: Path) -> None:
    (docs / "bericht.txt").write_text("alt")
    result = save_upload(upload_file(tmp_path, b"neu"), "bericht.txt", docs, MB)
    assert result.status == "refused" and "already exists" in result.message
    assert (docs / "bericht.txt").read_text() == "alt"
    assert tree(docs) == {"bericht.txt"}


def test_identical_reupload_is_a_no_op(docs: Path, tmp_path: Path) -> None:
    (docs / "bericht.txt").write_text("gleich")
    result = save_upload(upload_file(tmp_path, b"gleich"), "bericht.txt", docs, MB)
    assert result.status == "unchanged"
    assert tree(docs) == {"bericht.txt"}


def test_replace_when_asked(docs: Path, tmp_path: Path) -> None:
    (docs / "bericht.txt").write_text("alt")
    result = save_upload(upload_file(tmp_path, b"neu"), "bericht.txt", docs, MB, replace=True)
    assert result.status == "replaced" and "replaced the existing bericht.txt" in result.message
    assert (docs / "bericht.txt").read_text() == "neu"
    assert tree(docs) == {"bericht.txt"}


def test_never_writes_through_a_symlink(docs: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (docs / "link.txt").symlink_to(outside)
    result = save_upload(upload_file(tmp_path, b"evil"), "link.txt", docs, MB, replace=True)
    assert result.status == "refused"
    assert outside.read_text() == "secret"


def test_hidden_name_becomes_visible(docs: Path, tmp_path: Path) -> None:
    result = save_upload(upload_file(tmp_path, b"text"), ".versteckt.md", docs, MB)
    assert result.saved_as == "versteckt.md"
    assert tree(docs) == {"versteckt.md"}


def test_one_bad_file_does_not_stop_the_rest(docs: Path, tmp_path: Path) -> None:
    a = upload_file(tmp_path, b"a", "a")
    b = upload_file(tmp_path, b"b", "b")
    results = save_uploads([(a, "a.exe"), (b, "b.md")], docs, MB)
    assert [r.status for r in results] == ["refused", "added"]
    assert tree(docs) == {"b.md"}


def test_missing_documents_folder_is_refused(tmp_path: Path) -> None:
    result = save_upload(upload_file(tmp_path, b"x"), "x.txt", tmp_path / "nope", MB)
    assert result.status == "refused"
    assert not (tmp_path / "nope").exists()


def test_leftover_partial_uploads_are_cleaned(docs: Path, tmp_path: Path) -> None:
    stale = docs / ".upload-deadbeef.part"
    stale.write_text("half")
    os.utime(stale, (0, 0))
    save_upload(upload_file(tmp_path, b"x"), "x.txt", docs, MB)
    assert tree(docs) == {"x.txt"}


def test_delete_document(docs: Path) -> None:
    (docs / "sub").mkdir()
    (docs / "sub" / "a.txt").write_text("a")
    assert "deleted sub/a.txt" in delete_document(docs, "sub/a.txt")
    assert tree(docs) == {"sub"}
    with pytest.raises(UploadRefused, match="no longer"):
        delete_document(docs, "sub/a.txt")


@pytest.mark.parametrize("doc_id", ["../x.txt", "/etc/passwd", "sub/../../x.txt", ".hidden.txt", "a\\b.txt", "", "sub/", "."])
def test_delete_refuses_paths_outside(docs: Path, tmp_path: Path, doc_id: str) -> None:
    (tmp_path / "x.txt").write_text("keep")
    with pytest.raises(UploadRefused):
        delete_document(docs, doc_id)
    assert (tmp_path / "x.txt").exists()


def test_delete_removes_a_symlink_not_its_target(docs: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep")
    (docs / "link.txt").symlink_to(target)
    delete_document(docs, "link.txt")
    assert target.read_text() == "keep" and not os.path.lexists(docs / "link.txt")


def test_delete_refuses_through_a_symlinked_folder(docs: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.txt").write_text("keep")
    (docs / "sub").symlink_to(elsewhere)
    with pytest.raises(UploadRefused):
        document_path(docs, "sub/a.txt")
    assert (elsewhere / "a.txt").exists()
