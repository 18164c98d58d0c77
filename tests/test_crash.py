"""Kill -9 the bot while 100 people are answering; restart it; nothing confirmed is lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.storage.database import Database
from tests.telegram_emulator import BotAPIEmulator

TOKEN = "654321:CRASH-TEST-TOKEN-abcdefghijklmnopqrstuvw"
USERS = 100
QUESTIONS = {  # what each simulated person answers, by the question they see: (question id, kind, answer)
    "What is the name of your municipality?": ("municipality", "text", "Town {n}"),
    "In which country is your municipality?": ("country", "text", "Belgium"),
    "What kind of partnership are you building?": ("kind", "press", "European twinning"),
    "Who coordinates the work in your municipality": (
        "coordinator_name",
        "text",
        "Coordinator {n}, international officer",
    ),
    "already have a policy plan for international cooperation?": ("has_intl_policy", "press", "No"),
    "What are the objectives of the municipality's international cooperation?": (
        "objectives",
        "text",
        "Bring the residents of Town {n} together with a partner town and learn from each other.",
    ),
}
STORED_AS = {"No": "false", "European twinning": '"european"'}  # how a pressed answer is stored
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
        _, kind, answer = next(a for q, a in QUESTIONS.items() if q in latest.text)
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
            await asyncio.wait_for(asyncio.to_thread(bot.wait), 20)  # the emulator answers its last calls meanwhile

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
    confirmed = _confirmed(emulator)
    assert len(confirmed) >= USERS * 6 - 50  # nearly every answer was confirmed (a few in the crash window)
    for user, question, shown in confirmed:  # every confirmed answer is stored, as the answer to its question
        assert stored.get((user, question)) in (f'"{shown}"', STORED_AS.get(shown)), (user, question, shown)
    assert history == [], "an answer was replaced: an update was applied twice"
    assert len({user for user, _ in stored}) == USERS
    assert positions == USERS  # everyone continues at the same next question
    log = (tmp_path / "bot.log").read_text()
    assert "starting the Telegram bot" in log and TOKEN not in log


def _confirmed(emulator: BotAPIEmulator) -> list[tuple[int, str, str]]:
    """(person, question id, answer) for every "Saved: <answer>": the answer to the question shown just before."""
    out = []
    for user in range(10_000, 10_000 + USERS):
        asked = None
        for message in emulator.messages(user):
            if message.text.startswith("Saved: ") and asked is not None:
                out.append((user, asked, message.text.removeprefix("Saved: ").split("\n\n")[0]))
            shown = [q for q in QUESTIONS if q in message.text.split("\n\n")[-1] or q in message.text]
            if shown:
                asked = QUESTIONS[shown[-1]][0]
    return out


def _sent(emulator: BotAPIEmulator) -> list[tuple[int, str]]:
    return [(user, m.text) for user in range(10_000, 10_000 + USERS) for m in emulator.messages(user)]


COORDINATOR, MEMBER, GROUP = 20_001, 20_002, -20_003


async def _stage_one_answered(database: Path) -> None:
    """A committee (coordinator, member, group chat) that answered all of stage 1: the coordinator closes it next."""
    from bot.demo import demo_answers, events_for
    from bot.engine.messages import Command, Press, User
    from bot.i18n import translator
    from bot.plan.loader import load_plan
    from tests.conftest import Store, service_on

    plan, answers, t = load_plan(), demo_answers("en"), translator("en")
    db = await Database.open(database)
    try:
        service, store = service_on(plan, db), Store(db)
        coordinator = User(COORDINATOR, "en", "Sofie")
        await service.handle(coordinator, Command("start"))
        while (position := (await store.session(COORDINATOR))[1])["at"] != "stage_review":
            if position["at"] == "review":
                events = [Press("close")]
            else:
                question = plan.questions()[position["q"]]
                events = list(events_for(question, answers.get(question.id), t))
            for event in events:
                await service.handle(coordinator, event)
        await store.users.ensure(MEMBER, "nl", "Anna")
        await store.members.add(1, MEMBER, "member")
        await store.groups.link(GROUP, 1, COORDINATOR)
    finally:
        await db.close()


async def test_kill_9_while_a_stage_s_drafts_are_made_delivers_every_draft_once_after_the_restart(
    tmp_path: Path,
) -> None:
    database = tmp_path / "drafts.db"
    await _stage_one_answered(database)
    async with BotAPIEmulator(TOKEN) as emulator:
        bot = start_bot(emulator.root, database)
        await emulator.send_text(MEMBER, "/start")  # the member and the group chat can be written to
        await emulator.send_text(COORDINATOR, "/status", chat_id=GROUP)
        await emulator.wait_for(GROUP, timeout=30)
        await emulator.send_text(COORDINATOR, "/start")
        review = await emulator.wait_for(COORDINATOR, lambda m: "Close the stage" in str(m.labels), timeout=30)
        await emulator.press(COORDINATOR, review, "Close the stage")
        await emulator.wait_for(COORDINATOR, lambda m: "I am making its drafts now" in m.text, timeout=30)
        os.kill(bot.pid, signal.SIGKILL)  # the job is written; its drafts are being made
        bot.wait()
        sent_before = _documents(emulator)
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT COUNT(*) FROM closed_stages").fetchone() == (1,)
            assert db.execute("SELECT COUNT(*) FROM draft_jobs WHERE built_at IS NULL").fetchone() == (1,)
        bot = start_bot(emulator.root, database)
        try:
            expected = 12  # five drafts of stage 1 and their annex of sources, each as DOCX and PDF
            for chat in (COORDINATOR, MEMBER, GROUP):
                await emulator.wait_for(
                    chat, lambda m, chat=chat: len(_documents(emulator).get(chat, [])) >= expected, timeout=120
                )
        finally:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.to_thread(bot.wait), 20)  # the emulator answers its last calls meanwhile
    received = _documents(emulator)
    for chat in (COORDINATOR, MEMBER, GROUP):
        names = received[chat]
        assert len(names) == len(set(names)) == expected, (chat, names, sent_before)  # every draft, each once
    assert all(name.endswith(("_v1_en.docx", "_v1_en.pdf")) for name in received[COORDINATOR])
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM draft_deliveries WHERE delivered_at IS NULL").fetchone() == (0,)


def _documents(emulator: BotAPIEmulator) -> dict[int, list[str]]:
    """The file names the bot sent, per chat."""
    return {
        chat: [m.document["file_name"] for m in emulator.messages(chat) if m.document and _is_draft(m.document)]
        for chat in (COORDINATOR, MEMBER, GROUP)
    }


def _is_draft(document: dict) -> bool:
    return str(document.get("file_name", "")).endswith((".docx", ".pdf"))
