"""Faults: a locked database, a full disk, and a Bot API that fails; nothing half-written, nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.engine.engine import Engine
from bot.engine.messages import Command, Press, Text, User
from bot.plan.models import Plan
from bot.storage.store import Store
from tests.conftest import Chat


async def test_a_locked_database_asks_to_try_again_and_stores_nothing(mini_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    store = await Store.open(path, busy_timeout_ms=50)
    chat = Chat(Engine(mini_plan, store), User(1, "en"))
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:european"))
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        await chat.send(Text("Together"))
        assert "please try again" in chat.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "motto" not in await store.answers(1)
    await chat.send(Text("Together"))
    assert "Saved: Together" in chat.text
    assert [a.value for a in await store.history(1, "motto")] == ["Together"]
    await store.close()


async def test_a_full_disk_asks_to_try_again_and_leaves_no_half_answer(mini_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    store = await Store.open(path)
    chat = Chat(Engine(mini_plan, store), User(1, "en"))
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:european"), Text("Together"))
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    await store._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
    story = "A long story. " * 280  # needs new pages for the answer and its history line
    await chat.send(Text(story))
    assert "please try again" in chat.text
    await store._db.execute("PRAGMA max_page_count = 1073741823")
    assert "story" not in await store.answers(1) and await store.history(1, "story") == []  # no half answer
    assert "Tell the story." in (await chat.send(Command("start")))[-1].text  # still at the same question
    await chat.send(Text(story))
    assert (await store.answers(1))["story"].value == story.strip()
    await store.close()
