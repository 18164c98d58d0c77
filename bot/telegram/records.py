"""The tables only the Telegram front end needs: what the buttons on screen mean, the last question shown
per chat, which updates were handled, and the webhook secret.

They are read and written inside the same unit of work as the event they belong to, so an
update's claim, the answer it gave and the buttons of the next question commit together.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.engine.messages import Button
from bot.storage.database import Tx

log = logging.getLogger(__name__)

SEEN_FOR = timedelta(days=1)  # an update id seen longer ago than this is a new update (ids can start over)
KEEP_UPDATES = timedelta(days=2)


@dataclass(frozen=True)
class StoredButton:
    id: str
    user_id: int
    project_id: int
    prompt: str
    value: str
    label: str


class TelegramRecords:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    def claim(self, update_id: int) -> bool:
        """Record an update as handled; False when it was, recently (a redelivery after a crash).

        Telegram's update ids can start over (after a week without updates, or with a new token on
        the same database): an id last seen more than a day ago is a new update, and is said so in the log.
        """
        now = self.tx.moment()
        row = self.tx.row("SELECT processed_at FROM processed_updates WHERE update_id = ?", (update_id,))
        if row is not None and row[0] > (now - SEEN_FOR).isoformat(timespec="seconds"):
            return False
        if row is not None:
            log.warning("update id %s was last seen on %s: taken as a new update (ids started over)", update_id, row[0])
        self.tx.execute(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO UPDATE SET processed_at = excluded.processed_at",
            (update_id, self.tx.now()),
        )
        return True

    def prune_updates(self) -> int:
        cutoff = (self.tx.moment() - KEEP_UPDATES).isoformat(timespec="seconds")
        return self.tx.execute("DELETE FROM processed_updates WHERE processed_at < ?", (cutoff,)).rowcount

    def save_keyboards(
        self, user_id: int, project_id: int, keyboards: list[tuple[str, list[Button]]]
    ) -> list[list[str]]:
        """Store what the buttons about to be shown mean, under short random ids (Telegram's callback data).

        The person's earlier buttons go: only the question now asked can be answered, so they
        could only ever be explained away as stale, and the table stays small.
        """
        self.tx.execute("DELETE FROM buttons WHERE user_id = ?", (user_id,))
        now, ids = self.tx.now(), []
        for prompt, buttons in keyboards:
            row_ids = [secrets.token_urlsafe(9) for _ in buttons]
            self.tx.execute_many(
                "INSERT INTO buttons (id, user_id, project_id, prompt, value, label, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (i, user_id, project_id, prompt, b.value, b.label, now)
                    for i, b in zip(row_ids, buttons, strict=True)
                ],
            )
            ids.append(row_ids)
        return ids

    def button(self, button_id: str) -> StoredButton | None:
        row = self.tx.row(
            "SELECT id, user_id, project_id, prompt, value, label FROM buttons WHERE id = ?", (button_id,)
        )
        return StoredButton(*row) if row else None

    def take_last_prompt(self, user_id: int, chat_id: int) -> tuple[int, str] | None:
        """The message that carries the person's keyboard now, which the next reply replaces; forgotten here."""
        row = self.tx.row(
            "SELECT message_id, text FROM prompt_messages WHERE user_id = ? AND chat_id = ?", (user_id, chat_id)
        )
        if row is not None:
            self.tx.execute("DELETE FROM prompt_messages WHERE user_id = ? AND chat_id = ?", (user_id, chat_id))
        return (row[0], row[1]) if row else None

    def save_prompt(self, user_id: int, chat_id: int, message_id: int, text: str) -> None:
        self.tx.execute(
            "INSERT INTO prompt_messages (user_id, chat_id, message_id, text) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id, chat_id) DO UPDATE SET message_id = excluded.message_id, text = excluded.text",
            (user_id, chat_id, message_id, text),
        )

    def webhook_secret(self) -> str:
        """The secret Telegram must send with every webhook call: made once and kept, when none is configured."""
        row = self.tx.row("SELECT value FROM telegram_settings WHERE key = 'webhook_secret'")
        if row is not None:
            return str(row[0])
        secret = secrets.token_urlsafe(32)
        self.tx.execute("INSERT INTO telegram_settings (key, value) VALUES ('webhook_secret', ?)", (secret,))
        return secret
