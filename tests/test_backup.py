"""`twinning-bot backup`: a consistent copy while the bot writes, and a restore that continues."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from bot.engine.messages import Command, Press, Text, User
from bot.plan.models import Plan
from bot.storage.database import Database
from tests.conftest import Chat, Store, service_on


async def test_a_backup_taken_while_answers_are_written_restores_and_continues(mini_plan: Plan, tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    db = await Database.open(live)
    store = Store(db)
    chat = Chat(service_on(mini_plan, db), User(1, "en", "Sofie"))
    await chat.send(Command("start"), Text("Lindenberg"), Press("o:european"), Text("Together"))

    async def keep_writing() -> None:
        for number in range(30):
            await store.answers.save(1, "story", f"version {number}", 1)
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    backup = tmp_path / "backup.db"
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "backup", str(backup), "--db", str(live)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    await writer
    await db.close()
    assert result.returncode == 0 and "Backup written" in result.stdout

    restored = await Database.open(backup)  # restoring is using the copy as the database
    try:
        answers = await Store(restored).answers.of(1)
        assert answers["motto"].value == "Together"
        history = await Store(restored).answers.history(1, "story")
        assert [a.value for a in history] == [f"version {n}" for n in range(len(history))]  # a consistent prefix
        chat = Chat(service_on(mini_plan, restored), User(1, "en", "Sofie"))
        await chat.send(Command("start"))
        assert "Welcome back" in chat.text
    finally:
        await restored.close()
