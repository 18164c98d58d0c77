"""The benchmark: engine in process, the full Telegram stack against echo bots, drafts, 10,000 projects.

    python tests/benchmarks/run.py            # the full run (several minutes)
    python tests/benchmarks/run.py --quick    # about a minute

Prints the figures and writes them to bench-results.json. It is not part of the tests: figures
are measured, behaviour is tested. Every driver here waits for events (the bot's reply to
that person arriving), never polls, so it measures the bot and not itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.config import Settings
from bot.demo import demo_answers, events_for
from bot.documents.drafts import DraftRequest, build
from bot.documents.render import ProjectFacts
from bot.engine.drafting import DraftWorker
from bot.engine.engine import Engine
from bot.engine.messages import Command, Event, Message, Press, User
from bot.engine.service import Service
from bot.i18n import translator
from bot.plan.conditions import applies
from bot.plan.loader import load_plan
from bot.plan.models import Kind, Plan
from bot.storage.database import Database, Tx
from bot.storage.records import Recipient
from tests.console_script import stored
from tests.telegram_emulator import BotAPIEmulator

TOKEN = "111111:BENCHMARK-TOKEN-abcdefghijklmnopqrstuvwx"
PLAN = load_plan()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_one_events(plan: Plan, answers: dict[str, Any]) -> Iterator[Event]:
    """What a person sends to answer the opening questions and close the steps of stage 1."""
    values: dict[str, Any] = {}
    t = translator("en")
    yield Command("start")
    for step in [plan.setup, *(plan.steps[s] for s in plan.stage(1).steps)]:
        for question in step.questions:
            kind = Kind(values["kind"]) if "kind" in values else None
            if applies(question, values, kind):
                yield from events_for(question, answers.get(question.id), t)
                values[question.id] = stored(question, answers.get(question.id))
        if step.stage:
            yield Press("close")


async def _nobody(recipient: Recipient, message: Message) -> bool:
    return True


class TimedEngine(Engine):
    """The engine, noting how long each event takes inside the database thread (its service time)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan)
        self.times: list[float] = []

    def handle(self, db: Tx, user: User, event: Event) -> list[Message]:
        started = time.perf_counter()
        try:
            return super().handle(db, user, event)
        finally:
            self.times.append(time.perf_counter() - started)


async def in_process(users: int) -> dict[str, float]:
    """Many people answering stage 1 at once, each in order, all concurrently, as the Telegram bot runs them.

    Two latencies: the service time of an event (engine and storage, in the database thread) and
    the reply time (that plus waiting for the events queued before it and for the group commit),
    with every person sending the next answer the moment the reply arrives.
    """
    events = list(stage_one_events(PLAN, demo_answers("en")))
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.db")
        engine = TimedEngine(PLAN)
        service = Service(engine, db, DraftWorker(db, PLAN, _nobody))

        async def person(number: int) -> None:
            user = User(100_000 + number, "en", f"User {number}")
            for event in events:
                started = time.perf_counter()
                await service.handle(user, event)
                times.append(time.perf_counter() - started)

        commits = db.commits
        started = time.perf_counter()
        await asyncio.gather(*(person(n) for n in range(users)))
        elapsed = time.perf_counter() - started
        commits = db.commits - commits
        await db.close()
    return {
        "inprocess_users": users,
        "inprocess_updates": len(times),
        "inprocess_updates_per_s": round(len(times) / elapsed, 1),
        "inprocess_commits_per_update": round(commits / len(times), 3),
        "inprocess_p50_ms": round(percentile(engine.times, 0.50) * 1000, 2),
        "inprocess_p95_ms": round(percentile(engine.times, 0.95) * 1000, 2),
        "inprocess_p99_ms": round(percentile(engine.times, 0.99) * 1000, 2),
        "inprocess_reply_p50_ms": round(percentile(times, 0.50) * 1000, 2),
        "inprocess_reply_p99_ms": round(percentile(times, 0.99) * 1000, 2),
        "inprocess_peak_memory_mb": round(memory_mb(), 1),
    }


SCRIPT = [
    "/start",
    "Town {n}",
    "Belgium",
    "1",
    "Coordinator {n}, international officer",
    "no",
    "Bring the residents of our town together with a partner town and learn from each other.",
    "1,2",
    "15-03-2027",
    "4",
]


async def _drive(emulator: BotAPIEmulator, users: int, first_user: int = 200_000) -> tuple[float, list[float], int]:
    """Each person sends the script, waiting for the bot's reply each time; returns time, latencies, updates."""
    latencies: list[float] = []

    async def person(number: int) -> None:
        user = first_user + number
        for line in SCRIPT:
            before = len(emulator.messages(user))
            sent = time.perf_counter()
            await emulator.send_text(user, line.format(n=number))
            await emulator.sent_count(user, before + 1)
            latencies.append(time.perf_counter() - sent)

    started = time.perf_counter()
    await asyncio.gather(*(person(n) for n in range(users)))
    return time.perf_counter() - started, latencies, users * len(SCRIPT)


