"""Chat history on the server: SQLite, one file beside the index, keyed by a random id each browser keeps.

The browser id is a 128-bit secret (hex) that never leaves that browser's localStorage; the database stores only
its SHA-256, so a copy of the file does not reveal which id opens which chats. Every read and delete names the
owner, so one browser never sees or removes another's chats. Answers are stored as their JSON (`Answer.to_json`).
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .records import Answer, Citation, ShortAnswer

BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")
CHAT_ID = re.compile(r"^[0-9a-f]{16}$")
TITLE_CHARS = 120

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
                                  created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS chats_owner ON chats (owner, updated);
CREATE TABLE IF NOT EXISTS turns (chat TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE, pos INTEGER NOT NULL,
                                  question TEXT NOT NULL, answer TEXT, message TEXT, PRIMARY KEY (chat, pos));
"""


@dataclass(frozen=True)
class ChatInfo:
    id: str
    title: str
    updated: float


@dataclass(frozen=True)
class StoredTurn:
    question: str
    answer: Answer | None
    message: str | None


def answer_from_json(data: dict) -> Answer:
    """The inverse of `Answer.to_json` (keys added later default to empty)."""
    short = data.get("short_answer")
    return Answer(
        question=data["question"],
        language=data["language"],
        text=data["answer"],
        abstained=bool(data["abstained"]),
        citations=tuple(
            Citation(c["n"], c["document"], c["start"], c["end"], c["quote"], c.get("title"), c.get("page"))
            for c in data.get("citations", [])
        ),
        notes=tuple(data.get("notes", [])),
        short_answer=ShortAnswer(short["text"], short["n"], short["start"], short["end"]) if short else None,
        read_as=data.get("read_as"),
    )


def owner_of(browser_id: str) -> str | None:
    """The stored owner key for a browser id, or None for anything that is not a well-formed id."""
    if not isinstance(browser_id, str) or not BROWSER_ID.match(browser_id):
        return None
    return hashlib.sha256(browser_id.encode()).hexdigest()


class History:
    """Chats per browser. Cheap to construct; the file is created on the first write."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # one connection, used by one thread at a time; SQLite guards across processes
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        """The open connection (kept: closing the last one checkpoints the WAL, ~10 ms per question)."""
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            # no sync per commit: a crash of the app loses nothing, a power cut at most the last turns
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(SCHEMA)
            self._db = db
        return self._db

    def chats(self, browser_id: str) -> list[ChatInfo]:
        owner = owner_of(browser_id)
        if owner is None or not self.path.exists():
            return []
        with self._lock:
            rows = self._connect().execute("SELECT id, title, updated FROM chats WHERE owner = ? ORDER BY updated DESC", (owner,)).fetchall()
        return [ChatInfo(*row) for row in rows]

    def turns(self, browser_id: str, chat_id: str) -> list[StoredTurn] | None:
        """The chat's turns in order, or None when it does not exist or belongs to another browser."""
        owner = owner_of(browser_id)
        if owner is None or not CHAT_ID.match(chat_id or "") or not self.path.exists():
            return None
        with self._lock:
            db = self._connect()
            if db.execute("SELECT 1 FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).fetchone() is None:
                return None
            rows = db.execute("SELECT question, answer, message FROM turns WHERE chat = ? ORDER BY pos", (chat_id,)).fetchall()
        return [StoredTurn(q, answer_from_json(json.loads(a)) if a else None, m) for q, a, m in rows]

    def add_turn(self, browser_id: str, chat_id: str | None, question: str, answer: Answer | None, message: str | None) -> str | None:
        """Append a turn; starts a chat (titled by its first question) when `chat_id` is None or not this browser's.
        Returns the chat id, or None when the browser id is unusable (nothing is stored then)."""
        owner = owner_of(browser_id)
        if owner is None:
            return None
        now = time.time()
        payload = json.dumps(answer.to_json(), ensure_ascii=False) if answer is not None else None
        with self._lock, self._connect() as db:
            known = chat_id and db.execute("SELECT 1 FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).fetchone()
            if not known:
                chat_id = secrets.token_hex(8)
                title = re.sub(r"\s+", " ", question).strip()[:TITLE_CHARS] or "…"
                db.execute("INSERT INTO chats VALUES (?, ?, ?, ?, ?)", (chat_id, owner, title, now, now))
            pos = db.execute("SELECT COALESCE(MAX(pos) + 1, 0) FROM turns WHERE chat = ?", (chat_id,)).fetchone()[0]
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (chat_id, pos, question, payload, message))
            db.execute("UPDATE chats SET updated = ? WHERE id = ?", (now, chat_id))
        return chat_id

    def delete(self, browser_id: str, chat_id: str) -> bool:
        """Remove one of this browser's chats; False when it is not theirs (or gone)."""
        owner = owner_of(browser_id)
        if owner is None or not self.path.exists():
            return False
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).rowcount > 0
