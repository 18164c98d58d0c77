"""Shared fixtures: the real plan, a small plan using every question type, and fresh databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.engine.engine import Engine
from bot.engine.messages import Command, Event, Message, Press, Text, User
from bot.plan.loader import load_plan
from bot.plan.models import Plan
from bot.storage.store import Store

MINI = Path(__file__).parent / "fixtures" / "mini"

# Answers to the small plan in tests/fixtures/mini, as a person sends them.
SETUP = (Text("Lindenberg"), Press("o:european"))
ALPHA = (
    Text("Together"),
    Command("skip"),
    Text("28000"),
    Text("12500"),
    Text("15-03-2027"),
    Press("o:no"),
    Text("2,3"),
    Press("o:4"),
)
BETA = (
    Text("Jeugdhuis"),
    Press("o:club"),
    Text("jeugdhuis@example.org"),
    Press("done"),
    Text("Markt 1"),
    Text("Lindenberg"),
    Press("o:to_do"),
    Text("Next year's budget round"),
)


class Clock:
    """A clock the test moves by hand (reminders, invitations that expire)."""

    def __init__(self, now: datetime = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture(scope="session")
def mini_plan() -> Plan:
    return load_plan(MINI)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "twinning.db")
    yield opened
    await opened.close()


class Chat:
    """A person talking to an engine: sends events and keeps the last reply."""

    def __init__(self, engine: Engine, user: User) -> None:
        self.engine, self.user = engine, user
        self.replies: list[Message] = []

    async def send(self, *events: Event) -> list[Message]:
        for event in events:
            self.replies = await self.engine.handle(self.user, event)
        return self.replies

    @property
    def mine(self) -> list[Message]:
        """The replies meant for this person (not the notices to other members or group chats)."""
        return [m for m in self.replies if m.to_user is None and not m.to_groups]

    @property
    def text(self) -> str:
        return "\n".join(message.text for message in self.mine)

    @property
    def last(self) -> Message:
        return self.replies[-1]

    async def position(self) -> dict:
        _, position = await self.engine.store.session(self.user.id)
        return position or {}


@pytest.fixture
def chat_on(store: Store):
    def make(plan: Plan, language: str = "en", user_id: int = 42) -> Chat:
        return Chat(Engine(plan, store), User(user_id, language, "Tester"))

    return make
