"""End to end: the real Application over real HTTP against a Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.plan.models import Plan
from bot.telegram.app import serve
from bot.telegram.ordering import PerChatOrder
from tests.readers import docx_text, pdf_text
from tests.telegram_emulator import BotAPIEmulator, SentMessage

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
COORDINATOR, MEMBER, STRANGER, GROUP = 1001, 1002, 1003, -5001


class Running:
    """The bot running against the emulator; `restart` stops it and starts a new process state."""

    def __init__(self, emulator: BotAPIEmulator, settings: Settings, plan: Plan) -> None:
        self.emulator, self.settings, self.plan = emulator, settings, plan
        self.stop: asyncio.Event | None = None
        self.task: asyncio.Task | None = None
        self.application: Application | None = None

    async def start(self) -> None:
        self.stop = asyncio.Event()
        ready = asyncio.Event()

        def watch(application: Application) -> None:
            self.application = application
            ready.set()

        self.task = asyncio.create_task(serve(self.settings, self.plan, self.stop, on_ready=watch))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({self.task, waiting}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            self.task.result()  # it stopped: show why
        if not ready.is_set():
            raise TimeoutError("the bot did not start")

    async def handled(self, update_id: int, times: int = 1, timeout: float = 20) -> None:
        """Wait until the bot handled the update to the end, and made and sent any drafts it asked for."""
        assert self.application is not None
        processor = self.application.update_processor
        assert isinstance(processor, PerChatOrder)
        await asyncio.wait_for(processor.handled(update_id, times), timeout)
        await asyncio.wait_for(self.application.bot_data["drafts"].finished.wait(), timeout)

    async def halt(self) -> None:
        assert self.stop is not None and self.task is not None
        self.stop.set()
        await asyncio.wait_for(self.task, 20)

    async def restart(self) -> None:
        await self.halt()
        await self.start()


@asynccontextmanager
async def running_bot(database: Path, plan: Plan, **settings: object) -> AsyncIterator[Running]:
    """The real application against a fresh emulator, with extra settings; stopped at the end."""
    async with BotAPIEmulator(TOKEN) as emulator:
        options = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emulator.root, "TWINNING_DB": database}
        running = Running(emulator, Settings(**options, **settings), plan)
        await running.start()
        try:
            yield running
        finally:
            if running.task is not None and not running.task.done():
                await running.halt()


@pytest.fixture
async def bot(tmp_path: Path, mini_plan: Plan) -> AsyncIterator[Running]:
    async with running_bot(tmp_path / "telegram.db", mini_plan) as running:
        yield running


async def say(bot: Running, user: int, text: str, **kwargs) -> SentMessage:
    """Send text and wait until the bot has handled it; return its last message in that chat."""
    await bot.handled(await bot.emulator.send_text(user, text, **kwargs))
    return bot.emulator.last(kwargs.get("chat_id") or user)


async def press(bot: Running, user: int, label: str, message: SentMessage | None = None) -> SentMessage:
    """Press a button and wait until the bot has handled it (and sent the drafts it made, if any)."""
    await bot.handled(await bot.emulator.press(user, message or bot.emulator.last(user), label))
    return bot.emulator.last(user)


def texts(bot: Running, chat: int) -> str:
    return "\n".join(m.text for m in bot.emulator.messages(chat))


async def setup_and_alpha(bot: Running, user: int = COORDINATOR) -> None:
    await say(bot, user, "/start")
    await say(bot, user, "Lindenberg")
    await press(bot, user, "European twinning")
    for answer in ("Together", "/skip", "28000", "12500", "15-03-2027"):
        await say(bot, user, answer)
    await press(bot, user, "No")
    await press(bot, user, "Culture")
    await press(bot, user, "Done")
    await press(bot, user, "3")


async def test_a_full_stage_with_buttons_and_text_and_the_drafts_as_files(bot: Running) -> None:
    emulator = bot.emulator
    await setup_and_alpha(bot)
    review = emulator.last(COORDINATOR)
    assert "Review of step 1" in review.text
    await press(bot, COORDINATOR, "Close this step")
    await say(bot, COORDINATOR, "Jeugdhuis <Tom & Jerry>")  # escaped for HTML, shown literally
    await press(bot, COORDINATOR, "Club")
    await say(bot, COORDINATOR, "/skip")
    await press(bot, COORDINATOR, "Done")
    for answer in ("Markt 1", "Lindenberg"):
        await say(bot, COORDINATOR, answer)
    await press(bot, COORDINATOR, "Still to do")
    await say(bot, COORDINATOR, "/skip")
    await press(bot, COORDINATOR, "Close this step")
    last = await press(bot, COORDINATOR, "Close the stage")
    assert "Step 3: Gamma step" in texts(bot, COORDINATOR) or "Gamma" in last.text

    chat = texts(bot, COORDINATOR)
    assert "Stage 1 · Step 1 (1 of 2) · Question 1 of" in chat
    assert "Saved: 1. Jeugdhuis <Tom & Jerry> · Club" in chat
    kind_question = next(m for m in emulator.messages(COORDINATOR) if "What kind of partnership" in m.text)
    assert kind_question.buttons == [] and "✔ European twinning" in kind_question.text  # keyboard replaced

    documents = [m for m in emulator.messages(COORDINATOR) if m.document]
    assert [d.document["file_name"] for d in documents] == ["profile_v1_en.docx", "profile_v1_en.pdf"]
    word = docx_text(await emulator.download(documents[0].document["file_id"]))
    pdf = pdf_text(await emulator.download(documents[1].document["file_id"]))
    for content in (word, pdf):
        assert "Lindenberg" in content and "Jeugdhuis <Tom & Jerry>" in content
    assert not emulator.errors, emulator.errors


async def test_commands_and_descriptions_are_registered_in_every_language(bot: Running) -> None:
    languages = {params.get("language_code") for method, params in bot.emulator.calls if method == "setMyCommands"}
    assert {None, "en", "nl", "sv", "fr", "de"} <= languages
    dutch = next(p for m, p in bot.emulator.calls if m == "setMyCommands" and p.get("language_code") == "nl")
    english = next(p for m, p in bot.emulator.calls if m == "setMyCommands" and p.get("language_code") == "en")
    assert dutch["commands"] != english["commands"]
    assert {"setMyDescription", "setMyShortDescription"} <= {method for method, _ in bot.emulator.calls}


async def invite_link(bot: Running, role: str = "member") -> str:
    await say(bot, COORDINATOR, "/invite")
    await press(bot, COORDINATOR, "Invite a coordinator" if role == "coordinator" else "Invite a member")
    links = re.findall(r"https://t\.me/twinning_test_bot\?start=([\w-]+)", texts(bot, COORDINATOR))
    assert links, texts(bot, COORDINATOR)
    return links[-1]


async def test_a_coordinator_invites_a_member_who_answers_an_assigned_step(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await say(bot, COORDINATOR, "Lindenberg")
    await press(bot, COORDINATOR, "European twinning")
    token = await invite_link(bot)
    welcome = await say(bot, MEMBER, f"/start {token}", first_name="Anna")
    assert "You joined as member" in texts(bot, MEMBER)
    assert "Nothing is waiting for you" in welcome.text

    await say(bot, COORDINATOR, "/assign")
    await press(bot, COORDINATOR, "Alpha step")
    await press(bot, COORDINATOR, "Anna")
    assert "asked you to answer step 1" in bot.emulator.last(MEMBER).text
    question = await say(bot, MEMBER, "/start", first_name="Anna")
    assert "What is your motto?" in question.text
    await say(bot, MEMBER, "Samen sterk", first_name="Anna")
    await say(bot, COORDINATOR, "/status")
    assert "answered by Anna" in texts(bot, COORDINATOR)


async def test_expired_revoked_used_up_and_wrong_invitations(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await say(bot, COORDINATOR, "Lindenberg")
    used = await invite_link(bot)
    await say(bot, MEMBER, f"/start {used}")
    assert "already been used" in (await say(bot, STRANGER, f"/start {used}")).text

    withdrawn = await invite_link(bot)
    await say(bot, COORDINATOR, "/invites")
    await press(bot, COORDINATOR, "Withdraw")
    assert "withdrawn" in (await say(bot, STRANGER, f"/start {withdrawn}")).text

    expired = await invite_link(bot)
    with sqlite3.connect(bot.settings.database) as db:
        db.execute("UPDATE invites SET expires_at = '2000-01-01T00:00:00+00:00'")
    assert "expired" in (await say(bot, STRANGER, f"/start {expired}")).text
    assert "not valid" in (await say(bot, STRANGER, "/start AAAAAAAAAAAAAAAAAAAAAAAA")).text
    with sqlite3.connect(bot.settings.database) as db:
        assert db.execute("SELECT COUNT(*) FROM members WHERE user_id = ?", (STRANGER,)).fetchone() == (0,)


async def test_forged_stale_and_double_button_presses_change_nothing(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await say(bot, COORDINATOR, "Lindenberg")
    kind_question = bot.emulator.last(COORDINATOR)
    real_button, other_button = kind_question.buttons[0][0][1], kind_question.buttons[1][0][1]
    await press(bot, COORDINATOR, "European twinning", kind_question)

    # a stranger replays the coordinator's callback data in their own chat
    await bot.handled(await bot.emulator.press_data(STRANGER, STRANGER, kind_question.message_id, real_button))
    assert "earlier message" in texts(bot, STRANGER)
    # a made-up button
    await bot.handled(await bot.emulator.press_data(COORDINATOR, COORDINATOR, kind_question.message_id, "x" * 12))
    assert "earlier message" in bot.emulator.last(COORDINATOR).text  # with the current question
    # the same real button again (a double press, or a stale message)
    await bot.handled(await bot.emulator.press_data(COORDINATOR, COORDINATOR, kind_question.message_id, other_button))
    with sqlite3.connect(bot.settings.database) as db:
        rows = db.execute("SELECT value FROM answers WHERE question_id = 'kind'").fetchall()
        replaced = db.execute("SELECT value FROM answer_history WHERE question_id = 'kind'").fetchall()
    assert rows == [('"european"',)] and replaced == []  # answered once, never replaced
    assert "What is your motto?" in bot.emulator.last(COORDINATOR).text


async def test_a_restart_in_the_middle_of_a_step_loses_nothing(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await say(bot, COORDINATOR, "Lindenberg")
    await press(bot, COORDINATOR, "European twinning")
    for answer in ("Together", "/skip", "28000", "12500", "15-03-2027"):
        await say(bot, COORDINATOR, answer)
    yes_no = bot.emulator.last(COORDINATOR)
    await bot.restart()
    await press(bot, COORDINATOR, "Yes", yes_no)  # a button shown before the restart still means the same
    assert "Which school?" in bot.emulator.last(COORDINATOR).text
    with sqlite3.connect(bot.settings.database) as db:
        answered = {row[0] for row in db.execute("SELECT question_id FROM answers")}
    assert {"municipality", "kind", "motto", "story", "population", "budget", "start", "has_school"} == answered


async def test_unreadable_messages_and_long_texts(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await bot.handled(await bot.emulator.send_photo(COORDINATOR))
    assert "I can only read typed text" in texts(bot, COORDINATOR)
    await say(bot, COORDINATOR, "Lindenberg")
    await press(bot, COORDINATOR, "European twinning")
    await say(bot, COORDINATOR, "M" * 200)
    await say(bot, COORDINATOR, "S" * 3990)
    for answer in ("28000", "12500", "15-03-2027"):
        await say(bot, COORDINATOR, answer)
    await press(bot, COORDINATOR, "No")
    await press(bot, COORDINATOR, "Culture")
    await press(bot, COORDINATOR, "Done")
    await press(bot, COORDINATOR, "3")
    parts = [m for m in bot.emulator.messages(COORDINATOR) if "S" * 100 in m.text]
    assert len(parts) >= 3  # the saved confirmation, and the review split in two
    assert not bot.emulator.errors, bot.emulator.errors


async def test_the_group_chat_gets_progress_and_answers_only_members(bot: Running) -> None:
    await setup_and_alpha(bot)
    await bot.handled(await bot.emulator.add_bot_to_group(COORDINATOR, GROUP))
    assert "I will post the progress of Lindenberg here" in texts(bot, GROUP)
    await press(bot, COORDINATOR, "Close this step")
    assert "step 1 (Alpha step) was closed by" in texts(bot, GROUP)
    await say(bot, STRANGER, "/status", chat_id=GROUP)
    assert "I only answer members of this committee." in bot.emulator.last(GROUP).text
    await say(bot, COORDINATOR, "/status", chat_id=GROUP)
    assert "Progress of Lindenberg" in bot.emulator.last(GROUP).text


async def test_a_linked_group_stays_with_its_project_when_an_outsider_connects_it(bot: Running) -> None:
    await setup_and_alpha(bot)
    review = bot.emulator.last(COORDINATOR)
    await bot.handled(await bot.emulator.add_bot_to_group(COORDINATOR, GROUP))
    await say(bot, STRANGER, "/start")  # the stranger coordinates a project of their own
    await say(bot, STRANGER, "Elsewhere")
    taken = await say(bot, STRANGER, "/connect", chat_id=GROUP)
    assert "already follows another committee's project" in taken.text
    assert "tried to connect your committee's group chat" in bot.emulator.last(COORDINATOR).text
    with sqlite3.connect(bot.settings.database) as db:
        assert db.execute("SELECT project_id FROM group_chats WHERE chat_id = ?", (GROUP,)).fetchall() == [(1,)]
    status = await say(bot, COORDINATOR, "/status", chat_id=GROUP)
    assert "Progress of Lindenberg" in status.text  # the real coordinator still has the group
    await press(bot, COORDINATOR, "Close this step", review)
    assert "step 1 (Alpha step) was closed by" in texts(bot, GROUP)
    assert "Elsewhere" not in texts(bot, GROUP)
    await say(bot, STRANGER, "/disconnect", chat_id=GROUP)  # only the project's own coordinator may unlink
    assert "I only answer members of this committee." in bot.emulator.last(GROUP).text
    await say(bot, COORDINATOR, "/disconnect", chat_id=GROUP)
    assert "no longer follows the project" in bot.emulator.last(GROUP).text
    connected = await say(bot, STRANGER, "/connect", chat_id=GROUP)
    assert "I will post the progress of Elsewhere here" in connected.text


async def test_a_project_without_a_name_reads_without_holes(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await bot.handled(await bot.emulator.add_bot_to_group(COORDINATOR, GROUP))
    connected = bot.emulator.last(GROUP).text
    assert "progress of a new project here" in connected and "  " not in connected
    await say(bot, COORDINATOR, "/deleteproject")
    assert "Delete the project a new project with" in bot.emulator.last(COORDINATOR).text


async def test_a_member_who_blocked_the_bot_does_not_stop_the_others(bot: Running) -> None:
    await setup_and_alpha(bot)
    token = await invite_link(bot)
    await say(bot, MEMBER, f"/start {token}")
    bot.emulator.block(MEMBER)
    await press(bot, COORDINATOR, "Close this step")
    for step in (
        ("Jeugdhuis",),
        ("Club",),
        ("/skip",),
        ("Done",),
        ("Markt 1",),
        ("Lindenberg",),
        ("Still to do",),
        ("/skip",),
        ("Close this step",),
        ("Close the stage",),
    ):
        label = step[0]
        last = bot.emulator.last(COORDINATOR)
        if any(label in text for row in last.buttons for text, _ in row):
            await press(bot, COORDINATOR, label)
        else:
            await say(bot, COORDINATOR, label)
    assert any(m.document for m in bot.emulator.messages(COORDINATOR))
    assert "Gamma" in texts(bot, COORDINATOR)


async def test_an_update_delivered_again_after_a_crash_is_not_applied_twice(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    await say(bot, COORDINATOR, "Lindenberg")
    await press(bot, COORDINATOR, "European twinning")
    update = next(u for u in bot.emulator.updates if u.get("message", {}).get("text") == "Lindenberg")
    bot.emulator._pending.append(update)  # Telegram hands out the same update again
    bot.emulator._notify()
    await bot.handled(update["update_id"], times=2)
    with sqlite3.connect(bot.settings.database) as db:
        history = db.execute("SELECT COUNT(*) FROM answer_history WHERE question_id = 'municipality'").fetchone()
        motto = db.execute("SELECT COUNT(*) FROM answers WHERE question_id = 'motto'").fetchone()
    assert history == (0,) and motto == (0,)  # not stored again, and not taken as the next answer
    assert "What is your motto?" in bot.emulator.last(COORDINATOR).text


async def test_a_failing_handler_apologises_and_never_logs_the_token(
    bot: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.engine.engine import Engine

    await say(bot, COORDINATOR, "/start")
    original = Engine.handle

    def broken(self, db, user, event):  # a bug anywhere below the handler
        if getattr(event, "text", "") == "boom":
            raise RuntimeError("something broke")
        return original(self, db, user, event)

    monkeypatch.setattr(Engine, "handle", broken)
    caplog.set_level("DEBUG")
    apology = await say(bot, COORDINATOR, "boom")
    assert "Sorry, something went wrong on my side" in apology.text
    assert "handling update failed" in caplog.text
    assert TOKEN not in caplog.text
    assert "What is the name of your municipality?" in (await say(bot, COORDINATOR, "/start")).text


async def test_webhook_mode_receives_updates_over_https_endpoint(tmp_path: Path, mini_plan: Plan) -> None:
    import json
    import socket

    import aiohttp

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with BotAPIEmulator(TOKEN) as emulator:
        settings = Settings(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=emulator.root,
            TWINNING_DB=tmp_path / "hook.db",
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            TELEGRAM_WEBHOOK_PORT=port,
            TELEGRAM_WEBHOOK_SECRET="s3cret",
        )
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, mini_plan, stop))
        for _ in range(200):
            if emulator.webhook_url:
                break
            await asyncio.sleep(0.02)
        assert emulator.webhook_url == f"http://127.0.0.1:{port}/telegram"
        await emulator.send_text(COORDINATOR, "hello")  # the person has a chat with the bot (its update is unused)
        update = {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                "chat": {"id": COORDINATOR, "type": "private"},
                "from": {"id": COORDINATOR, "is_bot": False, "first_name": "Sofie"},
            },
        }
        async with aiohttp.ClientSession() as http:
            refused = await http.post(
                f"http://127.0.0.1:{port}/telegram",
                data=json.dumps(update),
                headers={"Content-Type": "application/json"},
            )
            assert refused.status == 403  # without Telegram's secret header
            accepted = await http.post(
                f"http://127.0.0.1:{port}/telegram",
                data=json.dumps(update),
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
            assert accepted.status == 200
        message = await emulator.wait_for(COORDINATOR, lambda m: "name of your municipality" in m.text)
        assert message.chat_id == COORDINATOR
        stop.set()
        await asyncio.wait_for(task, 20)


async def test_webhook_mode_without_a_configured_secret_makes_one_and_refuses_forged_updates(
    tmp_path: Path, mini_plan: Plan
) -> None:
    import socket

    import aiohttp

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram"
    forged = {"update_id": 9, "message": {"message_id": 1, "date": 0, "text": "/start", "chat": {"id": 77, "type":
              "private"}, "from": {"id": 77, "is_bot": False, "first_name": "Mallory"}}}  # fmt: skip
    async with BotAPIEmulator(TOKEN) as emulator:
        settings = Settings(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=emulator.root,
            TWINNING_DB=tmp_path / "open.db",
            TELEGRAM_WEBHOOK_URL=url,
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            TELEGRAM_WEBHOOK_PORT=port,
        )
        stop, ready = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(serve(settings, mini_plan, stop, on_ready=lambda application: ready.set()))
        await asyncio.wait_for(ready.wait(), 20)
        secret = emulator.webhook_secret
        assert len(secret) >= 32  # made for this database and handed to Telegram with setWebhook
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                refused = await http.post(url, json=forged, headers=headers)
                assert refused.status == 403
        stop.set()
        await asyncio.wait_for(task, 20)
        with sqlite3.connect(tmp_path / "open.db") as db:
            assert db.execute("SELECT COUNT(*) FROM users").fetchone() == (0,)  # the forged update did nothing
        stop, ready = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(serve(settings, mini_plan, stop, on_ready=lambda application: ready.set()))
        await asyncio.wait_for(ready.wait(), 20)
        assert emulator.webhook_secret == secret  # the same secret after a restart
        stop.set()
        await asyncio.wait_for(task, 20)


async def test_the_job_queue_delivers_reminders_from_the_database(tmp_path: Path, mini_plan: Plan) -> None:
    async with running_bot(tmp_path / "jobs.db", mini_plan, TWINNING_REMINDER_CHECK=0.2) as running:
        await say(running, MEMBER, "/start")
        await say(running, MEMBER, "Lindenberg")
        with sqlite3.connect(running.settings.database) as db:  # a reminder that came due while the bot was away
            payload = json.dumps({"date": "2027-05-01", "label": "First evaluation with the partner"})
            db.execute(
                "INSERT INTO reminders (project_id, user_id, kind, topic, due_at, payload) VALUES "
                "(1, NULL, 'evaluation', 'evaluation_dates', '2000-01-01T08:00:00+00:00', ?)",
                (payload,),
            )
        reminder = await running.emulator.wait_for(MEMBER, lambda m: "First evaluation with the partner" in m.text)
        assert "May 1, 2027" in reminder.text


async def test_flood_limits_and_server_errors_are_retried_but_a_send_that_timed_out_is_not_repeated(
    tmp_path: Path, mini_plan: Plan, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(tmp_path / "faults.db", mini_plan, TELEGRAM_TIMEOUT=1) as running:
        emulator = running.emulator
        emulator.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        emulator.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        await running.handled(await emulator.send_text(COORDINATOR, "/start"), timeout=30)
        welcome = emulator.messages(COORDINATOR)
        assert len(welcome) == 1 and welcome[0].text.startswith("Welcome!")  # got through, once

        caplog.set_level("INFO")
        earlier = len(caplog.records)
        emulator.fail_next("sendMessage", 0, "")  # no answer at all: it may have arrived, so it is not sent again
        sends = sum(1 for method, _ in emulator.calls if method == "sendMessage")
        await running.handled(await emulator.send_text(COORDINATOR, "Lindenberg"), timeout=30)
        assert sum(1 for method, _ in emulator.calls if method == "sendMessage") == sends + 1
        with sqlite3.connect(running.settings.database) as db:
            assert db.execute("SELECT value FROM answers").fetchall() == [('"Lindenberg"',)]  # stored all the same
        await running.handled(await emulator.send_text(COORDINATOR, "/start"))
        assert "What kind of partnership" in emulator.last(COORDINATOR).text
        outage = [r for r in caplog.records[earlier:] if "not reachable" in r.getMessage()]
        assert len(outage) == 1 and outage[0].exc_info is None, [r.getMessage() for r in outage]  # a line, once
        assert any("reachable again" in r.getMessage() for r in caplog.records[earlier:])


async def test_an_edited_message_is_not_taken_as_a_new_answer(bot: Running) -> None:
    await say(bot, COORDINATOR, "/start")
    sent = await bot.emulator.send_text(COORDINATOR, "Lindenberg")
    await bot.handled(sent)
    await bot.handled(await bot.emulator.edit_text(COORDINATOR, sent, "Lindenberg-Oost"))
    assert "To change an answer, use /edit." in bot.emulator.last(COORDINATOR).text
    with sqlite3.connect(bot.settings.database) as db:
        assert db.execute("SELECT value FROM answers").fetchall() == [('"Lindenberg"',)]


def test_short_notes_travel_with_the_question_that_follows() -> None:
    from bot.engine.messages import Attachment, Button, Message
    from bot.telegram.delivery import joined

    saved, intro = Message("Saved: Lindenberg"), Message("Step 1")
    question = Message("What is your motto?", [Button("Skip", "skip")])
    drafts = Message("Stage 1 is closed.", files=[Attachment("a.docx", b"x", "A")])
    assert [m.text for m in joined([saved, intro, question])] == ["Saved: Lindenberg\n\nStep 1\n\nWhat is your motto?"]
    assert joined([saved, intro, question])[0].buttons == question.buttons
    assert [m.text for m in joined([saved, drafts, question])] == [
        "Saved: Lindenberg",
        "Stage 1 is closed.",
        "What is your motto?",
    ]
    assert [m.text for m in joined([saved, intro])] == ["Saved: Lindenberg\n\nStep 1"]
