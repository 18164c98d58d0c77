"""The wording of each kind of message the engine sends: questions, step openings, reviews, status.

Every fixed phrase goes through gettext; every plan text is translated as it is shown.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.documents import charts
from bot.engine.flow import Standing, can_skip, in_list_menu
from bot.engine.messages import Attachment, Button, Message
from bot.engine.state import QuestionDraft
from bot.i18n import Translator
from bot.plan.answers import format_entry, format_value
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


def said(t: Translator, standing: Standing, text: Wording | None) -> str:
    """A plan text that may name country terms ({executive}, {council}…), in the municipality's words."""
    return say(t, text, standing.kind, standing.values.get("country"), standing.plan.terms)


def progress(t: Translator, standing: Standing, step: Step, question: Question) -> str:
    """Where the question stands in its step. Follow-ups that may still come (their condition reads an answer
    not given yet) are counted in the total, which then says "about": it never grows as they appear."""
    questions = standing.questions(step)
    ids = [q.id for q in questions]
    number = ids.index(question.id) + 1 if question.id in ids else len(ids)
    maybe = len(standing.undecided(step))
    total: int | str = len(ids) + maybe
    if maybe:
        total = t.gettext("about {count}").format(count=total)
    if step.stage == 0:
        return t.gettext("Getting started · Question {number} of {total}").format(number=number, total=total)
    steps = standing.plan.stage(step.stage).steps
    return t.gettext("Stage {stage} · Step {step} ({position} of {count}) · Question {number} of {total}").format(
        stage=step.stage,
        step=step.number,
        position=steps.index(step.id) + 1,
        count=len(steps),
        number=number,
        total=total,
    )


def step_intro(t: Translator, standing: Standing, step: Step) -> Message:
    """What a step is for and what it should produce, shown when it opens."""
    kind = standing.kind
    if step.stage == 0:
        lines = [say(t, step.title, kind), "", said(t, standing, step.purpose)]
        return Message("\n".join(lines))
    stage = standing.plan.stage(step.stage)
    lines = [
        t.gettext("Stage {number}: {title} ({period})").format(
            number=stage.number, title=say(t, stage.title, kind), period=say(t, stage.period, kind)
        ),
        t.gettext("Step {number}: {title}").format(number=step.number, title=say(t, step.title, kind)),
        "",
        said(t, standing, step.purpose),
    ]
    for heading, items in (
        (t.gettext("Tasks in this step:"), step.tasks),
        (t.gettext("Results to aim for:"), step.results),
        (t.gettext("Documents this step prepares:"), step.documents),
    ):
        if items:
            lines += ["", heading] + [f"• {said(t, standing, item)}" for item in items]
    return Message("\n".join(lines))


def question_prompt(
    t: Translator,
    standing: Standing,
    question: Question,
    draft: QuestionDraft,
    current: Any,
    answered: bool,
    can_go_back: bool = False,
    earlier: Any = None,
    brief: bool = False,
) -> Message:
    """The question (or the field of a compound question) now waiting for an answer.

    `earlier` is the answer of the question this one confirms (`confirm:`), shown as the current one
    while this question has none of its own. `brief` leaves out why it matters, the tips and the warning
    (the question is asked again right after them, for an answer that did not fit). Buttons that answer
    come first; the navigation buttons (keep, skip, back, done…) after them.
    """
    kind = standing.kind
    step = standing.plan.step_of(question.id)
    lines = [progress(t, standing, step, question), ""]
    fields = fields_of(question)
    first_part = not fields or (draft.field == 0 and not draft.entries and not draft.more and not draft.listing)
    if question.check:
        lines.append(
            t.gettext("Policy consequence named by the step plan:")
            if question.check == "consequence"
            else t.gettext("Obstacle named by the step plan:")
        )
    lines.append(say(t, question.text, kind))
    if first_part and not brief:
        lines += _guidance(t, standing, question)
    if in_list_menu(draft):
        return _list_menu(t, standing, question, draft, lines, can_go_back)
    back = [Button(t.gettext("◀ Back"), "back")] if steps_back(draft) or (can_go_back and first_part) else []
    field_kept = bool(fields) and fields[draft.field].id in draft.entry and not draft.more
    keep_whole = first_part and not field_kept and (answered or earlier is not None)
    if keep_whole:
        shown = format_value(question, current if answered else earlier, t, kind) or t.gettext("(skipped)")
        lines += ["", t.gettext("Current answer: {answer}").format(answer=shown)]
        if not answered:
            lines.append(t.gettext("Still true? Keep it, or give the new answer."))
    if draft.more:
        added = entry_label(t, question, len(draft.entries), kind)
        lines += ["", t.gettext("{entry} added. Add another?").format(entry=added)]
        buttons = [Button(t.gettext("Add another"), "more"), Button(t.gettext("Done"), "done")]
        return Message("\n".join(lines), buttons + back, expects="choice")
    spec: Question | FieldSpec = question
    if fields:
        spec = fields[draft.field]
        if question.type == QuestionType.repeat:
            number = (draft.changing if draft.changing is not None else len(draft.entries)) + 1
            lines += ["", entry_label(t, question, number, kind)]
        lines += ["", "→ " + say(t, spec.text, kind)]
        if spec.hint:
            lines.append(t.gettext("Hint: {hint}").format(hint=said(t, standing, spec.hint)))
        if field_kept:
            shown = format_value(spec, draft.entry[spec.id], t, kind) or t.gettext("(skipped)")
            lines.append(t.gettext("Current answer: {answer}").format(answer=shown))
    if draft.other_pending:
        lines += ["", t.gettext("Type your other answer.")]
        return Message("\n".join(lines), back, expects="text")
    buttons, expects = _answer_buttons(t, spec, draft, kind)
    if can_skip(question, draft):
        lines += ["", t.gettext("This one is optional: /skip to leave it open.")]
        buttons.append(Button(t.gettext("Skip"), "skip"))
    if field_kept or keep_whole:
        buttons.append(Button(t.gettext("Keep current answer"), "keep"))
    return Message("\n".join(lines), buttons + back, expects=expects)


