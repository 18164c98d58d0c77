"""One event, one transaction: whichever write of an event fails, nothing of the event stays, and the person
is told so truthfully; concurrent events of many people are committed together and each person's in order."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.engine.messages import Command, Event, Press, Text, User
from bot.engine.service import Service, unsaved
from bot.plan.models import Plan
from bot.storage.database import Database, StorageError, Tx
from bot.telegram.delivery import Outgoing, prepare
from bot.telegram.records import TelegramRecords
from tests.conftest import ALPHA, BETA, SETUP, Chat, service_on

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def failing_write(number: int | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Count the writes of the units of work inside; with `number`, that write fails as a full disk would."""
    seen: list[str] = []
    execute, execute_many = Tx.execute, Tx.execute_many

    def check(sql: str) -> None:
        if sql.lstrip().upper().startswith(WRITES):
            seen.append(sql)
            if number is not None and len(seen) == number:
                raise sqlite3.OperationalError("database or disk is full")

    def counted(self: Tx, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        check(sql)
        return execute(self, sql, parameters)

    def counted_many(self: Tx, sql: str, rows: Any) -> sqlite3.Cursor:
        check(sql)
        return execute_many(self, sql, rows)

    with monkeypatch.context() as patch:
        patch.setattr(Tx, "execute", counted)
        patch.setattr(Tx, "execute_many", counted_many)
        yield seen


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read by another connection (what a restart would find)."""
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        state = {table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}
    db.close()
    return state


def telegram_work(service: Service, update_id: int, user: User, event: Event) -> Callable[[Tx], Outgoing | None]:
    """The Telegram handler's unit of work: claim the update, apply the event, store the new buttons."""

    def work(tx: Tx) -> Outgoing | None:
        if not TelegramRecords(tx).claim(update_id):
            return None
        return prepare(tx, user.id, user.id, service.engine.handle(tx, user, event))

    return work


async def _every_write_failing_in_turn(
    service: Service, path: Path, user: User, event: Event, monkeypatch: pytest.MonkeyPatch
) -> int:
    """Run the event once per write, that write failing; each time nothing stays. Returns how many writes."""
    before = snapshot(path)

    def dry_run(tx: Tx) -> None:  # every write of the event, then undone as a failure would be
        telegram_work(service, 1, user, event)(tx)
        raise _Undone

    with failing_write(None, monkeypatch) as writes, pytest.raises(_Undone):
        await service.run(dry_run)
    assert snapshot(path) == before
    assert writes, "the event writes nothing"
    for number in range(1, len(writes) + 1):
        with failing_write(number, monkeypatch), pytest.raises(StorageError):
            await service.run(telegram_work(service, 1, user, event))
        assert snapshot(path) == before, f"write {number} of {len(writes)} failed, yet something was stored"
    return len(writes)


class _Undone(Exception):  # noqa: N818 - a signal, not an error
    """Raised at the end of a dry run: the unit of work rolls back, as a failure would."""


async def test_an_answer_whose_any_write_fails_stores_nothing_and_says_so(
    mini_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tx.db"
    db = await Database.open(path)
    try:
        service = service_on(mini_plan, db)
        user = User(1, "en", "Sofie")
        await Chat(service, user).send(Command("start"), *SETUP)
        writes = await _every_write_failing_in_turn(service, path, user, Text("Together"), monkeypatch)
        assert writes >= 4  # the claim, the answer, the position, the buttons of the next question
        with failing_write(2, monkeypatch):
            replies = await service.handle(user, Text("Together"))
        assert [m.text for m in replies] == [unsaved("en").text]  # "Nothing was changed", and it is true
        outgoing = await service.run(telegram_work(service, 1, user, Text("Together")))
        assert outgoing is not None and "Saved: Together" in outgoing.mine[0].message.text
        assert await service.run(telegram_work(service, 1, user, Text("Together"))) is None  # claimed: once only
    finally:
        await db.close()


async def test_closing_a_stage_commits_the_closing_and_its_draft_job_together(
    mini_plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stage.db"
    db = await Database.open(path)
    try:
        service = service_on(mini_plan, db)
        user = User(1, "en", "Sofie")
        await Chat(service, user).send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"))
        writes = await _every_write_failing_in_turn(service, path, user, Press("close_stage"), monkeypatch)
        assert writes >= 3  # the closing, the job, its recipients
    finally:
        await db.close()


async def test_concurrent_people_are_committed_together_and_each_person_in_order(
    mini_plan: Plan, tmp_path: Path
) -> None:
    db = await Database.open(tmp_path / "many.db")
    try:
        service = service_on(mini_plan, db)
        people = [User(100 + n, "en", f"Person {n}") for n in range(40)]

        async def answer(user: User) -> list[str]:
            said = []
            for event in (Command("start"), Text(f"Town {user.id}"), Press("o:european"), Text(f"Motto {user.id}")):
                said += [m.text for m in await service.handle(user, event)]
            return said

        commits = db.commits
        replies = await asyncio.gather(*(answer(user) for user in people))
        assert db.commits - commits < 4 * len(people)  # several people's events shared one durable commit
        for user, said in zip(people, replies, strict=True):
            assert f"Saved: Town {user.id}" in "\n".join(said) and f"Saved: Motto {user.id}" in "\n".join(said)
        stored = await db.run(lambda tx: {p.id: tx.answers.of(p.id) for p, _ in tx.projects.of_user(people[7].id)})
        (answers,) = stored.values()
        assert answers["motto"].value == "Motto 107" and answers["municipality"].value == "Town 107"
    finally:
        await db.close()


async def test_documents_says_a_stage_s_drafts_are_being_prepared_while_its_job_is_open(
    mini_plan: Plan, tmp_path: Path
) -> None:
    db = await Database.open(tmp_path / "preparing.db")
    try:
        service = service_on(mini_plan, db)
        worker, service.drafts = service.drafts, None  # the worker is busy elsewhere: the job waits
        user = User(1, "en", "Sofie")
        chat = Chat(service, user)
        await chat.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
        assert "I am making its drafts now" in chat.text
        await chat.send(Command("documents"))
        assert "The drafts of stage 1 are being prepared" in chat.text
        assert worker is not None
        await worker.finish_open()
        await chat.send(Command("documents"))
        assert "being prepared" not in chat.text and "2 files" in chat.text
    finally:
        await db.close()


def test_the_bot_s_own_process_never_loads_the_document_writers() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, bot.cli, bot.telegram.app, bot.engine.service; print('docx' in sys.modules, 'fpdf' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["False", "False"]  # python-docx and fpdf2 load only where drafts are made
