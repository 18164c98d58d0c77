"""The base of every repository: the unit of work it reads and writes in."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.database import Tx


class Repository:
    """Reads and writes of one concern; never commits (the unit of work does, for the whole event)."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
