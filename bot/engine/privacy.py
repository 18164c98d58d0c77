"""A person's data and a project's data: see it (/mydata, /export), erase it (/forgetme, /deleteproject).

Forgetting a person keeps the project's documents whole: their answers stay, attributed to a
former member. Deleting a project is the coordinator's decision and needs a confirmation.
"""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from typing import Any

from bot.engine import drafting
from bot.engine.messages import Attachment, Button, Message
from bot.engine.state import AtMenu, resume_point
from bot.engine.turn import Conversation, Turn
from bot.i18n import translator

MENUS = {"forget", "delete_project"}


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def my_data(conv: Conversation, turn: Turn) -> list[Message]:
    data = turn.db.personal.of_user(turn.user)
    text = turn.t.gettext("Everything I store about you, as a JSON file.")
    return [Message(text, files=[Attachment("my-data.json", _json(data), text)]), *conv.show(turn)]


def export(conv: Conversation, turn: Turn) -> list[Message]:
    t = turn.t
    if not turn.coordinator:
        return [Message(t.gettext("Only the coordinator can do that.")), *conv.show(turn)]
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("project.json", _json(turn.db.personal.export_project(turn.project.id)))
        for draft in turn.db.documents.all(turn.project.id):
            bundle.writestr(f"drafts/{draft.kind}_v{draft.version}_{draft.language}.{draft.format}", draft.content)
    text = t.gettext("The whole project: its data as JSON and every draft, in one ZIP file.")
    attachment = Attachment(f"project-{turn.project.id}.zip", archive.getvalue(), text)
    return [Message(text, files=[attachment]), *conv.show(turn)]


def ask(conv: Conversation, turn: Turn, menu: str) -> list[Message]:
    if menu == "delete_project" and not turn.coordinator:
        return [Message(turn.t.gettext("Only the coordinator can do that.")), *conv.show(turn)]
    turn.position = AtMenu(menu=menu, back=resume_point(turn.position))
    return conv.show(turn)


def menu(conv: Conversation, turn: Turn) -> Message | None:
    t, name = turn.t, turn.menu.menu
    if name == "forget":
        text = t.gettext(
            "Forget me: I delete your name, language, memberships, positions and reminders. Your answers stay in "
            "the projects, attributed to a former member, so the drafts stay whole. This cannot be undone."
        )
        return Message(
            text, [Button(t.gettext("Yes, forget me"), "confirm"), Button(t.gettext("No"), "no")], expects="choice"
        )
    text = t.gettext(
        "Delete the project {name} with all its answers, drafts and reminders, for every member? This cannot be "
        "undone. Use /export first to keep a copy."
    ).format(name=turn.project.name or t.gettext("a new project"))
    return Message(
        text, [Button(t.gettext("Yes, delete the project"), "confirm"), Button(t.gettext("No"), "no")], expects="choice"
    )


def choose(conv: Conversation, turn: Turn, value: str) -> list[Message]:
    t, name = turn.t, turn.menu.menu
    back = turn.menu.back
    if value != "confirm":
        turn.position = back
        return [Message(t.gettext("Nothing was changed.")), *conv.show(turn)]
    if name == "forget":
        coordinators = [m for m in turn.members.values() if m.role == "coordinator"]
        others = [m for m in turn.members.values() if m.user_id != turn.user]
        if turn.coordinator and len(coordinators) == 1 and others:
            turn.position = back
            text = t.gettext("You are the only coordinator: make someone else coordinator first (/members).")
            return [Message(text), *conv.show(turn)]
        drafting.rebuild_naming(turn.db, turn.user)  # their name leaves every draft too
        turn.db.personal.forget(turn.user)
        turn.gone = True
        return [Message(t.gettext("Done: I have forgotten you. Send /start if you ever want to begin again."))]
    if not turn.coordinator:
        return [conv.not_now(turn, None)]
    others = [m for m in turn.members.values() if m.user_id != turn.user]
    turn.db.personal.delete_project(turn.project.id)
    turn.gone = True
    notices = [
        Message(
            translator(m.language)
            .gettext("The project {name} was deleted by its coordinator.")
            .format(name=turn.project.name),
            to_user=m.user_id,
        )
        for m in others
    ]
    return [Message(t.gettext("The project {name} is deleted.").format(name=turn.project.name)), *notices]
