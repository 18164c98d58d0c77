"""Reminders over the three years of the plan: steps that wait too long, and the dates the committee set.

Every reminder is a row in SQLite, so a restart forgets none; the front end only asks now
and then which ones are due (Telegram's job queue, or the terminal at start-up). A member
gets at most one step reminder a week and can mute them; evaluation dates and the annual
plan's activities go to the coordinators and the group chat on their day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.engine import prompts
from bot.engine.messages import Button, Message
from bot.engine.state import AtMenu, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import translator
from bot.plan.models import Plan, Question
from bot.storage.database import Tx
from bot.storage.records import Project, Reminder

MENUS = {"reminders"}
WAIT = timedelta(days=7)  # an assigned step waits this long before its member is reminded
WEEK = timedelta(days=7)  # and a member hears from the bot at most once in this time
MORNING = time(8, 0, tzinfo=UTC)


def step_assigned(db: Tx, project_id: int, step_id: str, user_id: int) -> None:
    """Start (or restart) the wait of an assigned step."""
    db.reminders.cancel(project_id, f"step:{step_id}")
    db.reminders.schedule(project_id, user_id, "step", f"step:{step_id}", db.moment() + WAIT, {"step": step_id})


def step_closed(db: Tx, project_id: int, step_id: str) -> None:
    db.reminders.cancel(project_id, f"step:{step_id}")


def after_answer(conv: Conversation, turn: Turn, question: Question, value: Any) -> None:
    """Working on an assigned step restarts its wait; changed dates replace their reminders."""
    step = conv.plan.step_of(question.id)
    if turn.assignments.get(step.id) == turn.user:
        step_assigned(turn.db, turn.project.id, step.id, turn.user)
    for source in conv.plan.calendar:
        if source.question != question.id:
            continue
        turn.db.reminders.cancel(turn.project.id, question.id)
        today = turn.db.moment().date()
        for entry in value or []:
            when = entry.get(source.date_field)
            if when and date.fromisoformat(when) >= today:
                due = datetime.combine(date.fromisoformat(when), MORNING)
                payload = {"date": when, "label": entry.get(source.label_field) or ""}
                turn.db.reminders.schedule(turn.project.id, None, source.kind, question.id, due, payload)


def due(db: Tx, plan: Plan) -> list[Message]:
    """The reminders whose time has come, as messages to members and group chats; each is handed out once."""
    out = []
    now = db.moment()
    for reminder in db.reminders.due():
        project = db.projects.get(reminder.project_id)
        if project is None:
            db.reminders.mark_sent(reminder.id)
        elif reminder.kind == "step":
            out += _step(db, plan, reminder, project.name, now)
        else:
            out += _calendar(db, reminder, project)
    return out


def _step(db: Tx, plan: Plan, reminder: Reminder, name: str, now: datetime) -> list[Message]:
    step_id = reminder.payload["step"]
    user_id = reminder.user_id or 0
    closed = step_id in db.progress.closed_steps(reminder.project_id)
    assigned = db.progress.assignments(reminder.project_id).get(step_id) == user_id
    if closed or not assigned or db.members.reminders_muted(reminder.project_id, user_id):
        db.reminders.mark_sent(reminder.id)  # nothing to say: done, reassigned or muted
        return []
    last = db.reminders.last_reminded(user_id)
    if last and now - datetime.fromisoformat(last) < WEEK:  # at most one a week: try again later
        db.reminders.cancel(reminder.project_id, reminder.topic)
        later = datetime.fromisoformat(last) + WEEK
        db.reminders.schedule(reminder.project_id, user_id, "step", reminder.topic, later, reminder.payload)
        return []
    db.reminders.mark_sent(reminder.id)
    db.reminders.schedule(reminder.project_id, user_id, "step", reminder.topic, now + WAIT, reminder.payload)
    user = db.users.get(user_id)
    t = translator(user.language if user else "en")
    step = plan.steps[step_id]
    text = t.gettext(
        "A reminder: step {number} ({title}) of {name} is waiting for your answers. Send /start to continue, or "
        "/reminders to mute these reminders."
    ).format(number=step.number, title=prompts.say(t, step.title, None), name=name or t.gettext("a new project"))
    return [Message(text, to_user=user_id, project=reminder.project_id)]


def _calendar(db: Tx, reminder: Reminder, project: Project) -> list[Message]:
    db.reminders.mark_sent(reminder.id)

    def text(language: str) -> str:
        t = translator(language)
        day = t.date(date.fromisoformat(reminder.payload["date"]))
        what = reminder.payload.get("label", "")
        name = project.name or t.gettext("a new project")
        if reminder.kind == "evaluation":
            return t.gettext("{name}: today, {day}, is an evaluation date you agreed: {what}").format(
                name=name, day=day, what=what
            )
        return t.gettext("{name}: the annual plan has this activity today, {day}: {what}").format(
            name=name, day=day, what=what
        )

    out = [Message(text(project.document_language), to_groups=True, project=reminder.project_id)]
    for member in db.members.of(reminder.project_id):
        if member.role == "coordinator" and not db.members.reminders_muted(reminder.project_id, member.user_id):
            out.append(Message(text(member.language), to_user=member.user_id, project=reminder.project_id))
    return out


def open_list(conv: Conversation, turn: Turn) -> list[Message]:
    turn.position = AtMenu(menu="reminders", back=resume_point(turn.position))
    return conv.show(turn)


def menu(conv: Conversation, turn: Turn) -> Message | None:
    t = turn.t
    pending = [r for r in turn.db.reminders.of(turn.project.id) if r.user_id in (None, turn.user)]
    lines = (
        [t.gettext("Coming reminders for {name}:").format(name=turn.project.name)]
        if pending
        else [t.gettext("There are no reminders planned for you.")]
    )
    for reminder in pending[:20]:
        day = t.date(datetime.fromisoformat(reminder.due_at).date())
        if reminder.kind == "step":
            step = conv.plan.steps[reminder.payload["step"]]
            what = t.gettext("step {number} is waiting for your answers").format(number=step.number)
        else:
            what = reminder.payload.get("label", "")
        lines.append(f"• {day}: {what}")
    muted = turn.db.members.reminders_muted(turn.project.id, turn.user)
    if muted:
        lines += ["", t.gettext("Your reminders are muted.")]
    button = (
        Button(t.gettext("Turn my reminders back on"), "unmute")
        if muted
        else Button(t.gettext("Mute my reminders"), "mute")
    )
    return Message("\n".join(lines) + "\n" + t.gettext("(/cancel to go back)"), [button], expects="choice")


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    t = turn.t
    if value not in ("mute", "unmute"):
        return [conv.not_now(turn, None), *conv.show(turn)]
    turn.db.members.set_reminders_muted(turn.project.id, turn.user, value == "mute")
    done = t.gettext("Your reminders are muted.") if value == "mute" else t.gettext("Your reminders are on again.")
    turn.position = turn.menu.back
    return [Message(done), *conv.show(turn)]
