"""The wording of each kind of message the engine sends: questions, step openings, reviews, status.

Every fixed phrase goes through gettext; every plan text is translated as it is shown.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.documents import charts
from bot.engine.flow import Standing, can_skip
from bot.engine.messages import Attachment, Button, Message
from bot.engine.state import QuestionDraft
from bot.i18n import Translator
from bot.plan.answers import format_value
from bot.plan.builtins import fields_of
from bot.plan.loader import default_terms
from bot.plan.models import FieldSpec, Kind, Question, QuestionType, Step, Terms, Wording, pick


def say(
    t: Translator, text: Wording | None, kind: Kind | None, country: object = None, terms: Terms | None = None
) -> str:
    """A plan text in the reader's language, for their kind of partnership and their country.

    `{executive}`, `{council}` and the other terms of dialogs/terms.yaml become the words of the
    municipality's `country` (the answer to the opening question; neutral words when it is not
    given or not known). `terms` is the plan's table (`plan.terms`); without it, dialogs/terms.yaml.
    """
    said = t.translate(pick(text, kind))
    if "{" not in said:
        return said
    return (terms if terms is not None else default_terms()).fill(said, t, country)


def progress(t: Translator, standing: Standing, step: Step, question: Question) -> str:
    questions = standing.questions(step)
    ids = [q.id for q in questions]
    number = ids.index(question.id) + 1 if question.id in ids else len(ids)
    if step.stage == 0:
        return t.gettext("Getting started · Question {number} of {total}").format(number=number, total=len(ids))
    steps = standing.plan.stage(step.stage).steps
    return t.gettext("Stage {stage} · Step {step} ({position} of {count}) · Question {number} of {total}").format(
        stage=step.stage,
        step=step.number,
        position=steps.index(step.id) + 1,
        count=len(steps),
        number=number,
        total=len(ids),
    )


def step_intro(t: Translator, standing: Standing, step: Step) -> Message:
    """What a step is for and what it should produce, shown when it opens."""
    kind = standing.kind
    if step.stage == 0:
        lines = [say(t, step.title, kind), "", say(t, step.purpose, kind)]
        return Message("\n".join(lines))
    stage = standing.plan.stage(step.stage)
    lines = [
        t.gettext("Stage {number}: {title} ({period})").format(
            number=stage.number, title=say(t, stage.title, kind), period=say(t, stage.period, kind)
        ),
        t.gettext("Step {number}: {title}").format(number=step.number, title=say(t, step.title, kind)),
        "",
        say(t, step.purpose, kind),
    ]
    for heading, items in (
        (t.gettext("Tasks in this step:"), step.tasks),
        (t.gettext("Results to aim for:"), step.results),
        (t.gettext("Documents this step prepares:"), step.documents),
    ):
        if items:
            lines += ["", heading] + [f"• {say(t, item, kind)}" for item in items]
    return Message("\n".join(lines))


def question_prompt(
    t: Translator,
    standing: Standing,
    question: Question,
    draft: QuestionDraft,
    current: Any,
    answered: bool,
    can_go_back: bool = False,
) -> Message:
    """The question (or the field of a compound question) now waiting for an answer."""
    kind = standing.kind
    step = standing.plan.step_of(question.id)
    lines = [progress(t, standing, step, question), ""]
    fields = fields_of(question)
    field_index = draft.field
    first_part = not fields or (field_index == 0 and not draft.entries and not draft.more)
    if question.check:
        lines.append(
            t.gettext("Policy consequence named by the step plan:")
            if question.check == "consequence"
            else t.gettext("Obstacle named by the step plan:")
        )
    lines.append(say(t, question.text, kind))
    if first_part:
        lines += _guidance(t, standing, question)
        if answered:
            shown = format_value(question, current, t, kind) or t.gettext("(skipped)")
            lines += ["", t.gettext("Current answer: {answer}").format(answer=shown)]
    if draft.more:
        count = len(draft.entries)
        lines += [
            "",
            t.ngettext("{count} entry so far. Add another?", "{count} entries so far. Add another?", count).format(
                count=count
            ),
        ]
        return Message(
            "\n".join(lines),
            [Button(t.gettext("Add another"), "more"), Button(t.gettext("Done"), "done")],
            expects="choice",
        )
    spec: Question | FieldSpec = question
    if fields:
        spec = fields[field_index]
        if question.type == QuestionType.repeat:
            lines.append("")
            lines.append(t.gettext("Entry {number}").format(number=len(draft.entries) + 1))
        lines += ["", "→ " + say(t, spec.text, kind)]
        if spec.hint:
            lines.append(t.gettext("Hint: {hint}").format(hint=say(t, spec.hint, kind)))
    if draft.other_pending:
        lines += ["", t.gettext("Type your other answer.")]
        return Message("\n".join(lines), expects="text")
    buttons, expects = _answer_buttons(t, spec, draft, kind)
    if can_skip(question, draft):
        lines += ["", t.gettext("This one is optional: /skip to leave it open.")]
        buttons.append(Button(t.gettext("Skip"), "skip"))
    if answered and first_part:
        buttons.append(Button(t.gettext("Keep current answer"), "keep"))
    if can_go_back and first_part:
        buttons.append(Button(t.gettext("◀ Back"), "back"))
    return Message("\n".join(lines), buttons, expects=expects)


def _guidance(t: Translator, standing: Standing, question: Question) -> list[str]:
    """Why it matters, a hint, the key to success and the warning that go with a question."""
    kind = standing.kind
    lines = []
    if question.why:
        lines.append(t.gettext("Why it matters: {why}").format(why=say(t, question.why, kind)))
    if question.hint and not fields_of(question):
        lines.append(t.gettext("Hint: {hint}").format(hint=say(t, question.hint, kind)))
    if question.tip:
        key = standing.plan.keys[question.tip]
        lines.append(
            t.gettext("Key to success {number}, {title}: {tip}").format(
                number=key.number, title=say(t, key.title, kind), tip=say(t, key.tip, kind)
            )
        )
    if question.warning:
        lines.append(t.gettext("Watch out: {warning}").format(warning=say(t, question.warning, kind)))
    if question.funding:
        lines += _funding(t, standing)
    return ["", *lines] if lines else []


def _funding(t: Translator, standing: Standing) -> list[str]:
    """Funding routes for this kind of partnership in the municipality's own country and the EU, each with
    its programme period, its source and the date it was checked, and the advice to check the current call."""
    plan = standing.plan
    country = standing.values.get("country")
    code = plan.terms.country_code(country)
    routes = [r for r in plan.funding.routes if (standing.kind or Kind.european) in r.kinds and r.for_country(code)]
    if not routes:
        return []
    lines = ["", t.gettext("Funding you can look at (check the current call before you apply):")]
    for route in routes:

        def words(text: str | None) -> str:
            return say(t, text, standing.kind, country, plan.terms)

        line = f"• {words(route.name)}"
        if route.period:
            line += f" ({words(route.period)})"
        line += f": {words(route.text)}"
        source = words(route.source or route.where)
        checked = t.date(plan.funding.checked_on(route))
        if source:
            line += " " + t.gettext("Source: {source}, checked on {date}.").format(source=source, date=checked)
        else:
            line += " " + t.gettext("Checked on {date}.").format(date=checked)
        lines.append(line)
    return lines


def _answer_buttons(
    t: Translator, spec: Question | FieldSpec, draft: QuestionDraft, kind: Kind | None
) -> tuple[list[Button], Literal["text", "choice", "multi"]]:
    if spec.type == QuestionType.choice:
        return [Button(say(t, o.label, kind), f"o:{o.id}") for o in spec.options], "choice"
    if spec.type == QuestionType.multi:
        ticked = set(draft.selected)
        buttons = [Button(("✓ " if o.id in ticked else "") + say(t, o.label, kind), f"o:{o.id}") for o in spec.options]
        if spec.other:
            buttons.append(Button(t.gettext("Other…"), "other"))
        buttons.append(Button(t.gettext("Done"), "done"))
        return buttons, "multi"
    if spec.type == QuestionType.yes_no:
        return [Button(t.gettext("Yes"), "o:yes"), Button(t.gettext("No"), "o:no")], "choice"
    if spec.type == QuestionType.scale:
        low, high = say(t, spec.low, kind), say(t, spec.high, kind)
        labels = {1: f"1 {low}".strip(), 5: f"5 {high}".strip()}
        return [Button(labels.get(n, str(n)), f"o:{n}") for n in range(1, 6)], "choice"
    return [], "text"


def review(t: Translator, standing: Standing, step: Step) -> Message:
    """All answers of a step, for a last look before the step is closed."""
    kind = standing.kind
    lines = [
        t.gettext("Review of step {number}: {title}").format(number=step.number, title=say(t, step.title, kind)),
        "",
    ]
    for number, question in enumerate(standing.questions(step), start=1):
        answer = format_value(question, standing.values.get(question.id), t, kind) or t.gettext("(skipped)")
        lines.append(f"{number}. {say(t, question.text, kind)}")
        lines.append(f"   {answer}")
    lines += ["", t.gettext("Is this complete? Close the step, or change an answer first.")]
    buttons = [Button(t.gettext("Close this step"), "close"), Button(t.gettext("Change an answer"), "change")]
    return Message("\n".join(lines), buttons, expects="choice")


def pick_step(t: Translator, standing: Standing, steps: list[Step]) -> Message:
    kind = standing.kind
    buttons = [
        Button(
            say(t, s.title, kind)
            if s.stage == 0
            else t.gettext("Step {number}: {title}").format(number=s.number, title=say(t, s.title, kind)),
            f"step:{s.id}",
        )
        for s in steps
    ]
    return Message(
        t.gettext("Which step holds the answer you want to change? (/cancel to go back)"), buttons, expects="choice"
    )


def pick_question(t: Translator, standing: Standing, step: Step) -> Message:
    kind = standing.kind
    lines = [t.gettext("Which answer do you want to change? (/cancel to go back)"), ""]
    buttons = []
    for number, question in enumerate(standing.questions(step), start=1):
        if question.id not in standing.answered:
            continue
        answer = format_value(question, standing.values.get(question.id), t, kind) or t.gettext("(skipped)")
        lines.append(f"{number}. {say(t, question.text, kind)}: {shorten(answer)}")
        buttons.append(Button(f"{number}. {shorten(say(t, question.text, kind), 40)}", f"q:{question.id}"))
    return Message("\n".join(lines), buttons, expects="choice")


def shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status(t: Translator, standing: Standing, name: str, drafts: int, who: dict[str, str]) -> Message:
    """The whole plan with what is done, in progress and open."""
    kind = standing.kind
    lines = [t.gettext("Progress of {name}").format(name=name or t.gettext("your municipality")), ""]
    current = standing.open_step()
    for stage in standing.plan.stages:
        lines.append(
            t.gettext("Stage {number}: {title} ({period})").format(
                number=stage.number, title=say(t, stage.title, kind), period=say(t, stage.period, kind)
            )
        )
        for step_id in stage.steps:
            step = standing.plan.steps[step_id]
            answered, total = standing.counts(step)
            if step.id in standing.closed:
                mark, state = "✅", t.gettext("done")
            elif answered or step == current:
                mark, state = "◐", t.gettext("{answered} of {total} answered").format(answered=answered, total=total)
            else:
                mark, state = "○", t.gettext("open")
            lines.append(
                f"  {mark} "
                + t.gettext("Step {number}: {title}").format(number=step.number, title=say(t, step.title, kind))
                + f" — {state}"
                + (f" ({who[step.id]})" if who.get(step.id) else "")
            )
        lines.append("")
    lines.append(
        t.ngettext(
            "{count} draft made so far (/documents).", "{count} drafts made so far (/documents).", drafts
        ).format(count=drafts)
    )
    return Message("\n".join(lines))


def status_picture(t: Translator, standing: Standing, name: str, who: dict[str, str]) -> Attachment:
    """/status as an image: the stages on their timeline, each step coloured done / in progress / open."""
    kind = standing.kind
    current = standing.open_step()
    stages = []
    for stage in standing.plan.stages:
        steps = []
        for step_id in stage.steps:
            step = standing.plan.steps[step_id]
            answered, total = standing.counts(step)
            state = "done" if step.id in standing.closed else "busy" if answered or step == current else "open"
            progress = t.gettext("{answered} of {total} answered").format(answered=answered, total=total)
            note = " · ".join(part for part in (progress, who.get(step.id, "")) if part)
            label = t.gettext("Step {number}: {title}").format(number=step.number, title=say(t, step.title, kind))
            steps.append(charts.StepState(label, state, note))
        label = t.gettext("Stage {number}: {title} ({period})").format(
            number=stage.number, title=say(t, stage.title, kind), period=say(t, stage.period, kind)
        )
        stages.append(charts.StageRow(label, steps))
    title = t.gettext("Progress of {name}").format(name=name or t.gettext("your municipality"))
    legend = (t.gettext("done"), t.gettext("in progress"), t.gettext("open"))
    return Attachment("plan.png", charts.plan_at_a_glance(title, stages, legend), title)


def stage_review(t: Translator, standing: Standing, stage: int) -> Message:
    """The coordinator's decision point: every step of a stage is closed."""
    title = say(t, standing.plan.stage(stage).title, standing.kind)
    text = t.gettext(
        "All steps of stage {number} ({title}) are closed. Look them over with /status, change an answer with "
        "/edit, take the ten-keys check, then close the stage: I make its drafts and send them to the whole "
        "committee."
    ).format(number=stage, title=title)
    buttons = [
        Button(t.gettext("Close the stage and make the drafts"), "close_stage"),
        Button(t.gettext("Ten-keys check first"), "health"),
        Button(t.gettext("Change an answer"), "change"),
    ]
    return Message(text, buttons, expects="choice")


def help_text(t: Translator) -> Message:
    lines = [
        t.gettext("I walk your municipality through building a town twinning, step by step, and write the drafts."),
        "",
        t.gettext("/status: the whole plan, what is done and what is left"),
        t.gettext("/back: the previous question"),
        t.gettext("/skip: leave an optional question open"),
        t.gettext("/edit: change an earlier answer"),
        t.gettext("/documents: the drafts made so far"),
        t.gettext("/cancel: stop changing an answer"),
        t.gettext("/projects: switch between projects or start a new one"),
        t.gettext("/language: change the language I speak"),
        t.gettext("/members: the committee and its roles; /invite and /invites: invitation links (coordinator)"),
        t.gettext("/assign: give a step to a committee member (coordinator)"),
        t.gettext("/check: the ten-keys check; /reminders: coming reminders, and muting them"),
        t.gettext("/score: score the candidate partners; /ranking: where they stand"),
        t.gettext("/template: our letterhead for the drafts (coordinator)"),
        t.gettext("/mydata, /forgetme: your data; /export, /deleteproject: the project's (coordinator)"),
        t.gettext("/help: this help"),
        "",
        t.gettext("Your answers are saved as you go: stop any time and continue later where you left off."),
    ]
    return Message("\n".join(lines))
