"""Server-side chat history (assistant/history.py) on a real SQLite file: owners, round trips, restarts."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.history import History, owner_of
from assistant.records import Answer, Citation, ShortAnswer

ALICE = "a1" * 16
BOB = "b2" * 16
QUOTE = "Die Grundlagen der Kooperation wurden bereits 1992 formuliert."
ANSWER = Answer(
    "Seit wann kooperieren Niedersachsen und Tjumen?", "de", "1992 [1]", False,
    (Citation(1, "000.txt", 10, 10 + len(QUOTE), QUOTE, "Partnerschaft", 2),), ("a note",),
    ShortAnswer("1992", 1, 54, 58), "read as this",
)


def test_a_chat_round_trips_exactly_and_survives_a_new_instance(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    chat = History(path).add_turn(ALICE, None, ANSWER.question, ANSWER, None)
    assert chat is not None
    assert History(path).add_turn(ALICE, chat, "?!?", None, "Bitte eine Frage stellen.") == chat
    again = History(path)  # as after a server restart
    (info,) = again.chats(ALICE)
    assert info.id == chat and info.title == ANSWER.question
    first, second = again.turns(ALICE, chat)
    assert first.answer == ANSWER and first.message is None
    assert (second.question, second.answer, second.message) == ("?!?", None, "Bitte eine Frage stellen.")


def test_one_browser_never_sees_or_deletes_anothers_chats(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    chat = history.add_turn(ALICE, None, "Frage", ANSWER, None)
    assert history.chats(BOB) == [] and history.turns(BOB, chat) is None
    assert history.delete(BOB, chat) is False and history.turns(ALICE, chat) is not None
    hijack = history.add_turn(BOB, chat, "Bobs Frage", None, "x")  # appending to someone else's chat starts a new one
    assert hijack != chat and [t.question for t in history.turns(ALICE, chat)] == ["Frage"]
    assert history.delete(ALICE, chat) is True
    assert history.chats(ALICE) == [] and history.turns(ALICE, chat) is None


def test_malformed_ids_store_and_reveal_nothing(tmp_path: Path) -> None:
    history = History(tmp_path / "history.sqlite")
    for bad in ("", "short", "Z" * 32, ALICE + "' OR 1=1 --", None):
        assert owner_of(bad) is None  # type: ignore[arg-type]
        assert history.add_turn(bad, None, "q", None, "m") is None  # type: ignore[arg-type]
        assert history.chats(bad) == []  # type: ignore[arg-type]
    chat = history.add_turn(ALICE, None, "q", None, "m")
    assert history.turns(ALICE, "../../etc") is None and history.turns(ALICE, chat + "'") is None


def test_the_file_stores_no_browser_id_and_lists_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    history = History(path)
    older = history.add_turn(ALICE, None, "erste", None, "m")
    newer = history.add_turn(ALICE, None, "zweite " * 40, None, "m")
    assert [c.id for c in history.chats(ALICE)] == [newer, older]
    assert len(history.chats(ALICE)[0].title) <= 120
    assert ALICE.encode() not in path.read_bytes()
    with sqlite3.connect(path) as db:
        assert {row[0] for row in db.execute("SELECT owner FROM chats")} == {owner_of(ALICE)}
