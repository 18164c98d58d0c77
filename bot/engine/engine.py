"""The conversation: takes one event from one person and returns what to say.

The engine knows no Telegram and no terminal. Each call loads the person's position from
the store, applies the event, stores every confirmed answer before replying, and saves the
new position, so a new process continues exactly where the last one stopped.

A position is a small JSON object:
  {"at": "question", "q": <id>, "draft": {...}, "return": <position or absent>}
  {"at": "review", "step": <id>}
  {"at": "edit_steps", "return": <position>}
  {"at": "edit_questions", "step": <id>, "return": <position>}
  {"at": "finished"}
`draft` holds a compound answer being built (fields so far, entries of a repeat, ticks of
a multiple choice); `return` is where to go back to after changing an earlier answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.engine import committee, health, paperwork, privacy, prompts, reminders, scoring
from bot.engine.flow import Standing, can_skip, current_spec, skips_whole_question
from bot.engine.messages import Attachment, Command, Event, Message, Press, Text, Unreadable, Upload, User
from bot.i18n import Translator, supported, translator
from bot.plan.answers import InvalidAnswer, format_value, parse
from bot.plan.builtins import fields_of
from bot.plan.models import FieldSpec, Plan, Question, QuestionType, Step
from bot.storage.store import Answer, Member, Project, Store

log = logging.getLogger(__name__)

Position = dict[str, Any]
PENDING = object()  # a multiple choice or "other" text still being completed


@dataclass
class Turn:
    """Everything one event needs: who, in which language, which project, and where they are."""

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

    @property
    def coordinator(self) -> bool:
        return self.role == "coordinator"

    def name_of(self, user_id: int) -> str:
        if user_id == 0:
            return self.t.gettext("a former member")  # someone who asked to be forgotten
        member = self.members.get(user_id)
        return member.name if member and member.name else self.t.gettext("a committee member")

    def may_answer(self, step: Step) -> bool:
        """Members answer the steps assigned to them; the coordinator the opening questions and the rest."""
        if step.stage == 0:
            return self.coordinator
        owner = self.assignments.get(step.id)
        return owner == self.user or (owner is None and self.coordinator)

    @property
    def standing(self) -> Standing:
        values = {qid: answer.value for qid, answer in self.answers.items()}
        return Standing(self.plan, values, frozenset(self.answers), frozenset(self.closed))


class Engine:
    """One engine serves every user of one database; it holds no per-user state in memory."""

    def __init__(
        self,
        plan: Plan,
        store: Store,
        today: Callable[[], date] = date.today,
        invite_link: Callable[[str], str] = lambda token: f"/start {token}",
        invite_days: int = 7,
        invite_uses: int = 1,
    ) -> None:
        self.plan = plan
        self.store = store
        self.today = today
        self.invite_link = invite_link  # the front end knows how a token becomes a link
        self.invite_days = invite_days
        self.invite_uses = invite_uses
        self._questions = plan.questions()

    # entry points

    async def handle(self, user: User, event: Event) -> list[Message]:
        """Apply one event from one person; return what to say (to them, and to others).

        When the database cannot be written (locked by another process, or the disk is full) the
        open transaction is rolled back, so nothing is half-stored, and the person is asked to try again.
        """
        try:
            return await self._handle(user, event)
        except sqlite3.OperationalError as error:
            log.warning("database not writable: %s", error)
            await self.store.rollback()
            t = translator(supported(user.language_code))
            text = t.gettext("I cannot save anything right now. Nothing was changed: please try again in a minute.")
            return [Message(text)]

    async def _handle(self, user: User, event: Event) -> list[Message]:
        language = await self.store.ensure_user(user.id, supported(user.language_code), user.name)
        t = translator(language)
        out: list[Message] = []
        if isinstance(event, Command) and event.name.lower().lstrip("/") == "start" and event.argument:
            joined, messages = await committee.join(self.store, user.id, t, event.argument.strip())
            out += messages
            if not joined and await self.store.current_project(user.id) is None:
                return out
        project_id = await self._project_for(user.id)
        if project_id is None:
            project_id = (await self.store.create_project(user.id, language)).id
            out.append(Message(t.gettext("Welcome! I will walk you through building a town twinning, step by step.")))
        position = await self.store.position(user.id, project_id)
        turn = await self._load(user.id, project_id, t, position or {"at": "start"})
        if position is None:
            if isinstance(event, Press):
                out.append(self._not_now(turn, event))
            out += self._help_line(turn) + await self._advance(turn)
        elif isinstance(event, Command):
            out += await self._command(turn, event)
        else:
            out += await self._input(turn, event)
        if not turn.gone:
            await self.store.save_position(user.id, turn.project.id, turn.position)
        if turn.switch_to is not None:
            turn = await self._load(user.id, turn.switch_to, turn.t, {"at": "start"})
            turn.position = await self.store.position(user.id, turn.project.id) or {"at": "start"}
            name = turn.project.name or turn.t.gettext("a new project")
            out += [Message(turn.t.gettext("You are now working on {name}.").format(name=name))]
            out += await self._show(turn)
            await self.store.save_position(user.id, turn.project.id, turn.position)
        key = self.prompt_key(turn)
        for message in out:
            if message.buttons and message.to_user is None and not message.to_groups:
                message.prompt = key
        return out

    async def _project_for(self, user_id: int) -> int | None:
        """The project the person is working on: their current one, else the first they belong to."""
        current = await self.store.current_project(user_id)
        if current is not None and await self.store.role(current, user_id):
            return current
        projects = await self.store.projects_of(user_id)
        if not projects:
            return None
        await self.store.set_current_project(user_id, projects[0][0].id)
        return projects[0][0].id

    @staticmethod
    def prompt_key(turn: Turn) -> str:
        """A short fingerprint of what the person is being asked now, to recognise stale buttons."""
        position, draft = turn.position, turn.position.get("draft", {})
        parts = [
            turn.project.id,
            position.get("at"),
            position.get("q"),
            position.get("step"),
            position.get("menu"),
            position.get("arg"),
            draft.get("field"),
            len(draft.get("entries", [])),
            draft.get("more"),
            draft.get("other_pending"),
            draft.get("i"),  # the criterion a /score is at
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]

    async def status_of(self, project_id: int, language: str) -> Message:
        """The progress of a project for its group chat, without anyone's position."""
        turn = await self._load(0, project_id, translator(language), {"at": "start"})
        drafts = len(await self.store.latest_documents(project_id))
        who = self._who(turn)
        status = prompts.status(turn.t, turn.standing, turn.project.name, drafts, who)
        status.files.append(prompts.status_picture(turn.t, turn.standing, turn.project.name, who))
        return status

    async def due_reminders(self) -> list[Message]:
        """Reminders whose time has come, for the front end to deliver (each is handed out once)."""
        return await reminders.due(self)

    async def set_language(self, user: User, language: str) -> None:
        await self.store.ensure_user(user.id, supported(language), user.name)
        await self.store.set_user_language(user.id, supported(language))

    async def _load(self, user: int, project_id: int, t: Translator, position: Position) -> Turn:
        project = await self.store.project(project_id)
        assert project is not None, "a session always points at an existing project"
        members = {m.user_id: m for m in await self.store.members(project_id)}
        return Turn(
            plan=self.plan,
            user=user,
            t=t,
            project=project,
            answers=await self.store.answers(project_id),
            closed=await self.store.closed_steps(project_id),
            position=position,
            role=members[user].role if user in members else "member",
            assignments=await self.store.assignments(project_id),
            closed_stages=await self.store.closed_stages(project_id),
            members=members,
        )

    def _help_line(self, turn: Turn) -> list[Message]:
        return [Message(turn.t.gettext("Type /help at any time to see what you can do."))]

    # moving through the plan

    async def _advance(self, turn: Turn) -> list[Message]:
        """Go to what this person should do next: a stage to close, a question, a review, or nothing."""
        standing = turn.standing
        stage = self._stage_to_close(turn)
        if stage is not None and turn.coordinator:
            turn.position = {"at": "stage_review", "stage": stage}
            return [prompts.stage_review(turn.t, standing, stage)]
        step = self._next_step(turn)
        if step is None:
            turn.position = {"at": "finished" if self._all_done(turn) else "idle"}
            return [self._finished(turn) if self._all_done(turn) else self._idle(turn)]
        question = standing.next_question(step)
        if question is None:
            if step.stage == 0:  # the opening questions need no review
                await self.store.close_step(turn.project.id, step.id, turn.user)
                turn.closed.add(step.id)
                return await self._advance(turn)
            turn.position = {"at": "review", "step": step.id}
            return [prompts.review(turn.t, standing, step)]
        entering = self._step_of(turn.position) != step.id
        turn.position = {"at": "question", "q": question.id, "draft": {}}
        intro = [prompts.step_intro(turn.t, standing, step)] if entering else []
        return [*intro, self._question_prompt(turn)]

    def _next_step(self, turn: Turn) -> Step | None:
        """The step to work on: the one in hand while it is open, else the first open step this person answers."""
        current = self._step_of(turn.position)
        if current and current in self.plan.steps and current not in turn.closed:
            step = self.plan.steps[current]
            if turn.may_answer(step):
                return step
        return next((s for s in self.plan.ordered_steps() if s.id not in turn.closed and turn.may_answer(s)), None)

    def _stage_to_close(self, turn: Turn) -> int | None:
        """The first stage whose steps are all closed but which the coordinator has not closed yet."""
        for stage in self.plan.stages:
            if stage.number not in turn.closed_stages and all(s in turn.closed for s in stage.steps):
                return stage.number
        return None

    def _all_done(self, turn: Turn) -> bool:
        return len(turn.closed_stages) == len(self.plan.stages)

    def _idle(self, turn: Turn) -> Message:
        """Nothing for this person now: say so, and who still has open steps."""
        t = turn.t
        lines = [t.gettext("Nothing is waiting for you right now.")]
        open_steps = [s for s in self.plan.steps.values() if s.id not in turn.closed]
        for step in open_steps:
            owner = turn.assignments.get(step.id)
            who = turn.name_of(owner) if owner else t.gettext("not assigned yet")
            lines.append(
                t.gettext("Step {number}: {title} ({who})").format(
                    number=step.number, title=prompts.say(t, step.title, turn.standing.kind), who=who
                )
            )
        if not turn.coordinator:
            lines.append(t.gettext("The coordinator assigns steps with /assign; I will tell you when one is yours."))
        return Message("\n".join(lines))

    def _who(self, turn: Turn) -> dict[str, str]:
        """Per step, who it is assigned to and who answered its questions, for /status."""
        who = {}
        for step in self.plan.steps.values():
            authors = {turn.answers[q.id].author for q in step.questions if q.id in turn.answers}
            owner = turn.assignments.get(step.id)
            names = sorted({turn.name_of(a) for a in authors})
            parts = []
            if owner is not None:
                parts.append(turn.t.gettext("assigned to {name}").format(name=turn.name_of(owner)))
            if names:
                parts.append(turn.t.gettext("answered by {names}").format(names=", ".join(names)))
            who[step.id] = "; ".join(parts)
        return who

    @staticmethod
    def _menus(turn: Turn) -> Any:
        """The module whose menu is open: the drafts', the ten-keys check's or the committee's."""
        menu = turn.position.get("menu")
        for module in (paperwork, health, reminders, scoring, privacy):
            if menu in module.MENUS:
                return module
        return committee

    def _step_of(self, position: Position) -> str | None:
        if position.get("at") == "question" and position["q"] in self._questions:
            return self.plan.step_of(position["q"]).id
        return position.get("step")

    async def _show(self, turn: Turn) -> list[Message]:
        """The message for the current position, as it is now."""
        at = turn.position.get("at")
        standing = turn.standing
        if at == "question":
            question = self._questions.get(turn.position["q"])
            step = self.plan.step_of(question.id) if question else None
            if step is None or not turn.may_answer(step) or question not in standing.questions(step):
                return await self._advance(turn)  # the plan, an earlier answer or the assignment changed
            return [self._question_prompt(turn)]
        if at == "review":
            return [prompts.review(turn.t, standing, self.plan.steps[turn.position["step"]])]
        if at == "edit_steps":
            return [prompts.pick_step(turn.t, standing, self._editable_steps(turn))]
        if at == "edit_questions":
            return [prompts.pick_question(turn.t, standing, self._step(turn.position["step"]))]
        if at == "stage_review" and turn.coordinator and turn.position["stage"] not in turn.closed_stages:
            return [prompts.stage_review(turn.t, standing, turn.position["stage"])]
        if at == "menu":
            message = await self._menus(turn).menu(self, turn)
            if message is not None:
                return [message]
            turn.position = turn.position.get("return", {"at": "start"})
            return await self._show(turn)
        return await self._advance(turn)

    def _question_prompt(self, turn: Turn) -> Message:
        question = self._questions[turn.position["q"]]
        answer = turn.answers.get(question.id)
        standing = turn.standing
        previous = standing.previous_question(self.plan.step_of(question.id), question.id)
        return prompts.question_prompt(
            turn.t,
            standing,
            question,
            turn.position.get("draft", {}),
            answer.value if answer else None,
            answered=answer is not None,
            can_go_back=previous is not None and "return" not in turn.position,
        )

    def _finished(self, turn: Turn) -> Message:
        return Message(
            turn.t.gettext("All three stages are closed. Use /documents for the drafts and /edit to change an answer.")
        )

    def _step(self, step_id: str) -> Step:
        return self.plan.setup if step_id == self.plan.setup.id else self.plan.steps[step_id]

    # commands

    async def _command(self, turn: Turn, command: Command) -> list[Message]:
        t = turn.t
        name = command.name.lower().lstrip("/")
        if name == "start":
            greeting = t.gettext("Welcome back. We continue where you left off.")
            return [Message(greeting)] + await self._show(turn)
        if name == "help":
            return [prompts.help_text(t)] + await self._show(turn)
        if name == "status":
            drafts = len(await self.store.latest_documents(turn.project.id))
            who = self._who(turn)
            status = prompts.status(t, turn.standing, turn.project.name, drafts, who)
            status.files.append(prompts.status_picture(t, turn.standing, turn.project.name, who))
            return [status, *await self._show(turn)]
        if name == "documents":
            return await paperwork.open_documents(self, turn, command.argument)
        if name == "template":
            return await paperwork.open_template(self, turn)
        if name == "check":
            return await health.open_check(self, turn)
        if name == "reminders":
            return await reminders.open_list(self, turn)
        if name == "mydata":
            return await privacy.my_data(self, turn)
        if name == "export":
            return await privacy.export(self, turn)
        if name in ("forgetme", "deleteproject"):
            return await privacy.ask(self, turn, "forget" if name == "forgetme" else "delete_project")
        if name == "score":
            return await scoring.open_scoring(self, turn)
        if name == "ranking":
            return await scoring.ranking(self, turn)
        if name == "back":
            return await self._back(turn)
        if name == "skip":
            return await self._skip(turn)
        if name == "edit":
            return await self._begin_edit(turn)
        if name == "cancel":
            return await self._cancel(turn)
        if name in committee.MENUS:
            return await committee.open_menu(self, turn, name, command.argument)
        return [
            Message(t.gettext("I do not know that command. Type /help to see what you can do."))
        ] + await self._show(turn)

    async def _back(self, turn: Turn) -> list[Message]:
        t, position = turn.t, turn.position
        if position.get("at") == "question" and "return" in position:
            return await self._cancel(turn)
        if position.get("at") not in ("question", "review"):
            return [Message(t.gettext("There is no previous question here."))] + await self._show(turn)
        step = self._step(self._step_of(position) or "")
        current = position.get("q") if position.get("at") == "question" else None
        previous = turn.standing.previous_question(step, current)
        if previous is None:
            note = t.gettext(
                "This is the first question of this step. Use /edit to change an answer of an earlier step."
            )
            return [Message(note)] + await self._show(turn)
        turn.position = {"at": "question", "q": previous.id, "draft": {}}
        return [self._question_prompt(turn)]

    async def _skip(self, turn: Turn) -> list[Message]:
        t, position = turn.t, turn.position
        if position.get("at") != "question":
            return [Message(t.gettext("There is no question to skip here."))] + await self._show(turn)
        question = self._questions[position["q"]]
        draft = position.setdefault("draft", {})
        if draft.get("more"):
            return await self._finish_entries(turn, question, draft)
        if skips_whole_question(question, draft):
            return await self._save(turn, question, None)
        if not can_skip(question, draft):
            return [Message(t.gettext("This question needs an answer; it cannot be skipped."))] + await self._show(turn)
        return await self._field_done(turn, question, draft, None)

    def _editable_steps(self, turn: Turn) -> list[Step]:
        standing = turn.standing
        return [
            s
            for s in self.plan.ordered_steps()
            if turn.may_answer(s) and any(q.id in standing.answered for q in standing.questions(s))
        ]

    async def _begin_edit(self, turn: Turn) -> list[Message]:
        steps = self._editable_steps(turn)
        if not steps:
            return [Message(turn.t.gettext("There are no answers to change yet.")), *await self._show(turn)]
        turn.position = {"at": "edit_steps", "return": self._resume_point(turn.position)}
        return [prompts.pick_step(turn.t, turn.standing, steps)]

    @staticmethod
    def _resume_point(position: Position) -> Position:
        """Where to come back to after an edit: never into another edit."""
        return position.get("return", position)

    async def _cancel(self, turn: Turn) -> list[Message]:
        if "return" not in turn.position:
            return [Message(turn.t.gettext("There is nothing to cancel."))] + await self._show(turn)
        turn.position = turn.position["return"]
        return [Message(turn.t.gettext("Nothing was changed."))] + await self._show(turn)

    # answers

    async def _input(self, turn: Turn, event: Event) -> list[Message]:
        if isinstance(event, Press) and event.prompt is not None and event.prompt != self.prompt_key(turn):
            return [self._not_now(turn, event)] + await self._show(turn)
        if isinstance(event, Unreadable):
            return [self._not_now(turn, event)] + await self._show(turn)
        if isinstance(event, Upload):
            return await paperwork.upload(self, turn, event)
        at = turn.position.get("at")
        if at == "question" and not turn.may_answer(self.plan.step_of(turn.position["q"])):
            note = turn.t.gettext("This step is now in someone else's hands; nothing was changed.")
            return [Message(note)] + await self._advance(turn)
        if at == "question":
            return await self._answer(turn, event)
        if at == "menu" and isinstance(event, Press):
            return await self._menus(turn).choose(self, turn, event.value)
        if at == "menu" and isinstance(event, Text) and turn.position.get("menu") in scoring.MENUS:
            return await scoring.text(self, turn, event.text)  # pros and cons are typed
        value = event.value if isinstance(event, Press) else None
        if at == "review" and value == "close":
            return await self._close_step(turn, turn.position["step"])
        if at == "stage_review" and value == "close_stage" and turn.coordinator:
            return await self._close_stage(turn, turn.position["stage"])
        if at == "stage_review" and value == "change":
            return await self._begin_edit(turn)
        if at == "stage_review" and value == "health":
            return await health.open_check(self, turn)
        if at == "review" and value == "change":
            step = turn.position["step"]
            turn.position = {"at": "edit_questions", "step": step, "return": {"at": "review", "step": step}}
            return await self._show(turn)
        if at == "edit_steps" and value and value.startswith("step:"):
            step_id = value.removeprefix("step:")
            if step_id in {s.id for s in self._editable_steps(turn)}:
                turn.position = {"at": "edit_questions", "step": step_id, "return": turn.position["return"]}
                return await self._show(turn)
        if at == "edit_questions" and value and value.startswith("q:"):
            question_id = value.removeprefix("q:")
            step = self._step(turn.position["step"])
            if question_id in {q.id for q in turn.standing.questions(step)} and question_id in turn.answers:
                turn.position = {"at": "question", "q": question_id, "draft": {}, "return": turn.position["return"]}
                return [self._question_prompt(turn)]
        return [self._not_now(turn, event)] + await self._show(turn)

    def _not_now(self, turn: Turn, event: Event | None) -> Message:
        if event is None or isinstance(event, Press):
            text = turn.t.gettext("That button belongs to an earlier message. Here is where we are now.")
            return Message(text, stale=True)
        if isinstance(event, Unreadable):
            return Message(turn.t.gettext("I can only read typed text and button presses. Please type your answer."))
        return Message(turn.t.gettext("Please choose one of the buttons below."))

    async def _answer(self, turn: Turn, event: Event) -> list[Message]:
        question = self._questions[turn.position["q"]]
        draft = turn.position.setdefault("draft", {})
        if isinstance(event, Press):
            offered = {button.value for button in self._question_prompt(turn).buttons}
            if event.value not in offered:
                return [self._not_now(turn, event), self._question_prompt(turn)]
            if event.value == "skip":
                return await self._skip(turn)
            if event.value == "back":
                return await self._back(turn)
            if event.value == "keep":
                return [Message(turn.t.gettext("Kept as it was."))] + await self._continue(turn)
            if draft.get("more"):
                if event.value == "done":
                    return await self._finish_entries(turn, question, draft)
                draft["more"] = False
                return [self._question_prompt(turn)]
        elif draft.get("more"):
            return [self._not_now(turn, event), self._question_prompt(turn)]
        spec = current_spec(question, draft)
        try:
            value = self._read(turn, spec, draft, event)
        except InvalidAnswer as problem:
            return [Message(problem.message), self._question_prompt(turn)]
        if value is PENDING:
            return [self._question_prompt(turn)]
        if spec is question:
            return await self._save(turn, question, value)
        return await self._field_done(turn, question, draft, value)

    def _read(self, turn: Turn, spec: Question | FieldSpec, draft: dict[str, Any], event: Event) -> Any:
        """The value for `spec` from this event, or PENDING while a multiple choice is being ticked."""
        t, kind = turn.t, turn.standing.kind
        if spec.type == QuestionType.multi:
            return self._read_multi(t, spec, draft, event)
        text = event.value.removeprefix("o:") if isinstance(event, Press) else event.text
        return parse(spec, text, t, kind)

    def _read_multi(self, t: Translator, spec: Question | FieldSpec, draft: dict[str, Any], event: Event) -> Any:
        selected: list[str] = draft.setdefault("selected", [])
        if draft.get("other_pending"):
            if not isinstance(event, Text):
                raise InvalidAnswer(t.gettext("Type your other answer."))
            other = parse(FieldSpec(id="other", type=QuestionType.text, text=""), event.text, t, None)
            return {"selected": selected, "other": other}
        if isinstance(event, Press):
            if event.value == "other":
                draft["other_pending"] = True
                return PENDING
            if event.value == "done":
                if not selected and spec.required:
                    raise InvalidAnswer(t.gettext("Please choose at least one option, then press Done."))
                return {"selected": selected, "other": None}
            option = event.value.removeprefix("o:")
            selected.remove(option) if option in selected else selected.append(option)
            return PENDING
        value = parse(spec, event.text, t, None)
        if not value["selected"] and value["other"] is None:
            raise InvalidAnswer(t.gettext("Please choose at least one option."))
        if value["other"] == "":
            draft.update(selected=value["selected"], other_pending=True)
            return PENDING
        return value

    async def _field_done(self, turn: Turn, question: Question, draft: dict[str, Any], value: Any) -> list[Message]:
        """Keep a field's value in the draft and move to the next field, entry or save."""
        fields = fields_of(question)
        spec = fields[draft.get("field", 0)]
        entry = draft.setdefault("entry", {})
        entry[spec.id] = value
        for key in ("selected", "other_pending"):
            draft.pop(key, None)
        draft["field"] = draft.get("field", 0) + 1
        if draft["field"] < len(fields):
            return [self._question_prompt(turn)]
        if question.type != QuestionType.repeat:
            return await self._save(turn, question, entry)
        entries = draft.setdefault("entries", [])
        entries.append(entry)
        draft.update(entry={}, field=0)
        if len(entries) >= question.max_entries:
            return await self._finish_entries(turn, question, draft)
        draft["more"] = True
        return [self._question_prompt(turn)]

    async def _finish_entries(self, turn: Turn, question: Question, draft: dict[str, Any]) -> list[Message]:
        entries = draft.get("entries", [])
        if len(entries) < question.min_entries:
            draft["more"] = False
            note = turn.t.ngettext(
                "Please add at least {count} entry.", "Please add at least {count} entries.", question.min_entries
            ).format(count=question.min_entries)
            return [Message(note), self._question_prompt(turn)]
        return await self._save(turn, question, entries)

    async def _save(self, turn: Turn, question: Question, value: Any) -> list[Message]:
        """Commit the answer, then confirm it (telling whoever answered it before) and move on."""
        t = turn.t
        earlier = turn.answers.get(question.id)
        turn.answers[question.id] = await self.store.save_answer(turn.project.id, question.id, value, turn.user)
        await self._sync_project(turn, question.id, value)
        await reminders.after_answer(self, turn, question, value)
        kind = turn.standing.kind
        if value is None:
            out = [Message(t.gettext("Skipped. You can answer it later with /edit."))]
        else:
            shown = prompts.shorten(format_value(question, value, t, kind), 300)
            out = [Message(t.gettext("Saved: {answer}").format(answer=shown))]
        if earlier is not None and earlier.author != turn.user and earlier.value is not None:
            out += self._overwrite_notices(turn, question, earlier, value)
        return out + await self._continue(turn)

    def _overwrite_notices(self, turn: Turn, question: Question, earlier: Answer, value: Any) -> list[Message]:
        """Two people answered the same question: the later answer wins, and both are told."""
        t, kind = turn.t, turn.standing.kind
        old = prompts.shorten(format_value(question, earlier.value, t, kind), 200)
        mine = t.gettext(
            "{name} had answered this before ({answer}). Your answer replaces it; the earlier one stays in the history."
        ).format(name=turn.name_of(earlier.author), answer=old)
        theirs_t = translator(turn.members[earlier.author].language) if earlier.author in turn.members else t
        new = prompts.shorten(format_value(question, value, theirs_t, kind), 200) or theirs_t.gettext("(skipped)")
        theirs = theirs_t.gettext(
            "{name} changed your answer to \u201c{question}\u201d to: {answer}. Your answer stays in the history."
        ).format(name=turn.name_of(turn.user), question=prompts.say(theirs_t, question.text, kind), answer=new)
        return [Message(mine), Message(theirs, to_user=earlier.author)]

    async def _continue(self, turn: Turn) -> list[Message]:
        """After an answer: back to where an edit started, or on through the plan."""
        if "return" in turn.position:
            turn.position = turn.position["return"]
            return await self._show(turn)
        return await self._advance(turn)

    async def _sync_project(self, turn: Turn, question_id: str, value: Any) -> None:
        """Keep the project's name and kind, which lists and wording use, in step with the answers."""
        if question_id == "municipality" and value:
            await self.store.update_project(turn.project.id, name=value)
        elif question_id == "kind" and value:
            await self.store.update_project(turn.project.id, kind=value)
        else:
            return
        turn.project = await self.store.project(turn.project.id) or turn.project

    # closing steps and stages

    async def _close_step(self, turn: Turn, step_id: str) -> list[Message]:
        t = turn.t
        step = self.plan.steps[step_id]
        await self.store.close_step(turn.project.id, step_id, turn.user)
        await reminders.step_closed(self.store, turn.project.id, step_id)
        turn.closed.add(step_id)
        out = [Message(t.gettext("Step {number} is closed.").format(number=step.number))]
        out += self._to_committee(
            turn,
            lambda t2: t2.gettext("{project}: step {number} ({title}) was closed by {name}.").format(
                project=turn.project.name,
                number=step.number,
                name=turn.name_of(turn.user),
                title=prompts.say(t2, step.title, turn.standing.kind),
            ),
            groups_only=True,
        )
        stage = self._stage_to_close(turn)
        if stage == step.stage and not turn.coordinator:
            for member in turn.members.values():
                if member.role == "coordinator":
                    t2 = translator(member.language)
                    text = t2.gettext(
                        "All steps of stage {stage} are closed. Send /start to review and close the stage."
                    )
                    out.append(Message(text.format(stage=stage), to_user=member.user_id))
        return out + await self._advance(turn)

    def _to_committee(
        self,
        turn: Turn,
        text: Callable[[Translator], str],
        files: list[Attachment] | None = None,
        groups_only: bool = False,
    ) -> list[Message]:
        """The same news for the group chats and (unless `groups_only`) every other member, each in their language."""
        group_t = translator(turn.project.document_language)
        out = [Message(text(group_t), files=files or [], to_groups=True)]
        if not groups_only:
            out += [
                Message(text(translator(m.language)), files=files or [], to_user=m.user_id)
                for m in turn.members.values()
                if m.user_id != turn.user
            ]
        return out

    async def _close_stage(self, turn: Turn, stage: int) -> list[Message]:
        """The coordinator's decision: the stage is done; its drafts go to everyone on the committee."""
        t = turn.t
        await self.store.close_stage(turn.project.id, stage, turn.user)
        turn.closed_stages.add(stage)
        drafts = await paperwork.make(self, turn, self.plan.documents_of(stage))
        text = t.gettext("Stage {number} is closed. Here are its drafts to discuss with the committee:")
        out = [Message(text.format(number=stage), files=drafts.files)]
        out += self._to_committee(
            turn,
            lambda t2: t2.gettext("{project}: stage {number} was closed by {name}. Here are its drafts:").format(
                project=turn.project.name, number=stage, name=turn.name_of(turn.user)
            ),
            drafts.files,
        )
        return out + await self._advance(turn)