async def _serve_ours(emulator_root: str, database: Path) -> tuple[asyncio.Event, asyncio.Task[None]]:
    from bot.telegram.app import serve

    settings = Settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator_root,
        TWINNING_DB=database,
        TELEGRAM_MAX_RATE=100_000,
    )
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(settings, PLAN, stop, on_ready=lambda application: ready.set()))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # it stopped before it was ready: show why
    return stop, task


async def _serve_echo(emulator_root: str, request: Any = None) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """A plain python-telegram-bot echo bot as people write it (or with our transport)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    async def echo(update: Update, context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{emulator_root}/bot")
    builder = builder.base_file_url(f"{emulator_root}/file/bot")
    if request is not None:
        builder = builder.request(request).concurrent_updates(True)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop, ready = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0)
            ready.set()
            await stop.wait()
            await application.updater.stop()
            await application.stop()

    task = asyncio.create_task(run())
    await ready.wait()
    return stop, task


def _emulator_process(connection: Any, users: int) -> None:
    """In a process of its own, as Telegram is: the Bot API emulator and the people who write to the bot."""

    async def main() -> None:
        async with BotAPIEmulator(TOKEN) as emulator:
            connection.send(emulator.root)
            await asyncio.to_thread(connection.recv)  # the bot is ready (the emulator keeps serving meanwhile)
            connection.send(await _drive(emulator, users))
            await asyncio.to_thread(connection.recv)  # the bot has stopped

    asyncio.run(main())


Serving = Callable[[str], Awaitable[tuple[asyncio.Event, asyncio.Task[None]]]]


async def _measure(serve_bot: Serving, users: int) -> tuple[float, list[float], int]:
    """Run a bot in this process against the emulator and its people in another; (time, latencies, updates)."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_emulator_process, args=(theirs, users))
    process.start()
    root = await asyncio.to_thread(ours.recv)
    stop, task = await serve_bot(root)
    ours.send("ready")
    measured = await asyncio.to_thread(ours.recv)
    stop.set()
    await task
    ours.send("stopped")
    await asyncio.to_thread(process.join)
    return measured


async def full_stack(users: int) -> dict[str, float]:
    """Our application and echo bots, each against a fresh emulator (in another process), same people and script."""
    from bot.telegram.app import make_request

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        runs = {
            "fullstack": lambda root: _serve_ours(root, Path(folder) / "full.db"),
            "echo": lambda root: _serve_echo(root),
            "echo_same_transport": lambda root: _serve_echo(root, make_request(Settings(), users)),
        }
        for name, serve_bot in runs.items():
            elapsed, latencies, updates = await _measure(serve_bot, users)
            results |= {
                f"{name}_updates_per_s": round(updates / elapsed, 1),
                f"{name}_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                f"{name}_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            }
    ours = results["fullstack_updates_per_s"]
    results["fullstack_ratio_vs_echo"] = round(ours / results["echo_updates_per_s"], 2)
    results["fullstack_ratio_vs_echo_same_transport"] = round(ours / results["echo_same_transport_updates_per_s"], 2)
    return results


async def _stage_one_ready(db: Database, coordinator: User) -> None:
    """A project of the demo municipality with stage 1 answered: its coordinator can close the stage."""
    answers, t = demo_answers("en"), translator("en")
    service = Service(Engine(PLAN), db)
    await service.handle(coordinator, Command("start"))

    def where(tx: Tx) -> dict[str, Any]:
        return tx.positions.get(coordinator.id, tx.users.current_project(coordinator.id) or 0) or {}

    while (position := await db.run(where))["at"] != "stage_review":
        if position["at"] == "review":
            events: list[Event] = [Press("close")]
        else:
            question = PLAN.questions()[position["q"]]
            events = list(events_for(question, answers.get(question.id), t))
        for event in events:
            await service.handle(coordinator, event)


async def others_during_drafts(people: int) -> dict[str, float]:
    """The reply times of `people` answering while another committee's stage drafts are made (full stack)."""
    coordinator_id = 900_001
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "drafts.db"
        db = await Database.open(database)
        await _stage_one_ready(db, User(coordinator_id, "en", "Sofie"))
        await db.close()
        async with BotAPIEmulator(TOKEN) as emulator:
            stop, task = await _serve_ours(emulator.root, database)
            await emulator.send_text(coordinator_id, "/start")
            await emulator.sent_count(coordinator_id, 1)
            review = emulator.last(coordinator_id)
            drafts_started = time.perf_counter()
            await emulator.press(coordinator_id, review, "Close the stage")
            drafting = asyncio.create_task(_wait_for_documents(emulator, coordinator_id, 10))
            latencies: list[float] = []
            while not drafting.done():  # people keep answering for as long as the drafts are being made
                _, measured, _ = await _drive(emulator, people, first_user=300_000 + len(latencies))
                latencies += measured
            drafts_s = time.perf_counter() - drafts_started
            stop.set()
            await task
    return {
        "others_people": people,
        "others_replies_during_drafts": len(latencies),
        "others_p50_ms_during_drafts": round(percentile(latencies, 0.5) * 1000, 1),
        "others_p99_ms_during_drafts": round(percentile(latencies, 0.99) * 1000, 1),
        "drafts_stage1_full_stack_s": round(drafts_s, 2),
    }


