"""How fast the engine answers: the whole demo plan played through it, on a database on disk.

Run: python benchmarks/bench_engine.py  (reports numbers; the tests check behaviour, not speed)
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.demo import DEMO_USER, demo_answers, play
from bot.engine.engine import Engine
from bot.engine.messages import Event, Message, User
from bot.plan.loader import load_plan
from bot.storage.store import Store


class TimedEngine(Engine):
    """The real engine, timing each event."""

    durations: list[float]

    async def handle(self, user: User, event: Event) -> list[Message]:
        started = time.perf_counter()
        try:
            return await super().handle(user, event)
        finally:
            self.durations.append(time.perf_counter() - started)


async def main() -> None:
    started = time.perf_counter()
    plan = load_plan()
    print(f"load and check the plan: {(time.perf_counter() - started) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "bench.db")
        engine = TimedEngine(plan, store)
        engine.durations = []
        started = time.perf_counter()
        files = await play(engine, store, plan, DEMO_USER, demo_answers("en"))
        total = time.perf_counter() - started
        await store.close()
    durations = sorted(engine.durations)
    print(f"whole plan: {len(durations)} events, {len(files)} files (DOCX and PDF), {total:.2f} s")
    print(
        f"per event: median {statistics.median(durations) * 1000:.1f} ms, "
        f"p95 {durations[int(len(durations) * 0.95)] * 1000:.1f} ms, max {durations[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
