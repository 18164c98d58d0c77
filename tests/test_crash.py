"""Kill -9 the bot while 100 people are answering; restart it; nothing confirmed is lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.telegram_emulator import BotAPIEmulator

TOKEN = "654321:CRASH-TEST-TOKEN-abcdefghijklmnopqrstuvw"
USERS = 100
QUESTIONS = {  # what each simulated person answers, by the question they see
    "What is the name of your municipality?": ("text", "Town {n}"),
    "In which country is your municipality?": ("text", "Belgium"),
    "What kind of partnership are you building?": ("press", "European twinning"),
    "Who coordinates the work in your municipality": ("text", "Coordinator {n}, international officer"),
    "already have a policy plan for international cooperation?": ("press", "No"),
    "What are the objectives of the municipality's international cooperation?": (
        "text",
        "Bring the residents of Town {n} together with a partner town and learn from each other.",
    ),
}
LAST = "Where were these objectives discussed or decided?"  # everyone stops here


def start_bot(api: str, database: Path) -> subprocess.Popen:
    env = os.environ | {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api,
        "TWINNING_DB": str(database),
        "TWINNING_REMINDER_CHECK": "3600",
        "TELEGRAM_MAX_RATE": "2000",  # the emulator has no flood limit to respect
    }
    log = (database.parent / "bot.log").open("ab")  # never a pipe: a full pipe would stall the bot
    return subprocess.Popen([sys.executable, "-m", "bot"], env=env, stdout=log, stderr=log)


async def person(emulator: BotAPIEmulator, user: int) -> None:
    """Answer the newest question on screen; when no reply comes (the bot died), ask again with /start."""
    handled, waited = 0, 0.0
    await emulator.send_text(user, "/start")
    while True:
        await asyncio.sleep(0.05)
        waited += 0.05
        shown = [m for m in emulator.messages(user) if m.message_id > handled]
        if any(LAST in m.text for m in shown):
            return
        questions = [m for m in shown if any(q in m.text for q in QUESTIONS)]
        if not questions:
            if waited > 4:
                waited = 0.0
                await emulator.send_text(user, "/start")
            continue
        latest = questions[-1]
        handled, waited = max(m.message_id for m in shown), 0.0
        kind, answer = next(a for q, a in QUESTIONS.items() if q in latest.text)
        if kind == "text":
            await emulator.send_text(user, answer.format(n=user))
        elif any(answer in label for row in latest.buttons for label, _ in row):
            await emulator.press(user, latest, answer)
        else:  # the keyboard is gone already: ask for the current question
            await emulator.send_text(user, "/start")


async def test_kill_9_while_100_people_answer(tmp_path: Path) -> None:
    database = tmp_path / "crash.db"
    async with BotAPIEmulator(TOKEN) as emulator:
        bot = start_bot(emulator.root, database)
        people = [asyncio.create_task(person(emulator, 10_000 + n)) for n in range(USERS)]
        while sum(1 for _, m in _sent(emulator) if m.startswith("Saved:")) < 150:
            await asyncio.sleep(0.05)
            assert bot.poll() is None, (tmp_path / "bot.log").read_text()
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait()
        bot = start_bot(emulator.root, database)
        try:
            await asyncio.wait_for(asyncio.gather(*people), timeout=180)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=20)

    with sqlite3.connect(database) as db:
        stored = {
            (user, question): value
            for user, question, value in db.execute(
                "SELECT m.user_id, a.question_id, a.value FROM answers a JOIN members m ON m.project_id = a.project_id"
            )
        }
        history = db.execute(
            "SELECT project_id, question_id, COUNT(*) FROM answer_history GROUP BY project_id, question_id"
        ).fetchall()
        positions = db.execute("SELECT COUNT(*) FROM sessions WHERE position LIKE '%decided_by%'").fetchone()[0]
    confirmed = [  # "Saved: <answer>" heads the message that also asks the next question
        (user, text.removeprefix("Saved: ").split("\n\n")[0])
        for user, text in _sent(emulator)
        if text.startswith("Saved: ")
    ]
    assert len(confirmed) >= USERS * 6 - 50  # nearly every answer was confirmed (a few in the crash window)
    for user, shown in confirmed:  # every confirmed answer is stored
        assert any(
            value.strip('"') == shown
            or (shown == "No" and value == "false")
            or (shown == "European twinning" and value == '"european"')
            for (owner, _), value in stored.items()
            if owner == user
        ), (user, shown)
    assert all(count == 1 for _, _, count in history), "an update was applied twice"
    assert len({user for user, _ in stored}) == USERS
    assert positions == USERS  # everyone continues at the same next question
    log = (tmp_path / "bot.log").read_text()
    assert "starting the Telegram bot" in log and TOKEN not in log


def _sent(emulator: BotAPIEmulator) -> list[tuple[int, str]]:
    return [(user, m.text) for user in range(10_000, 10_000 + USERS) for m in emulator.messages(user)]
