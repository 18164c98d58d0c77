"""Read dialogs/ into a checked `Plan`, or fail saying which file, where and what is wrong.

The checks go beyond the shape of each file: ids must be unique across the whole plan,
every `when`, `tip` and `confirm` must name something that exists and comes earlier, every
document template may only read answers the plan defines, and every question must be read
by something (a draft, the candidate ranking, the ten-keys check, skip logic or the calendar)
unless it says why not with `internal:`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, TemplateSyntaxError, nodes
from pydantic import BaseModel, ValidationError

from bot.paths import DIALOGS_DIR
from bot.plan.models import TERM, Condition, Plan, Question, QuestionType, Step, Terms, Wording
from bot.plan.templates import answers_used, templates_read

# What `project.<fact>` in a template reads: the opening questions behind the project's facts.
PROJECT_FACTS = {"name": "municipality", "country": "country", "kind": "kind"}
# Where `{term}` placeholders are resolved (prompts.say shows these texts); elsewhere they would print as is.
TERM_SETTINGS = ("why", "hint", "warning")


class PlanError(Exception):
    """A plan file is broken; the message names the file, the place and the problem."""

    def __init__(self, file: Path | str, place: str, problem: str) -> None:
        self.file, self.place, self.problem = str(file), place, problem
        super().__init__(f"{file}: {place}: {problem}" if place else f"{file}: {problem}")


def load_plan(root: Path = DIALOGS_DIR) -> Plan:
    """Load and check the plan kept in `root` (by default the project's dialogs/)."""
    index_file = root / "plan.yaml"
    index = _read_yaml(index_file)
    steps_dir = root / "steps"
    steps: dict[str, Step] = {}
    step_files: dict[str, Path] = {}
    for path in sorted(steps_dir.glob("*.yaml")):
        step = _parse(Step, _read_yaml(path), path)
        if step.id in steps:
            raise PlanError(path, "id", f"step id {step.id!r} is also used in {step_files[step.id].name}")
        steps[step.id] = step
        step_files[step.id] = path
    setup_id = index.get("setup") if isinstance(index, dict) else None
    if setup_id not in steps:
        raise PlanError(index_file, "setup", f"no step file defines the setup step {setup_id!r}")
    keys_file = root / "keys.yaml"
    documents_file = root / "documents.yaml"
    data = {
        "kinds": index.get("kinds"),
        "stages": index.get("stages"),
        "setup": steps.pop(setup_id),
        "steps": steps,
        "keys": {k["id"]: k for k in _read_yaml(keys_file).get("keys", []) if isinstance(k, dict)},
        "documents": _read_yaml(documents_file).get("documents"),
        "funding": _read_yaml(root / "funding.yaml"),
        "carry_over": index.get("carry_over", []),
        "calendar": index.get("calendar", []),
        "health": _read_yaml(root / "health.yaml"),
        "root": root,
    }
    terms_file = root / "terms.yaml"
    if terms_file.is_file():
        data["terms"] = _parse(Terms, _read_yaml(terms_file), terms_file)
    plan = _parse(Plan, data, index_file)
    _check_stages(plan, index_file)
    _check_questions(plan, step_files)
    unknown = [qid for qid in plan.carry_over if qid not in plan.questions()]
    if unknown:
        raise PlanError(index_file, "carry_over", f"no question {unknown[0]!r}")
    _check_health(plan, root / "health.yaml")
    _check_calendar(plan, index_file)
    _check_funding(plan, root / "funding.yaml")
    _check_terms(plan, step_files, root)
    reads = _check_documents(plan, root, documents_file)
    _check_read(plan, step_files, reads)
    return plan


@cache
def default_terms(root: Path = DIALOGS_DIR) -> Terms:
    """The country terms of the plan in `root`, for wording shown without a loaded plan at hand."""
    path = root / "terms.yaml"
    return _parse(Terms, _read_yaml(path), path) if path.is_file() else Terms()


def questions_read(plan: Plan) -> dict[str, str]:
    """Every question something reads, with what reads it (a template, the ranking, health.yaml…)."""
    read: dict[str, str] = {}
    for document in plan.documents:
        for name in templates_read(plan.templates, document.template):
            source = (plan.templates / name).read_text(encoding="utf-8")
            for qid, reader in _template_reads(plan, source, name).items():
                read.setdefault(qid, reader)
    return _other_reads(plan) | read


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise PlanError(path, "", "file is missing") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlanError(path, place, f"not valid YAML ({getattr(error, 'problem', error)})") from None


def _parse(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise PlanError(path, _place(data, first["loc"]), _problem(dict(first))) from None


def _place(data: Any, loc: tuple[Any, ...]) -> str:
    """Describe a pydantic location the way an editor looks for it: by ids, not by indexes."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list) and item < len(node):
            node = node[item]
            label = node.get("id") if isinstance(node, dict) else None
            parts.append(f"[{item + 1}]" + (f" (id {label})" if label else ""))
        elif isinstance(item, str) and isinstance(node, dict):
            node = node.get(item)
            parts.append(item)
        else:
            parts.append(str(item))
    return " > ".join(parts).replace(" > [", " [")


def _problem(error: dict[str, Any]) -> str:
    if error["type"] == "enum" and error["loc"] and error["loc"][-1] == "type":
        return f"unknown question type {error['input']!r} ({error['ctx']['expected']})"
    if error["type"] == "extra_forbidden":
        return f"unknown setting {error['loc'][-1]!r}"
    return error["msg"].removeprefix("Value error, ")


def _check_stages(plan: Plan, index_file: Path) -> None:
    seen: set[str] = set()
    for stage in plan.stages:
        for step_id in stage.steps:
            if step_id not in plan.steps:
                raise PlanError(index_file, f"stage {stage.number} > steps", f"no step {step_id!r}")
            if step_id in seen:
                raise PlanError(index_file, f"stage {stage.number} > steps", f"step {step_id!r} listed twice")
            seen.add(step_id)
            if plan.steps[step_id].stage != stage.number:
                raise PlanError(index_file, f"stage {stage.number}", f"step {step_id!r} says it is in another stage")
    unused = set(plan.steps) - seen
    if unused:
        raise PlanError(index_file, "stages", f"steps not placed in any stage: {', '.join(sorted(unused))}")


def _check_questions(plan: Plan, files: dict[str, Path]) -> None:
    """Ids unique across the plan; `when`, `tip` and `confirm` point at things that exist (and come earlier)."""
    seen: dict[str, str] = {}
    earlier: dict[str, Question] = {}
    for step in plan.ordered_steps():
        path = files[step.id]
        for position, question in enumerate(step.questions, start=1):
            place = f"questions [{position}] (id {question.id})"
            if question.id in seen:
                raise PlanError(path, place, f"duplicate id: {question.id!r} is also used in step {seen[question.id]}")
            if question.when is not None:
                _check_condition(question.when, seen, path, place)
            if question.tip is not None and question.tip not in plan.keys:
                raise PlanError(path, f"{place} > tip", f"no key to success {question.tip!r} in keys.yaml")
            if question.confirm is not None:
                _check_confirm(question, earlier.get(question.confirm), path, f"{place} > confirm")
            seen[question.id] = step.id
            earlier[question.id] = question


def _check_confirm(question: Question, original: Question | None, path: Path, place: str) -> None:
    """`confirm` names an earlier question whose answer is also a valid answer to this one."""
    if original is None:
        raise PlanError(path, place, f"names unknown or later question {question.confirm!r}")
    if original.type != question.type:
        raise PlanError(
            path, place, f"{question.confirm!r} is a {original.type.value} question, this one a {question.type.value}"
        )
    missing = {o.id for o in original.options} - {o.id for o in question.options}
    missing |= {f.id for f in original.fields} - {f.id for f in question.fields}
    if missing:
        raise PlanError(path, place, f"{question.confirm!r} has options or fields this one lacks: {sorted(missing)}")


def _check_condition(condition: Condition, earlier: dict[str, str], path: Path, place: str) -> None:
    for name in condition.questions():
        if name != "kind" and name not in earlier:
            raise PlanError(path, f"{place} > when", f"names unknown or later question {name!r}")


def _check_calendar(plan: Plan, index_file: Path) -> None:
    """Calendar sources are lists with a date field and a label field."""
    questions = plan.questions()
    for position, source in enumerate(plan.calendar, start=1):
        question = questions.get(source.question)
        fields = {f.id: f.type for f in question.fields} if question else {}
        if question is None or question.type != "repeat":
            raise PlanError(index_file, f"calendar [{position}]", f"{source.question!r} is not a list question")
        if fields.get(source.date_field) != "date" or source.label_field not in fields:
            raise PlanError(index_file, f"calendar [{position}]", "needs a date field and a label field of the list")


def _check_health(plan: Plan, path: Path) -> None:
    """Signals and actions name keys and questions that exist."""
    questions = plan.questions()
    for position, signal in enumerate(plan.health.signals, start=1):
        place = f"signals [{position}]"
        if signal.key not in plan.keys:
            raise PlanError(path, f"{place} > key", f"no key {signal.key!r} in keys.yaml")
        for qid in sorted(signal.questions()):
            if qid not in questions:
                raise PlanError(path, place, f"no question {qid!r}")
    missing = set(plan.keys) - set(plan.health.actions)
    if missing:
        raise PlanError(path, "actions", f"no next action for {', '.join(sorted(missing))}")


def _check_funding(plan: Plan, path: Path) -> None:
    """A route's countries are codes that terms.yaml knows (when the plan has a terms table)."""
    known = set(plan.terms.countries)
    for position, route in enumerate(plan.funding.routes, start=1):
        unknown = [code for code in route.countries if known and code not in known]
        if unknown:
            raise PlanError(path, f"routes [{position}] (id {route.id}) > countries", f"unknown country {unknown[0]!r}")


def _texts(wording: Wording | None) -> list[str]:
    if wording is None:
        return []
    return [wording] if isinstance(wording, str) else [wording.european, wording.north_south]


def _check_terms(plan: Plan, files: dict[str, Path], root: Path) -> None:
    """`{term}` placeholders name a term of terms.yaml and stand only where prompts.say resolves them."""

    def check(texts: list[str], resolved: bool, path: Path, place: str) -> None:
        for text in texts:
            for name in TERM.findall(text):
                if not resolved:
                    raise PlanError(
                        path,
                        place,
                        f"{{{name}}} is only filled in where the bot speaks (why, hint, warning, a step's purpose, "
                        "tasks and results, a key's tip); write this text without it",
                    )
                if name not in plan.terms.terms:
                    raise PlanError(path, place, f"{{{name}}} is not a term of terms.yaml")

    for step in plan.ordered_steps():
        path = files[step.id]
        check(_texts(step.title), False, path, "title")
        check(_texts(step.purpose), True, path, "purpose")
        for name in ("tasks", "results"):
            for item in getattr(step, name):
                check(_texts(item), True, path, name)
        for item in step.documents:
            check(_texts(item), False, path, "documents")
        for position, question in enumerate(step.questions, start=1):
            place = f"questions [{position}] (id {question.id})"
            check(_texts(question.text), False, path, f"{place} > text")
            check(_texts(question.entry_name), False, path, f"{place} > entry_name")
            for setting in TERM_SETTINGS:
                check(_texts(getattr(question, setting)), True, path, f"{place} > {setting}")
            for option in question.options:
                check(_texts(option.label), False, path, f"{place} > options ({option.id})")
            for field in question.fields:
                check(_texts(field.text), False, path, f"{place} > fields ({field.id}) > text")
                check(_texts(field.hint), True, path, f"{place} > fields ({field.id}) > hint")
                for option in field.options:
                    check(_texts(option.label), False, path, f"{place} > fields ({field.id}) > options")
    for key in plan.keys.values():
        check(_texts(key.title), False, root / "keys.yaml", f"keys ({key.id}) > title")
        check(_texts(key.tip), True, root / "keys.yaml", f"keys ({key.id}) > tip")
    for route in plan.funding.routes:
        for name in ("name", "text", "where", "source", "period"):
            check(_texts(getattr(route, name)), True, root / "funding.yaml", f"routes ({route.id}) > {name}")
    for key_id, action in plan.health.actions.items():  # these reach the drafts, which fill in no terms
        check(_texts(action), False, root / "health.yaml", f"actions > {key_id}")
    for position, signal in enumerate(plan.health.signals, start=1):
        check([signal.message], False, root / "health.yaml", f"signals [{position}] > message")
    for document in plan.documents:
        check(_texts(document.title), False, root / "documents.yaml", f"documents ({document.id}) > title")


def _template_reads(plan: Plan, source: str, name: str) -> dict[str, str]:
    """The questions a template reads: `a.<id>`, `q.<id>`, `checks("<step>")`, `ranking("<list>")`, `project.*`."""
    found = {qid: f"template {name}" for qid in answers_used(source)}
    tree = Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    for call in tree.find_all(nodes.Call):
        if not (isinstance(call.node, nodes.Name) and call.args and isinstance(call.args[0], nodes.Const)):
            continue
        argument = call.args[0].value
        if call.node.name == "checks" and argument in plan.steps:
            for question in plan.steps[argument].questions:
                if question.type == QuestionType.check:
                    found.setdefault(question.id, f"template {name} (checks)")
        elif call.node.name == "ranking":
            found.setdefault(argument, f"template {name} (ranking)")
    for attribute in tree.find_all(nodes.Getattr):
        if isinstance(attribute.node, nodes.Name) and attribute.node.name == "project":
            fact = PROJECT_FACTS.get(attribute.attr)
            if fact:
                found.setdefault(fact, f"template {name} (project.{attribute.attr})")
    return found


def _other_reads(plan: Plan) -> dict[str, str]:
    """What reads answers besides the templates: the ranking, health.yaml, skip logic, the calendar."""
    read: dict[str, str] = {}
    questions = plan.questions()
    score_fields = {
        f.id.removeprefix("score_") for q in questions.values() for f in q.fields if f.id.startswith("score_")
    }
    for question in questions.values():
        if question.type == QuestionType.criterion or question.id in score_fields:
            read.setdefault(question.id, "the ranking of candidates")
        if any(f.id.startswith("score_") for f in question.fields):
            read.setdefault(question.id, "the ranking of candidates")
        if question.when is not None:
            for name in question.when.questions():
                read.setdefault(name, f"skip logic of {question.id}")
        if question.kinds is not None:
            read.setdefault("kind", f"kinds of {question.id}")
    for signal in plan.health.signals:
        for qid in signal.questions():
            read.setdefault(qid, "health.yaml")
    for source in plan.calendar:
        read.setdefault(source.question, "the calendar in plan.yaml")
    if any(not isinstance(q.text, str) for q in questions.values()) or any(
        not isinstance(s.purpose, str) for s in plan.ordered_steps()
    ):
        read.setdefault("kind", "wording for the kind of partnership")
    return read


def _check_read(plan: Plan, files: dict[str, Path], reads: dict[str, str]) -> None:
    """Every question feeds something, or says with `internal:` why it is asked anyway."""
    read = reads | _other_reads(plan)
    for step in plan.ordered_steps():
        for position, question in enumerate(step.questions, start=1):
            if question.id not in read and question.internal is None:
                raise PlanError(
                    files[step.id],
                    f"questions [{position}] (id {question.id})",
                    "no draft, ranking, ten-keys check or skip logic reads this answer: use it in a template, "
                    'or say why it is asked with `internal: "<why>"`',
                )


def _check_documents(plan: Plan, root: Path, documents_file: Path) -> dict[str, str]:
    """Templates exist, parse and read only answers the plan defines; returns what they read."""
    known = set(plan.questions())
    reads: dict[str, str] = {}
    ids: set[str] = set()
    for position, document in enumerate(plan.documents, start=1):
        place = f"documents [{position}] (id {document.id})"
        if document.id in ids:
            raise PlanError(documents_file, place, f"duplicate document id {document.id!r}")
        ids.add(document.id)
        if document.stage not in {s.number for s in plan.stages}:
            raise PlanError(documents_file, place, f"no stage {document.stage}")
        template = plan.templates / document.template
        if not template.is_file():
            raise PlanError(documents_file, f"{place} > template", f"no template file {document.template!r}")
        if document.bilingual and document.audience != "partner":
            raise PlanError(documents_file, place, "a bilingual draft is one that goes to the partner")
        try:
            names = templates_read(plan.templates, document.template)
        except TemplateSyntaxError as error:
            raise PlanError(template, f"line {error.lineno}", error.message or "template syntax error") from None
        for name in names:  # the template and the shared macros it imports
            path = plan.templates / name
            try:
                source = path.read_text(encoding="utf-8")
                used = answers_used(source)
            except TemplateSyntaxError as error:
                raise PlanError(path, f"line {error.lineno}", error.message or "template syntax error") from None
            for qid, line in sorted(used.items(), key=lambda item: item[1]):
                if qid not in known:
                    raise PlanError(path, f"line {line}", f"uses answer {qid!r}, which no question defines")
            reads.update(_template_reads(plan, source, name))
    return reads
