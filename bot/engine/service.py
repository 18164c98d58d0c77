"""The engine behind the database, for front ends: one event, one transaction, replies once durable.

A front end calls `await service.handle(user, event)`. The engine runs inside the database
thread as one unit of work; if the database cannot store it, nothing of the event stays and
the person is told so, truthfully. When the event asked for drafts, the draft worker is woken
after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.engine.drafting import DraftWorker
from bot.engine.engine import Engine
from bot.engine.messages import Event, Message, User
from bot.i18n import supported, translator
from bot.storage.database import Database, StorageError, Tx

T = TypeVar("T")


class Service:
    def __init__(self, engine: Engine, db: Database, drafts: DraftWorker | None = None) -> None:
        self.engine = engine
        self.db = db
        self.drafts = drafts

    async def handle(self, user: User, event: Event) -> list[Message]:
        """Apply one event; on a storage failure nothing of it was stored, and the reply says so."""
        try:
            return await self.run(lambda tx: self.engine.handle(tx, user, event))
        except StorageError:
            return [unsaved(user.language_code)]

    async def run(self, work: Callable[[Tx], T]) -> T:
        """Run a unit of work; wake the draft worker when it wrote a draft job."""
        requested = False

        def unit(tx: Tx) -> T:
            nonlocal requested
            result = work(tx)
            requested = tx.drafts_requested
            return result

        result = await self.db.run(unit)
        if requested and self.drafts is not None:
            self.drafts.wake()
        return result

    async def status_of(self, project_id: int, language: str) -> Message:
        return await self.db.run(lambda tx: self.engine.status_of(tx, project_id, language))

    async def due_reminders(self) -> list[Message]:
        return await self.db.run(self.engine.due_reminders)

    async def set_language(self, user: User, language: str) -> None:
        await self.db.run(lambda tx: self.engine.set_language(tx, user, language))


def unsaved(language_code: str | None) -> Message:
    t = translator(supported(language_code))
    return Message(t.gettext("I cannot save anything right now. Nothing was changed: please try again in a minute."))
