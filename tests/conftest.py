"""Shared fixtures: the real plan, a small plan using every question type, and fresh databases."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.engine.drafting import DraftWorker
from bot.engine.engine import Engine
from bot.engine.messages import Command, Event, Message, Press, Text, User
from bot.engine.service import Service
from bot.plan.loader import load_plan
from bot.plan.models import Plan
from bot.storage.database import Database, Tx
from bot.storage.records import Recipient

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


class Store:
    """The tests' view of the database: any repository call, awaited, e.g. `await store.answers.of(1)`.

    Each call is its own unit of work through the database thread, as the bot's own reads are.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def __getattr__(self, repository: str) -> _Repository:
        return _Repository(self.db, repository)

    async def session(self, user_id: int) -> tuple[int | None, dict | None]:
        """A person's current project and their position in it."""

        def read(tx: Tx) -> tuple[int | None, dict | None]:
            project = tx.users.current_project(user_id)
            return project, tx.positions.get(user_id, project) if project is not None else None

        return await self.db.run(read)


class _Repository:
    def __init__(self, db: Database, name: str) -> None:
        self.db, self.name = db, name

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.db.run(lambda tx: getattr(getattr(tx, self.name), method)(*args, **kwargs))

        return call


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await Database.open(tmp_path / "twinning.db")
    yield opened
    await opened.close()


@pytest.fixture
def store(db: Database) -> Store:
    return Store(db)


class Mailbox:
    """What the draft worker handed out, to whom: the tests' stand-in for Telegram's chats."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Recipient, Message]] = []

    async def receive(self, recipient: Recipient, message: Message) -> bool:
        self.delivered.append((recipient, message))
        return True

    def to(self, kind: str, recipient_id: int) -> list[Message]:
        return [m for r, m in self.delivered if r.kind == kind and r.id == recipient_id]


MAILBOXES: weakref.WeakKeyDictionary[Service, Mailbox] = weakref.WeakKeyDictionary()


def service_on(plan: Plan, db: Database, **engine_settings: Any) -> Service:
    """The engine over a database, with a draft worker that makes drafts when asked (in a thread)."""
    mailbox = Mailbox()
    service = Service(Engine(plan, **engine_settings), db, DraftWorker(db, plan, mailbox.receive))
    MAILBOXES[service] = mailbox
    return service


class Chat:
    """A person talking to the bot: sends events and keeps the last replies, the drafts included.

    Drafts are made by the draft worker after the event; a chat waits for them, as a person
    sees them arrive right after the reply; what the others got is in `mailbox`.
    """

    def __init__(self, service: Service, user: User) -> None:
        self.service, self.user = service, user
        self.mailbox = MAILBOXES.setdefault(service, Mailbox())
        self.replies: list[Message] = []

    async def send(self, *events: Event) -> list[Message]:
        for event in events:
            seen = len(self.mailbox.delivered)
            self.replies = await self.service.handle(self.user, event)
            drafts = self.service.drafts
            if drafts is not None and drafts.woken:
                await drafts.finish_open()
            self.replies += [m for r, m in self.mailbox.delivered[seen:] if r.kind == "user" and r.id == self.user.id]
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
        _, position = await Store(self.service.db).session(self.user.id)
        return position or {}


@pytest.fixture
def chat_on(db: Database):
    def make(plan: Plan, language: str = "en", user_id: int = 42) -> Chat:
        return Chat(service_on(plan, db), User(user_id, language, "Tester"))

    return make
