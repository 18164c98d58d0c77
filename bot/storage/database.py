"""The one SQLite database, its writer thread, and the unit of work each event runs in.

Why a thread of our own rather than one aiosqlite call per statement: an event reads and
writes a dozen rows, and each aiosqlite call is a hop between the event loop and its thread
(three for a read: execute, fetch, close). Here an event is one function, `work(tx)`, that
runs whole inside the database thread, inside a savepoint of its own: it commits with
everything it wrote, or nothing of it stays.

Group commit: the writer takes every unit of work waiting in its queue (up to
`batch_limit`), runs each in its savepoint, and makes them durable with one COMMIT
(`synchronous=FULL`). Only then does each caller get its result, so nobody is told "saved"
before the answer is on disk, and a hundred people answering at once cost a few fsyncs
instead of a hundred.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite

from bot.storage.answers import Answers, Progress
from bot.storage.assessments import Assessments
from bot.storage.committee import Groups, Invites
from bot.storage.documents import Documents, DraftJobs
from bot.storage.people import Members, Positions, Projects, Users
from bot.storage.personal import PersonalData
from bot.storage.reminders import Reminders
from bot.storage.schema import MIGRATIONS
from bot.storage.translations import Translations

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class StorageError(Exception):
    """The database could not store an event (locked, full, broken): its transaction was rolled back."""


class Tx:
    """One unit of work: the repositories over the writer's connection, and the time of the event.

    Repositories never commit: the writer does, for the whole event.
    """

    def __init__(self, connection: sqlite3.Connection, clock: Clock, cache: AnswerCache) -> None:
        self.connection = connection
        self.clock = clock
        self.answer_cache = cache
        self._at = clock()
        self.drafts_requested = False  # set by an event that wrote a draft job: wake the draft worker after commit

    def now(self) -> str:
        return self._at.isoformat(timespec="seconds")

    def moment(self) -> datetime:
        return self._at

    # one repository per concern, made on first use

    @cached_property
    def users(self) -> Users:
        return Users(self)

    @cached_property
    def projects(self) -> Projects:
        return Projects(self)

    @cached_property
    def members(self) -> Members:
        return Members(self)

    @cached_property
    def positions(self) -> Positions:
        return Positions(self)

    @cached_property
    def answers(self) -> Answers:
        return Answers(self)

    @cached_property
    def progress(self) -> Progress:
        return Progress(self)

    @cached_property
    def invites(self) -> Invites:
        return Invites(self)

    @cached_property
    def groups(self) -> Groups:
        return Groups(self)

    @cached_property
    def reminders(self) -> Reminders:
        return Reminders(self)

    @cached_property
    def assessments(self) -> Assessments:
        return Assessments(self)

    @cached_property
    def documents(self) -> Documents:
        return Documents(self)

    @cached_property
    def draft_jobs(self) -> DraftJobs:
        return DraftJobs(self)

    @cached_property
    def personal(self) -> PersonalData:
        return PersonalData(self)

    @cached_property
    def translations(self) -> Translations:
        return Translations(self)

    # plain SQL, for the repositories

    def rows(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self.connection.execute(sql, parameters).fetchall()

    def row(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connection.execute(sql, parameters).fetchone()
        return row

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def execute_many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> sqlite3.Cursor:
        return self.connection.executemany(sql, rows)


class AnswerCache:
    """Decoded answer values, keyed by their JSON text: decoding every answer on every event is costly.

    An entry is used only while the stored text is the same, so a rolled-back write can never
    leave a wrong value behind. Values are shared: the engine treats answers as read-only.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self._decoded: dict[tuple[int, str], tuple[str, Any]] = {}
        self._limit = limit

    def decode(self, project_id: int, question_id: str, text: str, decode: Callable[[str], Any]) -> Any:
        key = (project_id, question_id)
        found = self._decoded.get(key)
        if found is not None and found[0] == text:
            return found[1]
        if len(self._decoded) >= self._limit:
            self._decoded.clear()
        value = decode(text)
        self._decoded[key] = (text, value)
        return value


