"""The benchmark: engine in process, the full Telegram stack against an echo bot, drafts, 10,000 projects.

    python tests/benchmarks/run.py            # the full run (several minutes)
    python tests/benchmarks/run.py --quick    # about a minute

Prints the figures and writes them to bench-results.json. It is not part of the tests: figures
are measured, behaviour is tested.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.config import Settings
from bot.demo import demo_answers, events_for
from bot.documents.drafts import DraftRequest, build
from bot.documents.render import ProjectFacts
from bot.engine.engine import Engine
from bot.engine.messages import Command, Event, Press, User
from bot.i18n import translator
from bot.plan.conditions import applies
from bot.plan.loader import load_plan
from bot.plan.models import Kind, Plan
from bot.storage.store import Store
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


async def in_process(users: int) -> dict[str, float]:
    """Many people answering stage 1 at once; the engine takes one event at a time, as the bot does."""
    events = list(stage_one_events(PLAN, demo_answers("en")))
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "bench.db")
        engine = Engine(PLAN, store)
        one_at_a_time = asyncio.Lock()

        async def person(number: int) -> None:
            user = User(100_000 + number, "en", f"User {number}")
            for event in events:
                async with one_at_a_time:
                    started = time.perf_counter()
                    await engine.handle(user, event)
                    times.append(time.perf_counter() - started)
                await asyncio.sleep(0)

        started = time.perf_counter()
        await asyncio.gather(*(person(n) for n in range(users)))
        elapsed = time.perf_counter() - started
        await store.close()
    return {
        "inprocess_users": users,
        "inprocess_updates": len(times),
        "inprocess_updates_per_s": round(len(times) / elapsed, 1),
        "inprocess_p50_ms": round(percentile(times, 0.50) * 1000, 2),
        "inprocess_p95_ms": round(percentile(times, 0.95) * 1000, 2),
        "inprocess_p99_ms": round(percentile(times, 0.99) * 1000, 2),
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


async def _drive(emulator: BotAPIEmulator, users: int) -> tuple[float, list[float], int]:
    """Each person sends the script, waiting for the bot's answer each time; returns time, latencies, updates."""
    latencies: list[float] = []

    async def person(number: int) -> None:
        user = 200_000 + number
        for line in SCRIPT:
            before = len(emulator.messages(user))
            sent = time.perf_counter()
            await emulator.send_text(user, line.format(n=number))
            while len(emulator.messages(user)) == before:
                await asyncio.sleep(0.002)
            latencies.append(time.perf_counter() - sent)

    started = time.perf_counter()
    await asyncio.gather(*(person(n) for n in range(users)))
    return time.perf_counter() - started, latencies, users * len(SCRIPT)


async def full_stack(users: int) -> dict[str, float]:
    """Our application and a minimal echo bot, each against the same emulator, the same people and script."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    from bot.telegram.app import serve

    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        async with BotAPIEmulator(TOKEN) as emulator:
            settings = Settings(
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_API_BASE_URL=emulator.root,
                TWINNING_DB=Path(folder) / "full.db",
                TELEGRAM_MAX_RATE=100_000,
            )
            stop = asyncio.Event()
            task = asyncio.create_task(serve(settings, PLAN, stop))
            await asyncio.sleep(1.5)
            elapsed, latencies, updates = await _drive(emulator, users)
            stop.set()
            await task
        results |= {
            "fullstack_updates_per_s": round(updates / elapsed, 1),
            "fullstack_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "fullstack_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        }

        async def echo(update: Update, context: object) -> None:
            assert update.effective_message is not None
            await update.effective_message.reply_text(update.effective_message.text or "")

        async with BotAPIEmulator(TOKEN) as emulator:
            application = (
                ApplicationBuilder()
                .token(TOKEN)
                .base_url(f"{emulator.root}/bot")
                .base_file_url(f"{emulator.root}/file/bot")
                .build()
            )
            application.add_handler(MessageHandler(filters.TEXT, echo))
            async with application:
                await application.start()
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0.0)
                elapsed, latencies, updates = await _drive(emulator, users)
                await application.updater.stop()
                await application.stop()
        results |= {
            "echo_updates_per_s": round(updates / elapsed, 1),
            "echo_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "echo_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        }
    results["fullstack_ratio_vs_echo"] = round(results["fullstack_updates_per_s"] / results["echo_updates_per_s"], 2)
    return results


def drafts() -> dict[str, float]:
    """All drafts of each stage, DOCX and PDF, with the demo municipality's answers."""
    answers = demo_answers("en")
    values = {qid: stored(PLAN.questions()[qid], value) for qid, value in answers.items()}
    request = DraftRequest(
        PLAN, values, Kind.north_south, ProjectFacts("Lindenberg", "Belgium", "north_south"), {}, date(2027, 3, 15)
    )
    per_stage = {}
    for stage in PLAN.stages:
        started = time.perf_counter()
        for document in PLAN.documents_of(stage.number):
            build(request, document, "en", 1)
        per_stage[stage.number] = time.perf_counter() - started
    return {f"drafts_stage{n}_s": round(s, 2) for n, s in per_stage.items()} | {
        "drafts_stage_max_s": round(max(per_stage.values()), 2)
    }


