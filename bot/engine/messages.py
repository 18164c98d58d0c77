"""What goes into the engine (events) and what comes out (messages), as plain data.

Front ends translate their world into these and back: the console prints numbered buttons
and reads lines; Telegram sends inline keyboards and documents. Nothing here knows either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class User:
    """Who is talking: a stable id and the language their client reports (if any)."""

    id: int
    language_code: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Text:
    """Something the person typed."""

    text: str


@dataclass(frozen=True)
class Press:
    """A button the person pressed: a `Button.value`, and the `Message.prompt` it was shown with.

    With the prompt the engine can tell a button of the current question from the same
    button on an older message; a front end that cannot know it passes None.
    """

    value: str
    prompt: str | None = None


@dataclass(frozen=True)
class Command:
    """A command such as /back, /skip, /edit, /status, /help, /documents, /start."""

    name: str
    argument: str = ""


@dataclass(frozen=True)
class Unreadable:
    """Something the engine cannot read as an answer: a photo, a sticker, a voice message."""

    kind: str = ""


@dataclass(frozen=True)
class Upload:
    """A file the person sent (a letterhead, after /template)."""

    filename: str
    content: bytes


Event = Text | Press | Command | Unreadable | Upload


# Buttons that move through a question rather than answer it: keep the current answer, skip, back, done,
# add another entry, add an entry to a list, remove one, type another option.
NAVIGATION = frozenset({"keep", "skip", "back", "done", "more", "add", "remove", "other"})


def is_navigation(value: str) -> bool:
    """Whether a button with this value is navigation, never an answer: front ends do not show it as the answer
    given (no "✔ ◀ Back"), and the terminal gives it a letter instead of a number."""
    return value in NAVIGATION


@dataclass(frozen=True)
class Button:
    label: str
    value: str

    @property
    def navigation(self) -> bool:
        return is_navigation(self.value)


@dataclass(frozen=True)
class Attachment:
    """A file to hand to the person: a draft document."""

    filename: str
    content: bytes
    caption: str


@dataclass
class Message:
    """One message to show.

    `expects` tells the front end what kind of answer fits; `prompt` identifies the question
    the buttons belong to. A message is for the person talking, unless `to_user` names another
    member or `to_groups` sends it to the committee's group chats.
    """

    text: str
    buttons: list[Button] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    expects: Literal["text", "choice", "multi", "none"] = "none"
    prompt: str = ""
    to_user: int | None = None
    to_groups: bool = False
    project: int | None = None  # whose group chats `to_groups` means, when no one is talking (reminders)
    stale: bool = False  # the answer to a button that no longer applies: nothing was changed