@dataclass
class _Job(Generic[T]):
    work: Callable[[Tx], T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    result: Any = None
    error: BaseException | None = None
    done: bool = field(default=False)


_STOP = object()


class Database:
    """Open with `await Database.open(path)`; `await db.run(work)` runs `work(tx)` as one transaction."""

    def __init__(self, path: Path | str, clock: Clock = utc_now, busy_timeout_ms: int = 5000, batch_limit: int = 16):
        self.path = str(path)
        self.clock = clock
        self.busy_timeout_ms = busy_timeout_ms
        self.batch_limit = batch_limit
        self.cache = AnswerCache()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._connection: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        self.commits = 0  # for the benchmark: how many durable commits were made

    @classmethod
    async def open(
        cls, path: Path | str, clock: Clock = utc_now, busy_timeout_ms: int = 5000, batch_limit: int = 16
    ) -> Database:
        database = cls(path, clock, busy_timeout_ms, batch_limit)
        if database.path != ":memory:":
            Path(database.path).parent.mkdir(parents=True, exist_ok=True)
        started = asyncio.get_running_loop().create_future()
        database._thread = threading.Thread(target=database._serve, args=(started,), name="database", daemon=True)
        database._thread.start()
        await started
        return database

    async def run(self, work: Callable[[Tx], T]) -> T:
        """Run `work(tx)` in the database thread as one transaction; its result once it is durable.

        Raises StorageError (and nothing of the work stays) when the database cannot store it;
        any other exception of `work` also rolls its writes back and is raised here.
        """
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(work, loop, loop.create_future())
        self._queue.put(job)
        return await job.future

    async def close(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
        self._thread = None

    async def backup(self, target: Path | str) -> None:
        """A consistent copy of the live database (SQLite's online backup), safe while the bot runs.

        It reads through a connection of its own (aiosqlite: one long call, so the async face
        fits), in one step, so it sees one committed state (WAL lets it read while the writer
        goes on) and never waits on the writer's transaction.
        """
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(self.path) as source, aiosqlite.connect(str(target)) as copy:
            await source.backup(copy)

    # the writer thread

    def _serve(self, started: asyncio.Future[None]) -> None:
        loop = started.get_loop()
        try:
            self._connection = self._connect()
        except BaseException as error:  # report the failure to whoever opened the database
            loop.call_soon_threadsafe(_settle, started, None, error)
            return
        loop.call_soon_threadsafe(_settle, started, None, None)
        while True:
            first = self._queue.get()
            if first is _STOP:
                break
            batch = [first]
            while len(batch) < self.batch_limit:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is _STOP:
                    self._queue.put(_STOP)
                    break
                batch.append(following)
            self._run_batch(batch)
        self._connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        _migrate(connection)
        return connection

    def _run_batch(self, batch: list[_Job[Any]]) -> None:
        connection = self._connection
        assert connection is not None
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            log.warning("database not writable: %s", error)
            for job in batch:
                job.error = StorageError(str(error))
            self._settle_all(batch)
            return
        for job in batch:
            if connection.in_transaction:
                self._run_one(connection, job)
        if not connection.in_transaction:  # SQLite gave the whole transaction up (a full disk, an I/O error)
            for job in batch:
                job.result, job.error = None, job.error or StorageError("the transaction was rolled back")
            self._settle_all(batch)
            return
        try:
            connection.execute("COMMIT")
            self.commits += 1
        except sqlite3.Error as error:
            log.warning("commit failed: %s", error)
            _rollback(connection)
            for job in batch:
                job.result, job.error = None, StorageError(str(error))
        self._settle_all(batch)

    def _run_one(self, connection: sqlite3.Connection, job: _Job[Any]) -> None:
        connection.execute("SAVEPOINT event")
        try:
            job.result = job.work(Tx(connection, self.clock, self.cache))
            connection.execute("RELEASE event")
        except BaseException as error:
            if isinstance(error, sqlite3.Error):
                log.warning("database not writable: %s", error)
                error = StorageError(str(error))
            job.result, job.error = None, error
            try:
                connection.execute("ROLLBACK TO event")
                connection.execute("RELEASE event")
            except sqlite3.Error:  # the transaction itself is gone; _run_batch fails the whole batch
                pass

    @staticmethod
    def _settle_all(batch: list[_Job[Any]]) -> None:
        for job in batch:
            job.loop.call_soon_threadsafe(_settle, job.future, job.result, job.error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller gave up waiting (cancelled): the work stands, nobody to tell
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _rollback(connection: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):  # no transaction left open: nothing to undo
        connection.execute("ROLLBACK")


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring the schema up to date, one numbered migration per transaction."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        connection.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


def schema_version(path: Path | str) -> int:
    with sqlite3.connect(str(path)) as connection:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
    connection.close()
    return int(version)