async def many_projects(count: int) -> dict[str, float]:
    """A database holding `count` projects with their answers: /status, a stage's drafts, size, memory."""
    answers = demo_answers("en")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many.db"
        store = await Store.open(path)
        now = "2027-03-01T10:00:00+00:00"
        rows = [(qid, json.dumps(stored(PLAN.questions()[qid], v), ensure_ascii=False)) for qid, v in answers.items()]
        db = store._db
        await db.executemany(
            "INSERT INTO users (id, language, display_name, created_at) VALUES (?, 'en', ?, ?)",
            [(n, f"User {n}", now) for n in range(1, count + 1)],
        )
        await db.executemany(
            "INSERT INTO projects (id, name, kind, created_at) VALUES (?, ?, 'north_south', ?)",
            [(n, f"Town {n}", now) for n in range(1, count + 1)],
        )
        await db.executemany(
            "INSERT INTO members (project_id, user_id, role, joined_at) VALUES (?, ?, 'coordinator', ?)",
            [(n, n, now) for n in range(1, count + 1)],
        )
        await db.executemany("UPDATE users SET current_project = ? WHERE id = ?", [(n, n) for n in range(1, count + 1)])
        for first in range(1, count + 1, 500):
            batch = [(n, qid, value, n, now) for n in range(first, min(first + 500, count + 1)) for qid, value in rows]
            for table in ("answers", "answer_history"):
                columns = "project_id, question_id, value, author, answered_at"
                await db.executemany(f"INSERT INTO {table} ({columns}) VALUES (?, ?, ?, ?, ?)", batch)
        await db.executemany(
            "INSERT INTO closed_steps (project_id, step_id, closed_by, closed_at) VALUES (?, ?, ?, ?)",
            [(n, s, n, now) for n in range(1, count + 1) for s in ("setup", "step1", "step2", "step3")],
        )
        await db.commit()
        engine = Engine(PLAN, store)
        user = User(count // 2, "en", "Someone")
        await engine.handle(user, Command("start"))
        started = time.perf_counter()
        await engine.handle(user, Command("status"))
        status_s = time.perf_counter() - started
        started = time.perf_counter()
        await engine.handle(user, Press("close_stage"))
        stage_s = time.perf_counter() - started
        await store.close()
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
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    args = parser.parse_args()
    quick = args.quick
    results: dict[str, Any] = {"quick": quick, "python": sys.version.split()[0]}
    results |= await many_projects(2_000 if quick else 10_000)  # first: the memory figure is a peak
    results |= drafts()
    results |= await in_process(100 if quick else 1_000)
    results |= await full_stack(100)
    for key, value in results.items():
        print(f"{key:32} {value}")
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    asyncio.run(main())