def steps_back(draft: QuestionDraft) -> bool:
    """/back steps back inside the answer being built (a field, an entry, the "Other" text) rather than
    to the previous question."""
    return (
        draft.other_pending
        or draft.removing
        or draft.changing is not None
        or draft.more
        or draft.field > 0
        or (bool(draft.entries) and not draft.listing)
    )


def entry_label(t: Translator, question: Question, number: int, kind: Kind | None) -> str:
    """One entry of a list by its own noun and number ("Organisation 2"), else "Entry 2"."""
    if question.entry_name:
        return f"{say(t, question.entry_name, kind)} {number}"
    return t.gettext("Entry {number}").format(number=number)


def _list_menu(
    t: Translator, standing: Standing, question: Question, draft: QuestionDraft, lines: list[str], can_go_back: bool
) -> Message:
    """An answered list: pick an entry to change (or to remove), add one, or be done."""
    kind = standing.kind
    buttons = [
        Button(
            shorten(f"{entry_label(t, question, n + 1, kind)}: {format_entry(question, entry, t, kind)}", 60),
            f"entry:{n}",
        )
        for n, entry in enumerate(draft.entries)
    ]
    if draft.removing:
        lines += ["", t.gettext("Which entry do you want to remove?")]
        return Message("\n".join(lines), [*buttons, Button(t.gettext("◀ Back"), "back")], expects="choice")
    count = len(draft.entries)
    lines += [
        "",
        t.ngettext("This list has {count} entry.", "This list has {count} entries.", count).format(count=count),
        t.gettext("Choose an entry to change it, or add or remove one."),
    ]
    if count < question.max_entries:
        buttons.append(Button(t.gettext("Add an entry"), "add"))
    if count > question.min_entries:
        buttons.append(Button(t.gettext("Remove an entry"), "remove"))
    buttons.append(Button(t.gettext("Done"), "done"))
    if can_go_back:
        buttons.append(Button(t.gettext("◀ Back"), "back"))
    return Message("\n".join(lines), buttons, expects="choice")


def _guidance(t: Translator, standing: Standing, question: Question) -> list[str]:
    """Why it matters, a hint, the key to success and the warning that go with a question."""
    kind = standing.kind
    lines = []
    if question.why:
        lines.append(t.gettext("Why it matters: {why}").format(why=said(t, standing, question.why)))
    if question.hint:
        lines.append(t.gettext("Hint: {hint}").format(hint=said(t, standing, question.hint)))
    if question.tip:
        key = standing.plan.keys[question.tip]
        lines.append(
            t.gettext("Key to success {number}, {title}: {tip}").format(
                number=key.number, title=say(t, key.title, kind), tip=said(t, standing, key.tip)
            )
        )
    if question.warning:
        lines.append(t.gettext("Watch out: {warning}").format(warning=said(t, standing, question.warning)))
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
        if spec.other and draft.other:
            buttons.append(Button("✓ " + t.gettext("Other: {answer}").format(answer=shorten(draft.other, 40)), "other"))
        elif spec.other:
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
        t.gettext("/translate: the drafts for the partner, passage by passage, in the partner's language"),
        t.gettext("/template: our letterhead for the drafts (coordinator)"),
        t.gettext("/mydata, /forgetme: your data; /export, /deleteproject: the project's (coordinator)"),
        t.gettext("/help: this help"),
        "",
        t.gettext("Your answers are saved as you go: stop any time and continue later where you left off."),
    ]
    return Message("\n".join(lines))