async def _wait_for_documents(emulator: BotAPIEmulator, chat: int, count: int) -> None:
    while sum(1 for m in emulator.messages(chat) if m.document) < count:
        await emulator.sent_count(chat, len(emulator.messages(chat)) + 1)


def drafts() -> dict[str, float]:
    """All drafts of each stage, DOCX and PDF, with the demo municipality's answers."""
    answers = demo_answers("en")
    values = {qid: stored(PLAN.questions()[qid], value) for qid, value in answers.items()}
    request = DraftRequest(
        PLAN, values, Kind.north_south, ProjectFacts("Lindenberg", "Belgium", "north_south"), {}, date(2027, 3, 15)
    )
    build(request, PLAN.documents[0], "en", 1)  # the worker process is long-lived: imports and templates are warm
    per_stage = {}
    for stage in PLAN.stages:
        started = time.perf_counter()
        for document in PLAN.documents_of(stage.number):
            build(request, document, "en", 1)
        per_stage[stage.number] = time.perf_counter() - started
    return {f"drafts_stage{n}_s": round(s, 2) for n, s in per_stage.items()} | {
        "drafts_stage_max_s": round(max(per_stage.values()), 2)
    }


def _fill(tx: Tx, count: int) -> None:
    """`count` projects of the demo municipality, stage 1 answered, each with its coordinator."""
    answers = demo_answers("en")
    now = "2027-03-01T10:00:00+00:00"
    rows = [(qid, json.dumps(stored(PLAN.questions()[qid], v), ensure_ascii=False)) for qid, v in answers.items()]
    many: Callable[[str, list[tuple[Any, ...]]], Any] = tx.connection.executemany
    many(
        "INSERT INTO users (id, language, display_name, created_at) VALUES (?, 'en', ?, ?)",
        [(n, f"User {n}", now) for n in range(1, count + 1)],
    )
    many(
        "INSERT INTO projects (id, name, kind, created_at) VALUES (?, ?, 'north_south', ?)",
        [(n, f"Town {n}", now) for n in range(1, count + 1)],
    )
    many(
        "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, 'coordinator', ?)",
        [(n, n, now) for n in range(1, count + 1)],
    )
    many("UPDATE users SET current_project = ? WHERE id = ?", [(n, n) for n in range(1, count + 1)])
    for first in range(1, count + 1, 500):
        batch = [(n, qid, value, n, now) for n in range(first, min(first + 500, count + 1)) for qid, value in rows]
        many("INSERT INTO answers (project_id, question_id, value, author, answered_at) VALUES (?, ?, ?, ?, ?)", batch)
    many(
        "INSERT INTO closed_steps (project_id, step_id, closed_by, closed_at) VALUES (?, ?, ?, ?)",
        [(n, s, n, now) for n in range(1, count + 1) for s in ("setup", *PLAN.stage(1).steps)],
    )


async def _timed(action: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def many_projects(count: int) -> dict[str, float]:
    """A database holding `count` projects with their answers: /status, a stage's drafts, size, memory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many.db"
        db = await Database.open(path)
        await db.run(lambda tx: _fill(tx, count))
        worker = DraftWorker(db, PLAN, _nobody)
        service = Service(Engine(PLAN), db, worker)
        user = User(count // 2, "en", "Someone")
        await service.handle(user, Command("start"))
        status_s = await _timed(lambda: service.handle(user, Command("status")))

        async def close_stage() -> None:
            await service.handle(user, Press("close_stage"))
            await worker.finish_open()

        stage_s = await _timed(close_stage)
        await db.close()
        size = sum(p.stat().st_size for p in Path(folder).glob("many.db*")) / 1024 / 1024
    return {
        "projects": count,
        "status_ms_10k_projects": round(status_s * 1000, 1),
        "stage_drafts_s_10k_projects": round(stage_s, 2),
        "database_mb_10k_projects": round(size, 1),
        "memory_mb_10k_projects": round(memory_mb(), 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller numbers, about a minute")
    parser.add_argument("--only", nargs="*", default=None, help="run only these parts (e.g. full_stack)")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    args = parser.parse_args()
    quick = args.quick
    parts: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
        "many_projects": lambda: many_projects(2_000 if quick else 10_000),  # first: the memory figure is a peak
        "drafts": lambda: asyncio.to_thread(drafts),
        "in_process": lambda: in_process(100 if quick else 1_000),
        "full_stack": lambda: full_stack(100),
        "others_during_drafts": lambda: others_during_drafts(20),
    }
    results: dict[str, Any] = {"quick": quick, "python": sys.version.split()[0]}
    for name, part in parts.items():
        if args.only is None or name in args.only:
            results |= await part()
    for key, value in results.items():
        print(f"{key:40} {value}")
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
