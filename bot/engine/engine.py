"""The conversation: takes one event from one person and returns what to say.

The engine knows no Telegram and no terminal, and no thread or event loop either: `handle`
is a plain function of one unit of work (`Tx`), which the front end runs in the database
thread (`Database.run`). Everything the event reads and writes, from the person's position
to the stored answer, commits together or not at all, and the reply is released only once it
is durable. The engine keeps nothing in memory between events, so a new process continues
exactly where the last one stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.engine import committee, drafting, health, paperwork, privacy, prompts, reminders, scoring, translation
from bot.engine.flow import can_skip, current_spec, in_list_menu, skips_whole_question
from bot.engine.messages import Attachment, Command, Event, Message, Press, Text, Unreadable, Upload, User
from bot.engine.state import (
    AtEditQuestions,
    AtEditSteps,
    AtFinished,
    AtIdle,
    AtMenu,
    AtQuestion,
    AtReview,
    AtStageReview,
    AtStart,
    Position,
    QuestionDraft,
    back_of,
    dump_position,
    load_position,
    resume_point,
)
from bot.engine.turn import Feature, Turn
from bot.i18n import Translator, supported, translator
from bot.plan.answers import InvalidAnswer, format_entry, format_value, parse
from bot.plan.builtins import fields_of
from bot.plan.models import FieldSpec, Plan, Question, QuestionType, Step
from bot.storage.database import Tx
from bot.storage.records import Answer

log = logging.getLogger(__name__)

PENDING = object()  # a multiple choice or "other" text still being completed

# The features with menus of their own, each a module with MENUS, menu(conv, turn) and choose(conv, turn, value).
FEATURES: tuple[Feature, ...] = (paperwork, health, reminders, scoring, privacy, translation, committee)


class Engine:
    """One engine serves every user of one database; it holds no per-user state in memory."""

    def __init__(
        self,
        plan: Plan,
        today: Callable[[], date] = date.today,
        invite_link: Callable[[str], str] = lambda token: f"/start {token}",
        invite_days: int = 7,
        invite_uses: int = 1,
    ) -> None:
        self.plan = plan
        self.today = today
        self.invite_link = invite_link  # the front end knows how a token becomes a link
        self.invite_days = invite_days
        self.invite_uses = invite_uses
        self._questions = plan.questions()
        self._step_of = {q.id: step for step in plan.ordered_steps() for q in step.questions}
        self._steps = {step.id: step for step in plan.ordered_steps()}

    # entry points (each runs inside one unit of work)

    def handle(self, db: Tx, user: User, event: Event) -> list[Message]:
        """Apply one event from one person; return what to say (to them, and to others)."""
        language = db.users.ensure(user.id, supported(user.language_code), user.name)
        t = translator(language)
        out: list[Message] = []
        if isinstance(event, Command) and event.name.lower().lstrip("/") == "start" and event.argument:
            joined, messages = committee.join(db, user.id, t, event.argument.strip())
            out += messages
            if not joined and db.users.current_project(user.id) is None:
                return out
        project_id = self._project_for(db, user.id)
        if project_id is None:
            project_id = db.projects.create(user.id, language).id
            out.append(Message(t.gettext("Welcome! I will walk you through building a town twinning, step by step.")))
        position = load_position(db.positions.get(user.id, project_id))
        turn = self._load(db, user.id, project_id, t, position or AtStart())
        if position is None:
            if isinstance(event, Press):
                out.append(self.not_now(turn, event))
            out += self._help_line(turn) + self._advance(turn)
        elif isinstance(event, Command):
            out += self._command(turn, event)
        else:
            out += self._input(turn, event)
        if not turn.gone:
            db.positions.save(user.id, turn.project.id, dump_position(turn.position))
        if turn.switch_to is not None:
            turn = self._load(db, user.id, turn.switch_to, turn.t, AtStart())
            turn.position = load_position(db.positions.get(user.id, turn.project.id)) or AtStart()
            name = turn.project.name or turn.t.gettext("a new project")
            out += [Message(turn.t.gettext("You are now working on {name}.").format(name=name))]
            out += self.show(turn)
            db.positions.save(user.id, turn.project.id, dump_position(turn.position))
        key = self.prompt_key(turn)
        for message in out:
            if message.buttons and message.to_user is None and not message.to_groups:
                message.prompt = key
            if message.to_groups and message.project is None:
                message.project = turn.project.id
        return out

    def status_of(self, db: Tx, project_id: int, language: str) -> Message:
        """The progress of a project for its group chat, without anyone's position."""
        turn = self._load(db, 0, project_id, translator(language), AtStart())
        return self._status(turn)

    def due_reminders(self, db: Tx) -> list[Message]:
        """Reminders whose time has come, for the front end to deliver (each is handed out once)."""
        return reminders.due(db, self.plan)

    def set_language(self, db: Tx, user: User, language: str) -> None:
        db.users.ensure(user.id, supported(language), user.name)
        db.users.set_language(user.id, supported(language))

    @staticmethod
    def prompt_key(turn: Turn) -> str:
        """A short fingerprint of what the person is being asked now, to recognise stale buttons."""
        position = turn.position
        draft = position.draft if isinstance(position, AtQuestion) else QuestionDraft()
        form_step = position.draft.i if isinstance(position, AtMenu) else None
        parts = [
            turn.project.id,
            position.at,
            getattr(position, "q", None),
            getattr(position, "step", None),
            getattr(position, "menu", None),
            getattr(position, "arg", None),
            draft.field,
            len(draft.entries),
            draft.more,
            draft.other_pending,
            draft.listing,
            draft.changing,
            draft.removing,
            form_step,  # the criterion a /score or the key a /check is at
        ]
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]

    def _project_for(self, db: Tx, user_id: int) -> int | None:
        """The project the person is working on: their current one, else the first they belong to."""
        current = db.users.current_project(user_id)
        if current is not None and db.members.role(current, user_id):
            return current
        projects = db.projects.of_user(user_id)
        if not projects:
            return None
        db.users.set_current_project(user_id, projects[0][0].id)
        return projects[0][0].id

    def _load(self, db: Tx, user: int, project_id: int, t: Translator, position: Position) -> Turn:
        project = db.projects.get(project_id)
        assert project is not None, "a session always points at an existing project"
        members = {m.user_id: m for m in db.members.of(project_id)}
        return Turn(
            db=db,
            plan=self.plan,
            user=user,
            t=t,
            project=project,
            answers=db.answers.of(project_id),
            closed=db.progress.closed_steps(project_id),
            position=position,
            role=members[user].role if user in members else "member",
            assignments=db.progress.assignments(project_id),
            closed_stages=db.progress.closed_stages(project_id),
            members=members,
        )

    def _help_line(self, turn: Turn) -> list[Message]:
        return [Message(turn.t.gettext("Type /help at any time to see what you can do."))]

    # moving through the plan

    def _advance(self, turn: Turn) -> list[Message]:
        """Go to what this person should do next: a stage to close, a question, a review, or nothing."""
        if turn.partner:
            return translation.home(self, turn)
        standing = turn.standing
        stage = self._stage_to_close(turn)
        if stage is not None and turn.coordinator:
            turn.position = AtStageReview(stage=stage)
            return [prompts.stage_review(turn.t, standing, stage)]
        step = self._next_step(turn)
        if step is None:
            done = self._all_done(turn)
            turn.position = AtFinished() if done else AtIdle()
            return [self._finished(turn) if done else self._idle(turn)]
        question = standing.next_question(step)
        if question is None:
            if step.stage == 0:  # the opening questions need no review
                turn.db.progress.close_step(turn.project.id, step.id, turn.user)
                turn.step_closed(step.id)
                return self._advance(turn)
            turn.position = AtReview(step=step.id)
            return [prompts.review(turn.t, standing, step)]
        entering = self._step_id_of(turn.position) != step.id
        turn.position = AtQuestion(q=question.id)
        intro = [prompts.step_intro(turn.t, standing, step)] if entering else []
        return [*intro, self._question_prompt(turn)]

    def _next_step(self, turn: Turn) -> Step | None:
        """The step to work on: the one in hand while it is open, else the first open step this person answers."""
        current = self._step_id_of(turn.position)
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

    def _status(self, turn: Turn) -> Message:
        drafts = turn.db.documents.count_latest(turn.project.id)
        who = self._who(turn)
        name = turn.project.name or turn.t.gettext("a new project")
        status = prompts.status(turn.t, turn.standing, name, drafts, who)
        status.files.append(prompts.status_picture(turn.t, turn.standing, name, who))
        return status

    @staticmethod
    def _feature(position: AtMenu) -> Feature:
        """The module whose menu is open."""
        return next((module for module in FEATURES if position.menu in module.MENUS), committee)

    def _step_id_of(self, position: Position) -> str | None:
        if isinstance(position, AtQuestion) and position.q in self._step_of:
            return self._step_of[position.q].id
        return getattr(position, "step", None)

    def show(self, turn: Turn) -> list[Message]:
        """The message for the current position, as it is now."""
        position, standing = turn.position, turn.standing
        if isinstance(position, AtQuestion):
            question = self._questions.get(position.q)
            step = self._step_of.get(position.q)
            if (
                question is None
                or step is None
                or not turn.may_answer(step)
                or question not in standing.questions(step)
            ):
                return self._advance(turn)  # the plan, an earlier answer or the assignment changed
            return [self._question_prompt(turn)]
        if isinstance(position, AtReview) and position.step in self.plan.steps:
            return [prompts.review(turn.t, standing, self.plan.steps[position.step])]
        if isinstance(position, AtEditSteps):
            return [prompts.pick_step(turn.t, standing, self._editable_steps(turn))]
        if isinstance(position, AtEditQuestions) and position.step in self._steps:
            return [prompts.pick_question(turn.t, standing, self._steps[position.step])]
        if isinstance(position, AtStageReview) and turn.coordinator and position.stage not in turn.closed_stages:
            return [prompts.stage_review(turn.t, standing, position.stage)]
        if isinstance(position, AtMenu):
            message = self._feature(position).menu(self, turn)
            if message is not None:
                return [message]
            turn.position = position.back
            return self.show(turn)
        return self._advance(turn)

    def _question_prompt(self, turn: Turn, brief: bool = False) -> Message:
        position = turn.position
        assert isinstance(position, AtQuestion)
        question = self._questions[position.q]
        answer = turn.answers.get(question.id)
        standing = turn.standing
        previous = standing.previous_question(self._step_of[question.id], question.id)
        return prompts.question_prompt(
            turn.t,
            standing,
            question,
            position.draft,
            answer.value if answer else None,
            answered=answer is not None,
            can_go_back=previous is not None and position.back is None,
            earlier=self._confirmable(turn, question),
            brief=brief,
        )

    @staticmethod
    def _confirmable(turn: Turn, question: Question) -> Any:
        """For a question that confirms an earlier one (`confirm:`) and has no answer of its own yet: the
        earlier answer, to keep ("Still true?"); else None."""
        if question.confirm is None or question.id in turn.answers:
            return None
        earlier = turn.answers.get(question.confirm)
        return earlier.value if earlier is not None and earlier.value not in (None, "", [], {}) else None

    @staticmethod
    def _ask(turn: Turn, question: Question, back: Position | None) -> AtQuestion:
        """The position at an answered question: an answered list opens as its entries, to change one at a time."""
        position = AtQuestion(q=question.id, back=back)
        answer = turn.answers.get(question.id)
        if question.type == QuestionType.repeat and answer is not None and answer.value:
            position.draft = QuestionDraft(listing=True, entries=[dict(entry) for entry in answer.value])
        return position

    def _finished(self, turn: Turn) -> Message:
        return Message(
            turn.t.gettext("All three stages are closed. Use /documents for the drafts and /edit to change an answer.")
        )

    # commands

    def _command(self, turn: Turn, command: Command) -> list[Message]:
        t = turn.t
        name = command.name.lower().lstrip("/")
        if turn.partner and name not in translation.PARTNER_COMMANDS:
            return translation.not_for_partner(self, turn)
        if name == "start":
            greeting = t.gettext("Welcome back. We continue where you left off.")
            return [Message(greeting), *self.show(turn)]
        simple: dict[str, Callable[[], list[Message]]] = {
            "help": lambda: [prompts.help_text(t), *self.show(turn)],
            "status": lambda: [self._status(turn), *self.show(turn)],
            "documents": lambda: paperwork.open_documents(self, turn, command.argument),
            "template": lambda: paperwork.open_template(self, turn),
            "check": lambda: health.open_check(self, turn),
            "reminders": lambda: reminders.open_list(self, turn),
            "mydata": lambda: privacy.my_data(self, turn),
            "export": lambda: privacy.export(self, turn),
            "forgetme": lambda: privacy.ask(self, turn, "forget"),
            "deleteproject": lambda: privacy.ask(self, turn, "delete_project"),
            "score": lambda: scoring.open_scoring(self, turn),
            "ranking": lambda: scoring.ranking(self, turn),
            "translate": lambda: translation.open_round(self, turn),
            "back": lambda: self._back(turn),
            "skip": lambda: self._skip(turn),
            "edit": lambda: self._begin_edit(turn),
            "cancel": lambda: self._cancel(turn),
        }
        if name in simple:
            return simple[name]()
        if name in committee.MENUS:
            return committee.open_menu(self, turn, name, command.argument)
        return [Message(t.gettext("I do not know that command. Type /help to see what you can do.")), *self.show(turn)]

    def _back(self, turn: Turn) -> list[Message]:
        t, position = turn.t, turn.position
        if isinstance(position, AtQuestion) and self._back_within(position):
            return [self._question_prompt(turn)]
        if isinstance(position, AtQuestion) and position.back is not None:
            return self._cancel(turn)
        if not isinstance(position, AtQuestion | AtReview):
            return [Message(t.gettext("There is no previous question here.")), *self.show(turn)]
        step = self._steps[self._step_id_of(position) or ""]
        current = position.q if isinstance(position, AtQuestion) else None
        previous = turn.standing.previous_question(step, current)
        if previous is None:
            note = t.gettext(
                "This is the first question of this step. Use /edit to change an answer of an earlier step."
            )
            return [Message(note), *self.show(turn)]
        turn.position = self._ask(turn, previous, None)
        return [self._question_prompt(turn)]

    def _back_within(self, position: AtQuestion) -> bool:
        """One step back inside the answer being built: from the "Other" text to the ticks, from a field to the
        one before, from a new entry to "Add another?", from there into the last entry; the entries already
        finished stay. False when there is nothing to step back over (then /back goes to the previous question)."""
        draft = position.draft
        fields = fields_of(self._questions[position.q])
        if draft.other_pending:
            draft.other_pending = False
        elif draft.removing:
            draft.removing = False
        elif draft.changing is not None and draft.field == 0:
            draft.changing, draft.entry = None, {}
        elif draft.field > 0:
            draft.field -= 1
            draft.selected, draft.other = [], None
        elif draft.more:
            draft.entry, draft.field, draft.more = draft.entries.pop(), len(fields) - 1, False
        elif draft.entries and not draft.listing:
            draft.entry, draft.more = {}, True
        else:
            return False
        return True

    def _skip(self, turn: Turn) -> list[Message]:
        t, position = turn.t, turn.position
        if not isinstance(position, AtQuestion):
            return [Message(t.gettext("There is no question to skip here.")), *self.show(turn)]
        question = self._questions[position.q]
        draft = position.draft
        if in_list_menu(draft):
            return [Message(t.gettext("Please choose one of the buttons below.")), *self.show(turn)]
        if draft.more:
            return self._finish_entries(turn, question, draft)
        if skips_whole_question(question, draft):
            return self._save(turn, question, None)
        if not can_skip(question, draft):
            return [Message(t.gettext("This question needs an answer; it cannot be skipped.")), *self.show(turn)]
        return self._field_done(turn, question, draft, None)

    def _editable_steps(self, turn: Turn) -> list[Step]:
        standing = turn.standing
        return [
            s
            for s in self.plan.ordered_steps()
            if turn.may_answer(s) and any(q.id in standing.answered for q in standing.questions(s))
        ]

    def _begin_edit(self, turn: Turn) -> list[Message]:
        steps = self._editable_steps(turn)
        if not steps:
            return [Message(turn.t.gettext("There are no answers to change yet.")), *self.show(turn)]
        turn.position = AtEditSteps(back=resume_point(turn.position))
        return [prompts.pick_step(turn.t, turn.standing, steps)]

    def _cancel(self, turn: Turn) -> list[Message]:
        if getattr(turn.position, "back", None) is None:
            return [Message(turn.t.gettext("There is nothing to cancel.")), *self.show(turn)]
        listed = isinstance(turn.position, AtQuestion) and turn.position.draft.changed
        turn.position = back_of(turn.position)
        if listed:  # each change to a list was stored as it was made
            return [Message(turn.t.gettext("The changes you made to the list are saved.")), *self.show(turn)]
        return [Message(turn.t.gettext("Nothing was changed.")), *self.show(turn)]

    # answers

    def _input(self, turn: Turn, event: Event) -> list[Message]:
        position = turn.position
        if isinstance(event, Press) and event.prompt is not None and event.prompt != self.prompt_key(turn):
            return [self.not_now(turn, event), *self.show(turn)]
        if isinstance(event, Unreadable):
            return [self.not_now(turn, event), *self.show(turn)]
        if isinstance(event, Upload):
            return paperwork.upload(self, turn, event)
        if isinstance(position, AtQuestion):
            if not turn.may_answer(self._step_of[position.q]):
                note = turn.t.gettext("This step is now in someone else's hands; nothing was changed.")
                return [Message(note), *self._advance(turn)]
            return self._answer(turn, position, event)
        if isinstance(position, AtMenu) and isinstance(event, Press):
            return self._feature(position).choose(self, turn, event.value)
        if isinstance(position, AtMenu) and isinstance(event, Text) and position.menu in scoring.MENUS:
            return scoring.text(self, turn, event.text)  # pros and cons are typed
        if isinstance(position, AtMenu) and isinstance(event, Text) and position.menu in translation.MENUS:
            return translation.text(self, turn, event.text)  # translations are typed
        value = event.value if isinstance(event, Press) else None
        return self._choose(turn, position, value) or [self.not_now(turn, event), *self.show(turn)]

    def _choose(self, turn: Turn, position: Position, value: str | None) -> list[Message] | None:
        """A button of a review or an edit menu; None when it does not belong here."""
        if isinstance(position, AtReview) and value == "close":
            return self._close_step(turn, position.step)
        if isinstance(position, AtReview) and value == "change":
            turn.position = AtEditQuestions(step=position.step, back=AtReview(step=position.step))
            return self.show(turn)
        if isinstance(position, AtStageReview) and value == "close_stage" and turn.coordinator:
            return self._close_stage(turn, position.stage)
        if isinstance(position, AtStageReview) and value == "change":
            return self._begin_edit(turn)
        if isinstance(position, AtStageReview) and value == "health":
            return health.open_check(self, turn)
        if isinstance(position, AtEditSteps) and value and value.startswith("step:"):
            step_id = value.removeprefix("step:")
            if step_id in {s.id for s in self._editable_steps(turn)}:
                turn.position = AtEditQuestions(step=step_id, back=position.back)
                return self.show(turn)
        if isinstance(position, AtEditQuestions) and value and value.startswith("q:"):
            question_id = value.removeprefix("q:")
            step = self._steps[position.step]
            if question_id in {q.id for q in turn.standing.questions(step)} and question_id in turn.answers:
                turn.position = self._ask(turn, self._questions[question_id], position.back)
                return [self._question_prompt(turn)]
        return None

    def not_now(self, turn: Turn, event: Event | None) -> Message:
        if event is None or isinstance(event, Press):
            text = turn.t.gettext("That button belongs to an earlier message. Here is where we are now.")
            return Message(text, stale=True)
        if isinstance(event, Unreadable):
            return Message(turn.t.gettext("I can only read typed text and button presses. Please type your answer."))
        return Message(turn.t.gettext("Please choose one of the buttons below."))

    def _answer(self, turn: Turn, position: AtQuestion, event: Event) -> list[Message]:
        question = self._questions[position.q]
        draft = position.draft
        if isinstance(event, Press):
            offered = {button.value for button in self._question_prompt(turn).buttons}
            if event.value not in offered:
                return [self.not_now(turn, event), self._question_prompt(turn)]
            if event.value == "skip":
                return self._skip(turn)
            if event.value == "back":
                return self._back(turn)
            if event.value == "keep":
                return self._keep(turn, question, draft)
            if in_list_menu(draft):
                return self._list_choice(turn, question, draft, event.value)
            if draft.more:
                if event.value == "done":
                    return self._finish_entries(turn, question, draft)
                draft.more = False
                return [self._question_prompt(turn)]
        elif in_list_menu(draft):
            return [self.not_now(turn, event), self._question_prompt(turn)]
        elif draft.more:
            return self._more_typed(turn, question, draft, event)
        spec = current_spec(question, draft)
        try:
            value = self._read(turn, spec, draft, event)
        except InvalidAnswer as problem:  # the rule's own message, then the question without its guidance
            return [Message(problem.message), self._question_prompt(turn, brief=True)]
        if value is PENDING:
            return [self._question_prompt(turn)]
        if spec is question:
            return self._save(turn, question, value)
        return self._field_done(turn, question, draft, value)

    def _keep(self, turn: Turn, question: Question, draft: QuestionDraft) -> list[Message]:
        """Keep the current value: of the field being asked again, of a confirmed earlier answer, or the answer."""
        fields = fields_of(question)
        if fields and fields[draft.field].id in draft.entry:
            return self._field_done(turn, question, draft, draft.entry[fields[draft.field].id])
        earlier = self._confirmable(turn, question)
        if earlier is not None:
            return self._save(turn, question, earlier)
        return [Message(turn.t.gettext("Kept as it was.")), *self._continue(turn)]

    def _more_typed(self, turn: Turn, question: Question, draft: QuestionDraft, event: Event) -> list[Message]:
        """ "Add another?" answered by typing: yes or no in any language, or a button's label."""
        t = turn.t
        if not isinstance(event, Text):
            return [self.not_now(turn, event), self._question_prompt(turn)]
        word = event.text.strip().lower()
        try:
            if word in {t.gettext("Add another").lower(), "more"}:
                another = True
            elif word in {t.gettext("Done").lower(), "done"}:
                another = False
            else:
                another = parse(FieldSpec(id="more", type=QuestionType.yes_no, text=""), event.text, t, None)
        except InvalidAnswer as problem:
            return [Message(problem.message), self._question_prompt(turn, brief=True)]
        if not another:
            return self._finish_entries(turn, question, draft)
        draft.more = False
        return [self._question_prompt(turn)]

    def _list_choice(self, turn: Turn, question: Question, draft: QuestionDraft, value: str) -> list[Message]:
        """A button of an answered list: an entry (to change, or to remove), add one, or done."""
        t = turn.t
        if value == "done":
            if len(draft.entries) < question.min_entries:
                return self._finish_entries(turn, question, draft)
            kept = [] if draft.changed else [Message(t.gettext("Kept as it was."))]
            return kept + self._continue(turn)
        if value == "add":
            draft.changing, draft.entry, draft.field = len(draft.entries), {}, 0
            return [self._question_prompt(turn)]
        if value == "remove":
            draft.removing = True
            return [self._question_prompt(turn)]
        number = int(value.removeprefix("entry:"))
        if not draft.removing:
            draft.changing, draft.entry, draft.field = number, dict(draft.entries[number]), 0
            return [self._question_prompt(turn)]
        label = prompts.entry_label(t, question, number + 1, turn.standing.kind)
        removed = format_entry(question, draft.entries.pop(number), t, turn.standing.kind)
        draft.removing, draft.changed = False, True
        notices = self._store(turn, question, list(draft.entries))
        note = t.gettext("Removed: {entry}").format(entry=prompts.shorten(f"{label}: {removed}", 300))
        return [Message(note), *notices, self._question_prompt(turn)]

    def _read(self, turn: Turn, spec: Question | FieldSpec, draft: QuestionDraft, event: Event) -> Any:
        """The value for `spec` from this event, or PENDING while a multiple choice is being ticked."""
        t, kind = turn.t, turn.standing.kind
        if spec.type == QuestionType.multi:
            return self._read_multi(t, spec, draft, event)
        if isinstance(event, Press):
            return parse(spec, event.value.removeprefix("o:"), t, kind)
        if isinstance(event, Text):
            return parse(spec, event.text, t, kind)
        raise InvalidAnswer(t.gettext("Please choose one of the buttons below."))

    def _read_multi(self, t: Translator, spec: Question | FieldSpec, draft: QuestionDraft, event: Event) -> Any:
        selected = draft.selected
        if draft.other_pending:  # the text of "Other…": kept, and back to the ticks until Done
            if not isinstance(event, Text):
                raise InvalidAnswer(t.gettext("Type your other answer."))
            draft.other = parse(FieldSpec(id="other", type=QuestionType.text, text=""), event.text, t, None)
            draft.other_pending = False
            return PENDING
        if isinstance(event, Press):
            if event.value == "other" and draft.other:
                draft.other = None  # pressed again: untick it
                return PENDING
            if event.value == "other":
                draft.other_pending = True
                return PENDING
            if event.value == "done":
                if not selected and not draft.other and spec.required:
                    raise InvalidAnswer(t.gettext("Please choose at least one option, then press Done."))
                return {"selected": selected, "other": draft.other}
            option = event.value.removeprefix("o:")
            selected.remove(option) if option in selected else selected.append(option)
            return PENDING
        if not isinstance(event, Text):
            raise InvalidAnswer(t.gettext("Please choose one of the buttons below."))
        value = parse(spec, event.text, t, None)
        if not value["selected"] and value["other"] is None:
            raise InvalidAnswer(t.gettext("Please choose at least one option."))
        if value["other"] == "":
            draft.selected, draft.other_pending = value["selected"], True
            return PENDING
        if draft.other and value["other"] is None:
            value["other"] = draft.other  # "Other…" was typed before the numbers
        return value

    def _field_done(self, turn: Turn, question: Question, draft: QuestionDraft, value: Any) -> list[Message]:
        """Keep a field's value in the draft and move to the next field, entry or save."""
        fields = fields_of(question)
        spec = fields[draft.field]
        draft.entry[spec.id] = value
        draft.selected, draft.other, draft.other_pending = [], None, False
        draft.field += 1
        if draft.field < len(fields):
            return [self._question_prompt(turn)]
        if question.type != QuestionType.repeat:
            return self._save(turn, question, draft.entry)
        if draft.changing is not None:  # one entry of an answered list: stored at once, back to the list
            return self._entry_changed(turn, question, draft)
        draft.entries.append(draft.entry)
        draft.entry, draft.field = {}, 0
        if len(draft.entries) >= question.max_entries:
            return self._finish_entries(turn, question, draft)
        draft.more = True
        return [self._question_prompt(turn)]

    def _entry_changed(self, turn: Turn, question: Question, draft: QuestionDraft) -> list[Message]:
        number = draft.changing if draft.changing is not None else len(draft.entries)
        entry = {field.id: draft.entry.get(field.id) for field in fields_of(question)}
        if number < len(draft.entries):
            draft.entries[number] = entry
        else:
            draft.entries.append(entry)
        draft.changing, draft.entry, draft.field, draft.changed = None, {}, 0, True
        notices = self._store(turn, question, list(draft.entries))
        t, kind = turn.t, turn.standing.kind
        shown = f"{prompts.entry_label(t, question, number + 1, kind)}: {format_entry(question, entry, t, kind)}"
        saved = Message(t.gettext("Saved: {answer}").format(answer=prompts.shorten(shown, 300)))
        return [saved, *notices, self._question_prompt(turn)]

    def _finish_entries(self, turn: Turn, question: Question, draft: QuestionDraft) -> list[Message]:
        if len(draft.entries) < question.min_entries:
            draft.more = False
            note = turn.t.ngettext(
                "Please add at least {count} entry.", "Please add at least {count} entries.", question.min_entries
            ).format(count=question.min_entries)
            return [Message(note), self._question_prompt(turn)]
        return self._save(turn, question, draft.entries)

    def _save(self, turn: Turn, question: Question, value: Any) -> list[Message]:
        """Store the answer (it commits with the rest of the event), confirm it, and move on."""
        t = turn.t
        notices = self._store(turn, question, value)
        kind = turn.standing.kind
        if value is None:
            out = [Message(t.gettext("Skipped. You can answer it later with /edit."))]
        else:
            shown = prompts.shorten(format_value(question, value, t, kind), 300)
            out = [Message(t.gettext("Saved: {answer}").format(answer=shown))]
        return out + notices + self._continue(turn)

    def _store(self, turn: Turn, question: Question, value: Any) -> list[Message]:
        """Store an answer with what follows from it; the notices when it replaces someone else's answer."""
        earlier = turn.answers.get(question.id)
        turn.answered(turn.db.answers.save(turn.project.id, question.id, value, turn.user))
        self._sync_project(turn, question.id, value)
        reminders.after_answer(self, turn, question, value)
        if earlier is not None and earlier.author != turn.user and earlier.value is not None:
            return self._overwrite_notices(turn, question, earlier, value)
        return []

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

    def _continue(self, turn: Turn) -> list[Message]:
        """After an answer: back to where an edit started, or on through the plan."""
        back = getattr(turn.position, "back", None)
        if back is not None:
            turn.position = back
            return self.show(turn)
        return self._advance(turn)

    def _sync_project(self, turn: Turn, question_id: str, value: Any) -> None:
        """Keep the project's name and kind, which lists and wording use, in step with the answers."""
        if question_id == "municipality" and value:
            turn.db.projects.update(turn.project.id, name=value)
        elif question_id == "kind" and value:
            turn.db.projects.update(turn.project.id, kind=value)
        else:
            return
        turn.project = turn.db.projects.get(turn.project.id) or turn.project

    # closing steps and stages

    def _close_step(self, turn: Turn, step_id: str) -> list[Message]:
        t = turn.t
        step = self.plan.steps[step_id]
        turn.db.progress.close_step(turn.project.id, step_id, turn.user)
        reminders.step_closed(turn.db, turn.project.id, step_id)
        turn.step_closed(step_id)
        out = [Message(t.gettext("Step {number} is closed.").format(number=step.number))]
        out += self._to_committee(
            turn,
            lambda t2: t2.gettext("{project}: step {number} ({title}) was closed by {name}.").format(
                project=turn.project.name or t2.gettext("a new project"),
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
        return out + self._advance(turn)

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

    def _close_stage(self, turn: Turn, stage: int) -> list[Message]:
        """The coordinator's decision: the stage is done; its drafts are made and go to the whole committee.

        The closing and the draft job commit together, so a crash cannot close a stage whose
        drafts nobody will make.
        """
        turn.db.progress.close_stage(turn.project.id, stage, turn.user)
        turn.closed_stages.add(stage)
        drafting.request(turn, "stage", stage, self.plan.documents_of(stage))
        text = turn.t.gettext(
            "Stage {number} is closed. I am making its drafts now: they follow in a moment, for you and the "
            "whole committee."
        )
        return [Message(text.format(number=stage)), *self._advance(turn)]
