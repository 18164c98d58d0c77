"""What one event works with (a Turn), and the small protocol features use to talk back to the engine.

Features (the committee's menus, the drafts, the ten-keys check, scoring, reminders, privacy)
import this module, never the engine: the engine imports them and hands itself over as a
`Conversation`, so there is no import circle and each feature sees only what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.engine.flow import Standing
from bot.engine.messages import Event, Message
from bot.engine.state import AtMenu, Position
from bot.i18n import Translator
from bot.plan.models import Plan, Step
from bot.storage.database import Tx
from bot.storage.records import Answer, Member, Project


@dataclass
class Turn:
    """Everything one event needs: its unit of work, who, in which language, which project, and where they are."""

    db: Tx
    plan: Plan
    user: int
    t: Translator
    project: Project
    answers: dict[str, Answer]
    closed: set[str]
    position: Position
    role: str
    assignments: dict[str, int]
    closed_stages: set[int]
    members: dict[int, Member]
    switch_to: int | None = None  # set when the person chose another project
    gone: bool = False  # set when the person left this project
    _standing: Standing | None = field(default=None, repr=False)

    @property
    def coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def partner(self) -> bool:
        """The partner municipality's contact: sees only the drafts for the partner and the translation round."""
        return self.role == "partner"

    @property
    def menu(self) -> AtMenu:
        """The open menu (features are called only while one is open)."""
        assert isinstance(self.position, AtMenu), self.position
        return self.position

    def name_of(self, user_id: int) -> str:
        if user_id == 0:
            return self.t.gettext("a former member")  # someone who asked to be forgotten
        member = self.members.get(user_id)
        return member.name if member and member.name else self.t.gettext("a committee member")

    def may_answer(self, step: Step) -> bool:
        """Members answer the steps assigned to them; the coordinator the opening questions and the rest."""
        if self.partner:
            return False
        if step.stage == 0:
            return self.coordinator
        owner = self.assignments.get(step.id)
        return owner == self.user or (owner is None and self.coordinator)

    @property
    def standing(self) -> Standing:
        """The project's answers as the plan sees them; made once and again only after a change."""
        if self._standing is None:
            values = {qid: answer.value for qid, answer in self.answers.items()}
            self._standing = Standing(self.plan, values, frozenset(self.answers), frozenset(self.closed))
        return self._standing

    def answered(self, answer: Answer) -> None:
        self.answers[answer.question_id] = answer
        self._standing = None

    def step_closed(self, step_id: str) -> None:
        self.closed.add(step_id)
        self._standing = None


class Conversation(Protocol):
    """What a feature may ask of the engine."""

    plan: Plan
    today: Callable[[], date]
    invite_link: Callable[[str], str]
    invite_days: int
    invite_uses: int

    def show(self, turn: Turn) -> list[Message]:
        """The message for the person's current position (after a feature changed or left it)."""
        ...

    def not_now(self, turn: Turn, event: Event | None) -> Message:
        """The explanation for a press or input that does not fit where the person is."""
        ...


class Feature(Protocol):
    """A feature with menus of its own (a module: committee, paperwork, health, scoring, reminders, privacy)."""

    MENUS: set[str]

    def menu(self, conv: Conversation, turn: Turn) -> Message | None:
        """The message of the open menu, or None when it no longer applies."""
        ...

    def choose(self, conv: Conversation, turn: Turn, value: str) -> list[Message]:
        """A button pressed in the open menu."""
        ...
