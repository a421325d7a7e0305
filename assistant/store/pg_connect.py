"""Connections to PostgreSQL for the store: a few reusable ones per process, every failure one clear line.

A server that is down, restarting, refuses the password or lacks pgvector raises `StoreUnavailable` with a
message that names the database (never the password); a connection that died while idle (server restart)
is dropped and the job retried once on a new one, so a running app answers again as soon as the server is back.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from .base import StoreUnavailable, one_line
from .pg_schema import SCHEMA, register_types

CONNECT_TIMEOUT = 5
# HNSW candidates per search: recall@10 vs exact search measured in bench/README.md. iterative_scan (pgvector
# 0.8) keeps scanning until the collection filter has let k rows through, in order.
HNSW_SETTINGS = "SET hnsw.ef_search = 400; SET hnsw.iterative_scan = strict_order"


def describe_url(url: str) -> str:
    """The URL without its password, for status lines and messages."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:
        return "postgresql://(unparseable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


class Connections:
    """A few reusable connections per process. A dead one (server restarted) is dropped and replaced once."""

    def __init__(self, url: str) -> None:
        self.url, self.label = url, describe_url(url)
        self._idle: list = []
        self._lock = threading.Lock()
        self._schema_ready = False

    def _connect(self, autocommit: bool):
        import psycopg

        try:
            conn = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT, autocommit=True)
        except psycopg.Error as err:
            raise StoreUnavailable(f"cannot connect to the database {self.label}: {one_line(err)}") from err
        except Exception as err:  # a malformed URL, an unknown option
            raise StoreUnavailable(f"cannot use the database URL {self.label}: {one_line(err)}") from err
        try:
            if not self._schema_ready:
                self._ensure_schema(conn)
            register_types(conn)
            conn.execute(HNSW_SETTINGS)
        except Exception:
            conn.close()
            raise
        conn.autocommit = autocommit
        return conn

    def _ensure_schema(self, conn) -> None:
        import psycopg

        try:
            # DDL on existing tables would wait for a running sync's transaction (CREATE INDEX IF NOT EXISTS locks
            # the table first), so a set-up database is only checked, never touched; the newest tables tell whether
            # an older version set it up (the statements only add what is missing)
            ready = conn.execute("SELECT to_regclass('qc_parts') IS NOT NULL AND to_regclass('qc_reports') IS NOT NULL AND "
                                 "EXISTS (SELECT FROM pg_extension WHERE extname = 'vector')").fetchone()[0]
            if not ready:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext('quellenchat schema'))")
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
        except psycopg.Error as err:
            text = one_line(err)
            if "vector" in text and ("extension" in text or "control file" in text):
                raise StoreUnavailable(f"the database {self.label} has no pgvector extension (need pgvector >= 0.8): {text}") from err
            raise StoreUnavailable(f"cannot set up the tables in {self.label}: {text}") from err
        self._schema_ready = True

    @contextmanager
    def connection(self, autocommit: bool = True) -> Iterator:
        """A connection for one job; an error on a reused connection is retried once on a new one."""
        import psycopg

        with self._lock:
            conn = self._idle.pop() if self._idle else None
        reused = conn is not None
        if conn is None:
            conn = self._connect(autocommit)
        else:
            conn.autocommit = autocommit
        try:
            yield conn
        except psycopg.OperationalError as err:
            conn.close()
            with self._lock:  # the others are likely dead too (a restart): start over
                stale, self._idle = self._idle, []
            for other in stale:
                other.close()
            if reused:
                raise _Retry() from err
            raise StoreUnavailable(f"lost the database {self.label}: {one_line(err)}") from err
        except psycopg.Error as err:
            conn.close()
            raise StoreUnavailable(f"database error in {self.label}: {one_line(err)}") from err
        except BaseException:
            self._release(conn)
            raise
        else:
            self._release(conn)

    def _release(self, conn) -> None:
        if conn.closed or conn.info.transaction_status != 0:  # 0: idle, outside a transaction
            conn.close()
        else:
            with self._lock:
                self._idle.append(conn)

    def run(self, job, autocommit: bool = True):
        """job(conn) with one retry on a fresh connection when a reused one turned out dead."""
        for attempt in (0, 1):
            try:
                with self.connection(autocommit) as conn:
                    return job(conn)
            except _Retry as retry:
                if attempt:
                    raise StoreUnavailable(f"lost the database {self.label}: {one_line(retry.__cause__)}") from retry
        raise AssertionError("unreachable")


    def in_snapshot(self, snapshot: str, job):
        """job(conn) on another connection that reads the snapshot a running question exported
        (`pg_export_snapshot()`), so two queries of one question run at once and still see one state."""
        from psycopg import sql

        def inside(conn):
            conn.isolation_level, conn.read_only = 3, True  # REPEATABLE READ, as the exporting question
            conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            out = job(conn)
            conn.rollback()
            conn.isolation_level, conn.read_only = None, None
            return out

        return self.run(inside, autocommit=False)


class _Retry(Exception):
    pass
