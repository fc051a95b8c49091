"""The request cache: every LLM answer, stored durably before its row is handed on.

A request is keyed by everything that determines its answer: the step and row it belongs to, the
LLM's class, model, API and generation mode, the formatted input (messages or prompt, with any
structured-output constraint), the number of generations and every generation field (sampling
settings, seed, `regex`, `response_format` with its schema JSON) except the token limit, which is
stored beside the answer with whether any generation was cut by it (`finish_reason: length`).
The step and row are part of the key so that two rows with the same prompt keep their own
samples, as they would without a cache, whichever finished first.

A lookup hits on the same key and token limit. With `retry_truncated`, it also hits on an answer
given under a smaller limit that nothing cut: raising `max_tokens` re-sends only the cut rows.

Storage is SQLite in WAL mode (`OUT/.pysynth/requests.sqlite`), used from the event loop's thread
only: answers are written in small group commits every `WRITE_INTERVAL_S` (a thread would fight
the event loop for the GIL), and `flush()` writes whatever is pending, which the executor does
before it commits a batch. A SIGKILL loses at most the answers of the last interval. A run that
opened an empty cache asks it nothing: its keys (step and row included) are each sent once.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pysynth.errors import PipelineRunError

CACHE_NAME = "requests.sqlite"
TOKEN_LIMIT_FIELDS = ("max_tokens", "max_new_tokens")
# Append-only, without an index while a run writes: random keys in a B-tree would rewrite a page per
# answer. A run that opens a cache holding answers indexes it first (about 0.15 s per 100k answers).
SCHEMA = """CREATE TABLE IF NOT EXISTS answers (
    key BLOB NOT NULL, max_tokens INTEGER NOT NULL, truncated INTEGER NOT NULL, answer BLOB NOT NULL)"""
INDEX = "CREATE INDEX IF NOT EXISTS answers_by_key ON answers (key)"
KEY_BYTES = 16
NO_LIMIT = -1
WRITE_INTERVAL_S = 0.01


class RequestKeys:
    """The keys of one step's requests. What its rows share (step, LLM, generation fields) is
    encoded once; each key adds the row's id and formatted input."""

    def __init__(self, shared: dict[str, Any]) -> None:
        generation = dict(shared.get("generation") or {})
        limits = [generation.pop(name) for name in TOKEN_LIMIT_FIELDS if name in generation]
        self.limit: int = next((value for value in limits if isinstance(value, int)), NO_LIMIT)
        self._prefix = orjson.dumps({**shared, "generation": generation}, option=orjson.OPT_SORT_KEYS,
                                    default=_jsonable)

    def key(self, row_id: str, formatted_input: Any) -> bytes:
        # The prefix is one whole JSON object, so prefix + row part is never ambiguous.
        row = orjson.dumps([row_id, formatted_input], option=orjson.OPT_SORT_KEYS, default=_jsonable)
        return hashlib.sha256(self._prefix + row).digest()[:KEY_BYTES]


def _jsonable(value: Any) -> Any:
    schema = getattr(value, "model_json_schema", None)
    if callable(schema):  # a pydantic model class given as a structured-output schema
        return schema()
    return repr(value)


@dataclass(frozen=True)
class StepCache:
    """One step's view of the cache: its `retry_truncated` setting applied to every lookup."""

    store: RequestCache
    retry_truncated: bool = False

    def get(self, key: bytes, limit: int) -> dict[str, Any] | None:
        return self.store.get(key, limit, retry_truncated=self.retry_truncated)

    def put(self, key: bytes, limit: int, answer: dict[str, Any], *, truncated: bool) -> None:
        self.store.put(key, limit, answer, truncated=truncated)


class RequestCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._connection = sqlite3.connect(path, isolation_level=None)
            self._connection.execute("PRAGMA journal_mode=WAL")
            # Committed transactions survive a killed process (the page cache keeps them); only a
            # power loss could take the last ones, which a resume would simply ask again.
            self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute(SCHEMA)
            self._empty = self._connection.execute("SELECT NOT EXISTS (SELECT 1 FROM answers)").fetchone()[0] == 1
            if not self._empty:
                self._connection.execute(INDEX)
        except sqlite3.Error as error:
            raise PipelineRunError(f"{path}: cannot open the request cache ({error}); "
                                   "delete the file or run with --no-cache") from None
        self._pending: list[tuple[bytes, int, int, bytes]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._failure: PipelineRunError | None = None  # of a timed write, raised by the next put or flush

    def get(self, key: bytes, limit: int, *, retry_truncated: bool = False) -> dict[str, Any] | None:
        if self._empty:
            return None
        rows = self._connection.execute("SELECT max_tokens, truncated, answer FROM answers WHERE key = ? "
                                        "ORDER BY rowid DESC",
                                        (key,)).fetchall()
        for max_tokens, _, answer in rows:
            if max_tokens == limit:
                return dict(orjson.loads(answer))
        if retry_truncated:
            for max_tokens, truncated, answer in rows:
                if not truncated and (limit == NO_LIMIT or NO_LIMIT < max_tokens <= limit):
                    return dict(orjson.loads(answer))
        return None

    def put(self, key: bytes, limit: int, answer: dict[str, Any], *, truncated: bool) -> None:
        """Stores the answer within `WRITE_INTERVAL_S` (at once outside an event loop)."""
        if self._failure is not None:
            raise self._failure
        self._pending.append((key, limit, int(truncated), orjson.dumps(answer, default=_jsonable)))
        if self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(WRITE_INTERVAL_S, self._write_on_time)
            except RuntimeError:
                self._write_pending()

    async def flush(self) -> None:
        """Commits every answer put so far."""
        if self._failure is not None:
            raise self._failure
        self._write_pending()

    def close(self) -> None:
        self._write_pending()
        self._connection.close()

    def _write_on_time(self) -> None:
        self._timer = None
        try:
            self._write_pending()
        except PipelineRunError as failure:
            self._failure = failure

    def _write_pending(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self._connection.execute("BEGIN")
            self._connection.executemany("INSERT INTO answers VALUES (?, ?, ?, ?)", pending)
            self._connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise PipelineRunError(f"{self.path}: cannot store answers in the request cache ({error})") from None
