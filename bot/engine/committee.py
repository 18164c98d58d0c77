"""The committee: invitations, members and roles, assigned steps, several projects, language.

These are small menus that open with a command, take one or two button presses and then
return the person to where they were in the questionnaire. Every action checks the role of
the person in the project they are working on; nothing here trusts a button's value alone.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from bot.engine import prompts, reminders
from bot.engine.messages import Button, Message
from bot.engine.state import AtMenu, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import INTERFACE_LANGUAGES, Translator, document_languages, language_name, translator
from bot.storage.database import Tx

MENUS = {"invite", "invites", "assign", "members", "leave", "projects", "language"}  # opened by a command
COORDINATOR_ONLY = {"invite", "invites", "assign"}


def token_hash(token: str) -> str:
    """Invites are stored as hashes: a copy of the database does not hand out working links."""
    return hashlib.sha256(token.encode()).hexdigest()


def join(db: Tx, user_id: int, t: Translator, token: str) -> tuple[bool, list[Message]]:
    """Use an invitation token from a deep link. Returns whether the person is now in the project."""
    outcome, invite = db.invites.use(token_hash(token), user_id)
    if invite is None or outcome in ("revoked", "expired", "used", "unknown"):
        reasons = {
            "unknown": t.gettext("This invitation link is not valid."),
            "revoked": t.gettext("This invitation link was withdrawn by the coordinator."),
            "expired": t.gettext("This invitation link has expired."),
            "used": t.gettext("This invitation link has already been used."),
        }
        advice = t.gettext("Ask your coordinator for a new link, or send /start to begin a project of your own.")
        return False, [Message(f"{reasons[outcome]} {advice}")]
    db.users.set_current_project(user_id, invite.project_id)
    project = db.projects.get(invite.project_id)
    name = project.name if project else ""
    if outcome == "member":
        return True, [Message(t.gettext("You are already on the committee of {name}.").format(name=name))]
    if invite.role == "partner":
        answer = db.answers.of(invite.project_id).get("partner_language")
        if answer is not None and answer.value in document_languages():  # they work in their own language
            db.users.set_language(user_id, str(answer.value))
            t = translator(str(answer.value))
        text = t.gettext("Welcome! You joined the link with {name} as the contact of the partner municipality.")
        return True, [Message(text.format(name=name))]
    text = t.gettext("Welcome to the twinning committee of {name}! You joined as {role}.")
    return True, [Message(text.format(name=name, role=_role(t, invite.role)))]


def open_menu(conv: Conversation, turn: Turn, name: str, argument: str) -> list[Message]:
    t = turn.t
    if name in COORDINATOR_ONLY and not turn.coordinator:
        return [Message(t.gettext("Only the coordinator can do that.")), *conv.show(turn)]
    if name == "leave":
        return _leave(conv, turn)
    turn.position = AtMenu(menu=name, back=resume_point(turn.position))
    return conv.show(turn)


def menu(conv: Conversation, turn: Turn) -> Message | None:
    """The message for the open menu, or None when it no longer applies."""
    t = turn.t
    name, arg = turn.menu.menu, turn.menu.arg
    cancel = " " + t.gettext("(/cancel to go back)")
    if name == "invite":
        buttons = [
            Button(t.gettext("Invite a member"), "role:member"),
            Button(t.gettext("Invite a coordinator"), "role:coordinator"),
            Button(t.gettext("Invite the partner's contact"), "role:partner"),
        ]
        return Message(t.gettext("Whom do you want to invite?") + cancel, buttons, expects="choice")
    if name == "invites":
        invites = turn.db.invites.open(turn.project.id)
        if not invites:
            return Message(t.gettext("There are no open invitations.") + cancel)
        buttons = [
            Button(
                t.gettext("Withdraw #{id} ({role}, {uses} of {max_uses} used)").format(
                    id=i.id, role=_role(t, i.role), uses=i.uses, max_uses=i.max_uses
                ),
                f"revoke:{i.id}",
            )
            for i in invites
        ]
        return Message(t.gettext("Open invitations:") + cancel, buttons, expects="choice")
    if name == "assign":
        steps = [s for s in conv.plan.steps.values() if s.id not in turn.closed]
        buttons = [
            Button(
                t.gettext("Step {number}: {title}").format(number=s.number, title=prompts.say(t, s.title, None))
                + (f" ({turn.name_of(turn.assignments[s.id])})" if s.id in turn.assignments else ""),
                f"step:{s.id}",
            )
            for s in steps
        ]
        return Message(t.gettext("Which step do you want to assign?") + cancel, buttons, expects="choice")
    if name == "assign_to":
        buttons = [
            Button(m.name or str(m.user_id), f"user:{m.user_id}")
            for m in turn.members.values()
            if m.role != "partner"  # the partner's contact answers no step
        ]
        step = conv.plan.steps.get(str(arg))
        if step is None:
            return None
        text = t.gettext("Who answers step {number}?").format(number=step.number)
        return Message(text + cancel, buttons, expects="choice")
    if name == "members":
        lines = [t.gettext("The committee of {name}:").format(name=turn.project.name)]
        lines += [f"• {m.name or m.user_id} ({_role(t, m.role)})" for m in turn.members.values()]
        buttons = []
        if turn.coordinator:
            buttons = [
                Button(m.name or str(m.user_id), f"member:{m.user_id}")
                for m in turn.members.values()
                if m.user_id != turn.user
            ]
        buttons.append(Button(t.gettext("Leave this committee"), "leave"))
        return Message("\n".join(lines) + "\n" + cancel.strip(), buttons, expects="choice")
    if name == "member":
        member = turn.members.get(arg) if isinstance(arg, int) else None
        if member is None or not turn.coordinator:
            return None
        other = "member" if member.role == "coordinator" else "coordinator"
        buttons = [Button(t.gettext("Make {role}").format(role=_role(t, other)), f"role:{other}")]
        if member.role == "partner":
            buttons = []  # the partner's contact stays the partner's contact, or leaves
        buttons.append(Button(t.gettext("Remove from the committee"), "remove"))
        return Message(f"{member.name} ({_role(t, member.role)})" + cancel, buttons, expects="choice")
    if name == "projects":
        projects = turn.db.projects.of_user(turn.user)
        buttons = [
            Button(("✓ " if p.id == turn.project.id else "") + (p.name or f"#{p.id}"), f"project:{p.id}")
            for p, _ in projects
        ]
        buttons.append(Button(t.gettext("Start a new project"), "project:new"))
        if any(role == "coordinator" for _, role in projects):
            buttons.append(Button(t.gettext("Start a new project from an earlier one"), "project:copy"))
        return Message(t.gettext("Your projects:") + cancel, buttons, expects="choice")
    if name == "copy_from":
        projects = turn.db.projects.of_user(turn.user)
        buttons = [Button(p.name or f"#{p.id}", f"from:{p.id}") for p, role in projects if role == "coordinator"]
        text = t.gettext("Which project do you start from? I copy the municipal profile and the local partners.")
        return Message(text + cancel, buttons, expects="choice")
    if name == "language":
        codes = document_languages() if turn.partner else INTERFACE_LANGUAGES  # a partner may work in Spanish
        buttons = [Button(language_name(code), f"lang:{code}") for code in codes]
        return Message(t.gettext("Which language do you want me to speak?") + cancel, buttons, expects="choice")
    return None


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    """A button pressed in a menu; every action checks the role again."""
    t, project = turn.t, turn.project
    name, arg = turn.menu.menu, turn.menu.arg
    back = turn.menu.back
    offered = menu(conv, turn)
    if offered is None or value not in {b.value for b in offered.buttons}:
        return [conv.not_now(turn, None), *conv.show(turn)]
    kind, _, choice = value.partition(":")
    out: list[Message] = []
    if name == "invite" and turn.coordinator:
        out.append(_invite(conv, turn, choice))
    elif name == "invites" and turn.coordinator:
        if turn.db.invites.revoke(project.id, int(choice)):
            out.append(Message(t.gettext("Invitation #{id} is withdrawn; its link no longer works.").format(id=choice)))
    elif name == "assign" and turn.coordinator:
        turn.position = AtMenu(menu="assign_to", arg=choice, back=back)
        return conv.show(turn)
    elif name == "assign_to" and turn.coordinator:
        out += _assign(conv, turn, str(arg), int(choice))
    elif name == "members" and value == "leave":
        turn.position = back
        return _leave(conv, turn)
    elif name == "members" and turn.coordinator:
        turn.position = AtMenu(menu="member", arg=int(choice), back=back)
        return conv.show(turn)
    elif name == "member" and turn.coordinator:
        out += _change_member(conv, turn, int(arg or 0), value)
    elif name == "projects" and choice == "copy":
        turn.position = AtMenu(menu="copy_from", back=back)
        return conv.show(turn)
    elif name in ("projects", "copy_from"):
        turn.position = back
        new_project = int(choice) if kind == "project" and choice != "new" else None
        if new_project is None:
            new_project = (turn.db.projects.create(turn.user, t.language)).id
        if kind == "from" and turn.db.members.role(int(choice), turn.user) == "coordinator":
            turn.db.answers.copy(int(choice), new_project, conv.plan.carry_over, turn.user)
            source = turn.db.projects.get(int(choice))
            turn.db.projects.update(new_project, name=source.name if source else "")
        turn.db.users.set_current_project(turn.user, new_project)
        turn.switch_to = new_project
        return []
    elif name == "language" and kind == "lang":
        turn.db.users.set_language(turn.user, choice)
        turn.t = t = translator(choice)
        out.append(
            Message(
                t.gettext("From now on I speak English.")
                if choice == "en"
                else t.gettext("From now on I speak your language.")
            )
        )
    turn.position = back
    return out + conv.show(turn)


def _invite(conv: Conversation, turn: Turn, role: str) -> Message:
    t = turn.t
    token = secrets.token_urlsafe(18)  # 144 random bits
    expires = turn.db.moment() + timedelta(days=conv.invite_days)
    turn.db.invites.create(turn.project.id, role, turn.user, token_hash(token), expires, conv.invite_uses)
    text = t.ngettext(
        "Send this link to the person you invite. It works once and expires on {date}:\n{link}",
        "Send this link to the people you invite. It works {count} times and expires on {date}:\n{link}",
        conv.invite_uses,
    )
    return Message(text.format(link=conv.invite_link(token), date=t.date(expires.date()), count=conv.invite_uses))


def _assign(conv: Conversation, turn: Turn, step_id: str, user_id: int) -> list[Message]:
    t = turn.t
    step = conv.plan.steps[step_id]
    member = turn.members.get(user_id)
    if member is None:
        return []
    turn.db.progress.assign(turn.project.id, step_id, user_id, turn.user)
    reminders.step_assigned(turn.db, turn.project.id, step_id, user_id)
    turn.assignments[step_id] = user_id
    done = t.gettext("Step {number} is assigned to {name}.").format(number=step.number, name=turn.name_of(user_id))
    out = [Message(done)]
    if user_id != turn.user:
        their = translator(member.language)
        note = their.gettext("{name} asked you to answer step {number}: {title}. Send /start to begin.").format(
            name=turn.name_of(turn.user), number=step.number, title=prompts.say(their, step.title, turn.standing.kind)
        )
        out.append(Message(note, to_user=user_id))
    return out


def _change_member(conv: Conversation, turn: Turn, user_id: int, value: str) -> list[Message]:
    t = turn.t
    coordinators = [m for m in turn.members.values() if m.role == "coordinator"]
    member = turn.members[user_id]
    loses_coordinator = member.role == "coordinator" and value in ("remove", "role:member")
    if loses_coordinator and len(coordinators) == 1:
        return [Message(t.gettext("A committee needs at least one coordinator."))]
    if value == "remove":
        turn.db.members.remove(turn.project.id, user_id)
        their = translator(member.language)
        return [
            Message(t.gettext("{name} is no longer on the committee.").format(name=turn.name_of(user_id))),
            Message(
                their.gettext("You are no longer on the committee of {name}.").format(name=turn.project.name),
                to_user=user_id,
            ),
        ]
    role = value.removeprefix("role:")
    turn.db.members.set_role(turn.project.id, user_id, role)
    return [Message(t.gettext("{name} is now {role}.").format(name=turn.name_of(user_id), role=_role(t, role)))]


def _leave(conv: Conversation, turn: Turn) -> list[Message]:
    t = turn.t
    coordinators = [m for m in turn.members.values() if m.role == "coordinator"]
    if turn.coordinator and len(coordinators) == 1:
        return [Message(t.gettext("You are the only coordinator: make someone else coordinator first (/members)."))]
    turn.db.members.remove(turn.project.id, turn.user)
    turn.gone = True
    return [Message(t.gettext("You left the committee of {name}. Your answers stay.").format(name=turn.project.name))]


def _role(t: Translator, role: str) -> str:
    if role == "partner":
        return t.gettext("the partner's contact")
    return t.gettext("coordinator") if role == "coordinator" else t.gettext("member")
