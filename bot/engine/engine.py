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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.documents.render import DocumentRenderer, ProjectFacts
from bot.engine import prompts
from bot.engine.answers import InvalidAnswer, format_value, parse
from bot.engine.flow import Standing, can_skip, current_spec, skips_whole_question
from bot.engine.messages import Attachment, Command, Event, Message, Press, Text, User
from bot.i18n import Translator, supported, translator
from bot.plan.builtins import fields_of
from bot.plan.models import FieldSpec, Plan, Question, QuestionType, Step
from bot.storage.store import Answer, Project, Store

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

    @property
    def standing(self) -> Standing:
        values = {qid: answer.value for qid, answer in self.answers.items()}
        return Standing(self.plan, values, frozenset(self.answers), frozenset(self.closed))


class Engine:
    """One engine serves every user of one database; it holds no per-user state in memory."""

    def __init__(self, plan: Plan, store: Store, today: Callable[[], date] = date.today) -> None:
        self.plan = plan
        self.store = store
        self.today = today
        self._questions = plan.questions()

    # entry points

    async def handle(self, user: User, event: Event) -> list[Message]:
        language = await self.store.ensure_user(user.id, supported(user.language_code), user.name)
        t = translator(language)
        project_id, position = await self.store.session(user.id)
        out: list[Message] = []
        if project_id is None:
            project = await self.store.create_project(user.id, language)
            project_id, position = project.id, None
            out.append(Message(t.gettext("Welcome! I will walk you through building a town twinning, step by step.")))
        turn = await self._load(user.id, project_id, t, position or {"at": "start"})
        if position is None:
            out += self._help_line(turn) + await self._advance(turn)
        elif isinstance(event, Command):
            out += await self._command(turn, event)
        else:
            out += await self._input(turn, event)
        await self.store.save_session(user.id, project_id, turn.position)
        return out

    async def set_language(self, user: User, language: str) -> None:
        await self.store.ensure_user(user.id, supported(language), user.name)
        await self.store.set_user_language(user.id, supported(language))

    async def _load(self, user: int, project_id: int, t: Translator, position: Position) -> Turn:
        project = await self.store.project(project_id)
        assert project is not None, "a session always points at an existing project"
        answers = await self.store.answers(project_id)
        closed = await self.store.closed_steps(project_id)
        return Turn(self.plan, user, t, project, answers, closed, position)

    def _help_line(self, turn: Turn) -> list[Message]:
        return [Message(turn.t.gettext("Type /help at any time to see what you can do."))]

    # moving through the plan

    async def _advance(self, turn: Turn) -> list[Message]:
        """Go to the next open question of the open step, its review, or the end of the plan."""
        standing = turn.standing
        step = standing.open_step()
        if step is None:
            turn.position = {"at": "finished"}
            return [self._finished(turn)]
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
            if question is None or question not in standing.questions(self.plan.step_of(question.id)):
                return await self._advance(turn)  # the plan or an earlier answer changed
            return [self._question_prompt(turn)]
        if at == "review":
            return [prompts.review(turn.t, standing, self.plan.steps[turn.position["step"]])]
        if at == "edit_steps":
            return [prompts.pick_step(turn.t, standing, self._editable_steps(turn))]
        if at == "edit_questions":
            return [prompts.pick_question(turn.t, standing, self._step(turn.position["step"]))]
        if at == "finished":
            return [self._finished(turn)]
        return await self._advance(turn)

    def _question_prompt(self, turn: Turn) -> Message:
        question = self._questions[turn.position["q"]]
        answer = turn.answers.get(question.id)
        return prompts.question_prompt(
            turn.t,
            turn.standing,
            question,
            turn.position.get("draft", {}),
            answer.value if answer else None,
            answered=answer is not None,
        )

    def _finished(self, turn: Turn) -> Message:
        return Message(
            turn.t.gettext(
                "All three stages are complete. Use /documents for the drafts and /edit to change an answer."
            )
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
            return [prompts.status(t, turn.standing, turn.project.name, drafts)] + await self._show(turn)
        if name == "documents":
            return [await self._documents(turn)] + await self._show(turn)
        if name == "back":
            return await self._back(turn)
        if name == "skip":
            return await self._skip(turn)
        if name == "edit":
            return self._begin_edit(turn)
        if name == "cancel":
            return await self._cancel(turn)
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
        return [s for s in self.plan.ordered_steps() if any(q.id in standing.answered for q in standing.questions(s))]

    def _begin_edit(self, turn: Turn) -> list[Message]:
        steps = self._editable_steps(turn)
        if not steps:
            return [Message(turn.t.gettext("There are no answers to change yet.")), self._question_prompt(turn)]
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

    async def _documents(self, turn: Turn) -> Message:
        t = turn.t
        stored = await self.store.latest_documents(turn.project.id)
        if not stored:
            return Message(t.gettext("No drafts yet: they are made when a stage is complete."))
        titles = {d.id: prompts.say(t, d.title, turn.standing.kind) for d in self.plan.documents}
        files = [
            Attachment(
                f"{d.kind}_v{d.version}_{d.language}.{d.format}",
                d.content,
                t.gettext("{title}, version {version}").format(title=titles.get(d.kind, d.kind), version=d.version),
            )
            for d in stored
        ]
        return Message(
            t.ngettext("{count} draft:", "{count} drafts:", len(files)).format(count=len(files)), files=files
        )

    # answers

    async def _input(self, turn: Turn, event: Event) -> list[Message]:
        at = turn.position.get("at")
        if at == "question":
            return await self._answer(turn, event)
        value = event.value if isinstance(event, Press) else None
        if at == "review" and value == "close":
            return await self._close_step(turn, turn.position["step"])
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

    def _not_now(self, turn: Turn, event: Event) -> Message:
        if isinstance(event, Press):
            return Message(turn.t.gettext("That button belongs to an earlier message. Here is where we are now."))
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
        """Commit the answer, then confirm it and move on."""
        t = turn.t
        turn.answers[question.id] = await self.store.save_answer(turn.project.id, question.id, value, turn.user)
        await self._sync_project(turn, question.id, value)
        if value is None:
            confirmation = t.gettext("Skipped. You can answer it later with /edit.")
        else:
            shown = format_value(question, value, t, turn.standing.kind)
            confirmation = t.gettext("Saved: {answer}").format(answer=prompts.shorten(shown, 300))
        return [Message(confirmation)] + await self._continue(turn)

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
        turn.closed.add(step_id)
        out = [Message(t.gettext("Step {number} is closed.").format(number=step.number))]
        if turn.standing.is_last_step_of_stage(step):
            out.append(await self._make_drafts(turn, step.stage))
        return out + await self._advance(turn)

    async def _make_drafts(self, turn: Turn, stage: int) -> Message:
        """Render, store and hand over every draft of a completed stage."""
        t = turn.t
        language = turn.project.document_language
        standing = turn.standing
        renderer = DocumentRenderer(self.plan, standing.values, translator(language), standing.kind)
        facts = ProjectFacts(
            name=turn.project.name, country=str(standing.values.get("country") or ""), kind=turn.project.kind or ""
        )
        files = []
        for document in self.plan.documents_of(stage):
            version = await self.store.next_version(turn.project.id, document.id, language, "md")
            rendered = renderer.render(document, facts, version, self.today())
            content = rendered.content.encode("utf-8")
            await self.store.save_document(turn.project.id, stage, document.id, language, "md", content)
            files.append(Attachment(rendered.filename, content, prompts.say(t, document.title, standing.kind)))
        text = t.gettext("Stage {number} is complete. Here are its drafts to discuss with the committee:").format(
            number=stage
        )
        return Message(text, files=files)
