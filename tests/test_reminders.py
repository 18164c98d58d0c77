"""Reminders: waiting steps (at most one a week per member), evaluation dates and activities; kept in SQLite."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.demo import DEMO_USER, demo_answers, play
from bot.engine.messages import Command, Press, Text, User
from bot.engine.service import Service
from bot.plan.models import Plan
from bot.storage.database import Database
from tests.conftest import ALPHA, Chat, Clock, Store, service_on


async def _committee(mini_plan: Plan, path: Path, clock: Clock) -> tuple[Store, Service, Chat, Chat]:
    store = Store(await Database.open(path, clock=clock))
    engine = service_on(mini_plan, store.db)
    coordinator, member = Chat(engine, User(1, "en", "Sofie")), Chat(engine, User(2, "en", "Anna"))
    await coordinator.send(Command("start"), Text("Lindenberg"), Press("o:european"))
    await coordinator.send(Command("invite"), Press("role:member"))
    token = re.search(r"/start (\S+)", coordinator.text).group(1)
    await member.send(Command("start", token))
    await coordinator.send(Command("assign"), Press("step:alpha"), Press("user:2"))
    return store, engine, coordinator, member


async def test_a_waiting_step_reminds_its_member_at_most_once_a_week(mini_plan: Plan, tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 3, 1, 9, tzinfo=UTC))
    store, engine, _, member = await _committee(mini_plan, tmp_path / "r.db", clock)
    try:
        clock.now += timedelta(days=6)
        assert await engine.due_reminders() == []
        clock.now += timedelta(days=2)
        due = await engine.due_reminders()
        assert [(m.to_user, "step 1 (Alpha step) of Lindenberg is waiting" in m.text) for m in due] == [(2, True)]
        assert await engine.due_reminders() == []  # handed out once
        clock.now += timedelta(days=3)
        assert await engine.due_reminders() == []  # not again within the week
        clock.now += timedelta(days=5)
        assert [m.to_user for m in await engine.due_reminders()] == [2]  # a week later, still waiting
        await member.send(Command("start"), Text("Together"))  # working on it restarts the wait
        clock.now += timedelta(days=6)
        assert await engine.due_reminders() == []
    finally:
        await store.db.close()


async def test_reminders_can_be_muted_and_stop_when_the_step_closes(mini_plan: Plan, tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 3, 1, 9, tzinfo=UTC))
    store, engine, _, member = await _committee(mini_plan, tmp_path / "m.db", clock)
    try:
        await member.send(Command("reminders"))
        assert "step 1 is waiting for your answers" in member.last.text
        await member.send(Press("mute"))
        assert "Your reminders are muted." in member.text
        clock.now += timedelta(days=8)
        assert await engine.due_reminders() == []
        await member.send(Command("reminders"), Press("unmute"))
        await member.send(Command("start"), *ALPHA, Press("close"))
        assert await store.reminders.of(1) == []  # the step closed: nothing left to remind of
    finally:
        await store.db.close()


async def test_pending_reminders_survive_a_restart(mini_plan: Plan, tmp_path: Path) -> None:
    clock = Clock(datetime(2027, 3, 1, 9, tzinfo=UTC))
    store, _, _, _ = await _committee(mini_plan, tmp_path / "restart.db", clock)
    await store.db.close()
    clock.now += timedelta(days=10)
    reopened = await Database.open(tmp_path / "restart.db", clock=clock)
    try:
        due = await service_on(mini_plan, reopened).due_reminders()
        assert [m.to_user for m in due] == [2]
    finally:
        await reopened.close()


async def test_evaluation_dates_and_activities_remind_the_coordinator_and_the_group(plan: Plan, tmp_path: Path) -> None:
    answers = demo_answers("en")
    clock = Clock(datetime(2026, 6, 1, 9, tzinfo=UTC))  # before every date of the demo's plan
    store = Store(await Database.open(tmp_path / "calendar.db", clock=clock))
    try:
        engine = service_on(plan, store.db)
        await play(engine, plan, DEMO_USER, answers)
        pending = await store.reminders.of(1)
        dates = sorted({r.payload["date"] for r in pending})
        expected = {e["date"] for e in answers["evaluation_dates"]} | {e["date"] for e in answers["activities"]}
        assert set(dates) == expected
        first = datetime.fromisoformat(dates[0])
        clock.now = first.replace(tzinfo=UTC) + timedelta(hours=9)
        due = await engine.due_reminders()
        labels = [e["what"] for e in answers["evaluation_dates"] if e["date"] == dates[0]]
        labels += [e["activity"] for e in answers["activities"] if e["date"] == dates[0]]
        assert due and all(any(label in m.text for label in labels) for m in due)
        assert {m.to_user for m in due if m.to_user} == {DEMO_USER.id}  # the coordinator
        assert any(m.to_groups and m.project == 1 for m in due)
        assert await engine.due_reminders() == []
    finally:
        await store.db.close()
