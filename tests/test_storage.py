"""The SQLite store: schema by version, WAL, committed answers with their history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import Database, schema_version
from bot.storage.schema import MIGRATIONS
from tests.conftest import Store


async def test_a_new_database_is_migrated_to_the_latest_version_in_wal_mode(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.db")
    await db.close()
    assert schema_version(tmp_path / "new.db") == len(MIGRATIONS)
    with sqlite3.connect(tmp_path / "new.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "projects",
        "members",
        "answers",
        "answer_history",
        "sessions",
        "documents",
        "invites",
        "reminders",
        "processed_updates",
        "closed_steps",
        "users",
    } <= tables


async def test_reopening_does_not_migrate_twice(tmp_path: Path) -> None:
    for _ in range(2):
        db = await Database.open(tmp_path / "again.db")
        await db.close()
        assert schema_version(tmp_path / "again.db") == len(MIGRATIONS)


async def test_an_answer_is_on_disk_when_save_returns(tmp_path: Path, store: Store) -> None:
    await store.users.ensure(9, "nl")
    project = await store.projects.create(9, "nl")
    await store.answers.save(project.id, "population", 28000, author=9)
    with sqlite3.connect(tmp_path / "twinning.db") as other:  # another connection sees it: it is committed
        assert other.execute("SELECT value, author FROM answers").fetchone() == ("28000", 9)


async def test_history_keeps_every_version_and_cannot_be_rewritten(tmp_path: Path, store: Store) -> None:
    await store.users.ensure(9, "en")
    project = await store.projects.create(9, "en")
    for value in ("first", "second", "third"):
        await store.answers.save(project.id, "motto", value, author=9)
    assert [a.value for a in await store.answers.history(project.id, "motto")] == ["first", "second", "third"]
    assert (await store.answers.of(project.id))["motto"].value == "third"
    with sqlite3.connect(tmp_path / "twinning.db") as other, pytest.raises(sqlite3.IntegrityError):
        other.execute("UPDATE answer_history SET value = '\"forged\"'")


async def test_documents_are_versioned_per_kind_and_language(store: Store) -> None:
    await store.users.ensure(9, "en")
    project = await store.projects.create(9, "en")
    await store.documents.save(project.id, 1, "profile", "en", "md", b"one")
    await store.documents.save(project.id, 1, "profile", "en", "md", b"two")
    await store.documents.save(project.id, 1, "profile", "nl", "md", b"een")
    latest = {(d.kind, d.language): (d.version, d.content) for d in await store.documents.latest(project.id)}
    assert latest == {("profile", "en"): (2, b"two"), ("profile", "nl"): (1, b"een")}


async def test_update_ids_are_claimed_once_pruned_after_two_days_and_a_long_unseen_id_is_new(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import timedelta

    from bot.telegram.records import TelegramRecords
    from tests.conftest import Clock

    clock = Clock()
    db = await Database.open(tmp_path / "updates.db", clock=clock)
    try:

        async def claim(update_id: int) -> bool:
            return await db.run(lambda tx: TelegramRecords(tx).claim(update_id))

        assert await claim(1) and not await claim(1)  # a redelivery is recognised
        clock.now += timedelta(hours=23)
        assert not await claim(1)
        clock.now += timedelta(hours=2)  # Telegram's ids started over (a new token, a week without updates)
        assert await claim(1)
        assert "taken as a new update" in caplog.text
        assert await claim(2)
        clock.now += timedelta(days=3)
        assert await db.run(lambda tx: TelegramRecords(tx).prune_updates()) == 2
    finally:
        await db.close()


async def test_a_person_s_buttons_of_earlier_questions_are_deleted_when_new_ones_are_shown(store: Store) -> None:
    from bot.engine.messages import Button
    from bot.telegram.records import TelegramRecords

    def show(tx, prompt: str) -> list[list[str]]:
        return TelegramRecords(tx).save_keyboards(7, 1, [(prompt, [Button("Yes", "o:yes"), Button("No", "o:no")])])

    (first,) = await store.db.run(lambda tx: show(tx, "q1"))
    (second,) = await store.db.run(lambda tx: show(tx, "q2"))
    found = await store.db.run(lambda tx: [TelegramRecords(tx).button(i) for i in first + second])
    assert found[:2] == [None, None] and [b.prompt for b in found[2:]] == ["q2", "q2"]
