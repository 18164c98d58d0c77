"""Where a person is in the conversation, as typed models (stored as JSON, one row per person and project).

A position says what the person is looking at: a question (with a compound answer being
built in its draft), a step's review, the stage review, the edit menus, one of the feature
menus, or nothing to do. `back` is where to return after changing an earlier answer or
leaving a menu; it is stored under the key "return", as earlier versions wrote it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class QuestionDraft(_State):
    """A compound answer being built: fields of an entry, entries of a list, ticks of a multiple choice.

    An answered list is changed one entry at a time (`listing`): the person picks an entry to change
    (`changing` is its index, or `len(entries)` for a new one) or to remove (`removing`); each change is
    stored at once, so `entries` is then the stored list.
    """

    field: int = 0
    entry: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    selected: list[str] = []
    other: str | None = None  # the text typed for "Other…", kept while ticking goes on
    other_pending: bool = False
    more: bool = False  # a list entry is finished: asking whether to add another
    listing: bool = False  # an answered list is being changed entry by entry
    changing: int | None = None  # the entry whose fields are being asked while `listing`
    removing: bool = False  # choosing the entry to remove while `listing`
    changed: bool = False  # a change to the list was stored while `listing`


class MenuForm(_State):
    """What a multi-step menu has gathered so far (the ten-keys check, scoring a candidate)."""

    i: int = 0
    scores: dict[str, int | None] = {}
    pros: str = ""
    cons: str = ""


class AtStart(_State):
    at: Literal["start"] = "start"


class AtIdle(_State):
    at: Literal["idle"] = "idle"


class AtFinished(_State):
    at: Literal["finished"] = "finished"


class AtQuestion(_State):
    at: Literal["question"] = "question"
    q: str
    draft: QuestionDraft = Field(default_factory=QuestionDraft)
    back: Position | None = Field(default=None, alias="return")


class AtReview(_State):
    at: Literal["review"] = "review"
    step: str


class AtStageReview(_State):
    at: Literal["stage_review"] = "stage_review"
    stage: int


class AtEditSteps(_State):
    at: Literal["edit_steps"] = "edit_steps"
    back: Position = Field(default_factory=AtStart, alias="return")


class AtEditQuestions(_State):
    at: Literal["edit_questions"] = "edit_questions"
    step: str
    back: Position = Field(default_factory=AtStart, alias="return")


class AtMenu(_State):
    at: Literal["menu"] = "menu"
    menu: str
    arg: str | int | None = None
    draft: MenuForm = Field(default_factory=MenuForm)
    back: Position = Field(default_factory=AtStart, alias="return")


Position = Annotated[
    AtStart | AtIdle | AtFinished | AtQuestion | AtReview | AtStageReview | AtEditSteps | AtEditQuestions | AtMenu,
    Field(discriminator="at"),
]

for _model in (AtQuestion, AtEditSteps, AtEditQuestions, AtMenu):
    _model.model_rebuild()

_POSITION: TypeAdapter[Position] = TypeAdapter(Position)


def load_position(stored: dict[str, Any] | None) -> Position | None:
    """A stored position; one this version cannot read starts the person at their next question."""
    if stored is None:
        return None
    try:
        return _POSITION.validate_python(stored)
    except ValueError:
        return AtStart()


def dump_position(position: Position) -> dict[str, Any]:
    return position.model_dump(by_alias=True, exclude_none=True)


def resume_point(position: Position) -> Position:
    """Where to come back to after a menu or an edit: never into another menu or edit."""
    if isinstance(position, AtEditSteps | AtEditQuestions | AtMenu):
        return position.back
    if isinstance(position, AtQuestion) and position.back is not None:
        return position.back
    return position


def back_of(position: Position) -> Position:
    """Where a menu, an edit or an edited question returns to."""
    back = getattr(position, "back", None)
    return back if back is not None else AtStart()
