"""Faults: a locked database, a full disk, and a Bot API that fails; nothing half-written, nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.engine.messages import Command, Press, Text, User
from bot.plan.models import Plan
from bot.storage.database import Database
from tests.conftest import Chat, Store, service_on


async def test_a_locked_database_asks_to_try_again_and_stores_nothing(mini_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    db = await Database.open(path, busy_timeout_ms=50)
    store = Store(db)
    chat = Chat(service_on(mini_plan, db), User(1, "en"))
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:european"))
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        await chat.send(Text("Together"))
        assert "please try again" in chat.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "motto" not in await store.answers.of(1)
    await chat.send(Text("Together"))
    assert "Saved: Together" in chat.text
    assert [a.value for a in await store.answers.history(1, "motto")] == ["Together"]
    await db.close()


async def test_a_full_disk_asks_to_try_again_and_leaves_no_half_answer(mini_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    db = await Database.open(path)
    store = Store(db)
    chat = Chat(service_on(mini_plan, db), User(1, "en"))
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:european"), Text("Together"))
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    await db.run(lambda tx: tx.execute(f"PRAGMA max_page_count = {pages}"))  # the disk is full from now on
    story = "A long story. " * 280  # needs new pages for the answer and its history line
    await chat.send(Text(story))
    assert "please try again" in chat.text
    await db.run(lambda tx: tx.execute("PRAGMA max_page_count = 1073741823"))
    assert "story" not in await store.answers.of(1) and await store.answers.history(1, "story") == []  # no half answer
    assert "Tell the story." in (await chat.send(Command("start")))[-1].text  # still at the same question
    await chat.send(Text(story))
    assert (await store.answers.of(1))["story"].value == story.strip()
    await db.close()
