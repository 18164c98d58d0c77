"""Drafts in the form their readers know, and what may reach the partner.

A council decision in its country's form with numbered articles and the places for the signatures; scales
and yes/no in words, never "3/5" or "(1 = …, 5 = …)"; a visible placeholder where an answer is missing; the
two documents of step 6; and, per draft that goes to the partner, what it may contain.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.documents.drafts import DraftRequest, Source, _used, build
from bot.documents.render import ProjectFacts
from bot.i18n import translator
from bot.plan.answers import option_label
from bot.plan.builtins import fields_of
from bot.plan.models import Kind, Plan
from tests.readers import docx_text, pdf_text
from tests.test_documents import FACTS, TODAY, document, request, stored_demo

FORMS = {
    "Belgium": [
        "Policy statement on international cooperation and a city link – approval",
        "The municipal council is competent under the Local Government Decree of 22 December 2017",
        "The municipal council decides:",
        "Article 1. The municipal council approves the policy statement",
        "Article 5.",
        "The general director",
        "The chair of the municipal council",
    ],
    "Nederland": [
        "Council proposal: policy statement on international cooperation",
        "Points for decision",
        "The council of the municipality of Lindenberg,",
        "having read the proposal of the college of mayor and aldermen;",
        "decides:",
        "1. to adopt the policy statement",
        "The clerk of the council (griffier)",
    ],
    "Sverige": [
        "Official's report to the municipal council of Lindenberg",
        "The municipal executive board proposes that the municipal council decides:",
        "1. to adopt the policy statement",
        "Local Government Act (2017:725), chapter 5, section 1",
        "Adjuster",
    ],
    "Kenya": [
        "The municipal council decides:",
        "Article 1. The municipal council approves the policy statement",
        "The secretary",
        "The chair of the municipal council",
    ],
}


def with_country(plan: Plan, country: str, **changes) -> DraftRequest:
    values = stored_demo(plan) | {"country": country} | changes
    facts = ProjectFacts("Lindenberg", country, "north_south")
    return DraftRequest(plan, values, Kind.north_south, facts, {}, TODAY)


def text_of(draft) -> str:
    """Both files' text; the PDF's page numbers ("· 2/5" in the footer) left out."""
    return docx_text(draft.docx) + "\n" + re.sub(r"· \d+/\d+", "", pdf_text(draft.pdf).replace("\n", " "))


@pytest.mark.parametrize("country", FORMS)
def test_the_policy_statement_is_a_draft_council_decision_in_the_country_form(plan: Plan, country: str) -> None:
    draft = build(with_country(plan, country), document(plan, "policy_statement"), "en", 1)
    text = docx_text(draft.docx)
    for expected in FORMS[country]:
        assert expected in text, (country, expected)
    assert "January 24, 2028" in text  # the meeting the decision is drafted for
    assert "Signature" in text or "Name and signature" in text


@pytest.mark.parametrize("country", ["Belgium", "Nederland", "Sverige", "Kenya"])
def test_the_start_of_the_link_is_a_council_decision_too(plan: Plan, country: str) -> None:
    draft = build(with_country(plan, country), document(plan, "start_decision"), "en", 1)
    text = docx_text(draft.docx)
    assert "San Rafael del Norte" in text and "March 26, 2029" in text  # the partner, the council meeting
    assert "Greet Verbeke, mayor of Lindenberg" in text  # who is mandated to sign
    labels = [option_label(plan.questions()["protocol_tested_with"], o, translator("en"), Kind.north_south)
              for o in stored_demo(plan)["protocol_tested_with"]["selected"]]  # fmt: skip
    assert labels[0].lower()[:20] in text.lower()  # the test of the protocol in both towns reaches the decision
    assert "Kisanga" not in text and "Second choice" not in text  # a published decision: no internal choice
    assert "Name and signature" in text


def test_step_six_describes_the_partner_from_the_visits_and_its_answers(plan: Plan) -> None:
    values = stored_demo(plan)
    text = docx_text(build(request(plan, values), document(plan, "partner_description"), "en", 1).docx)
    for field in ("situation", "administration", "challenges", "civil_society"):
        assert values["partner_portrait"][field][:60] in text, field
    assert values["mission_learnings"][:60] in text and "Marlon Rizo" in text
    memo = docx_text(build(request(plan, values), document(plan, "internal_memo"), "en", 1).docx)
    obstacles = plan.questions()["mission_obstacles"]
    for chosen in values["mission_obstacles"]["selected"]:  # the step-6 obstacles reach the internal memo
        assert option_label(obstacles, chosen, translator("en"), Kind.north_south) in memo
    assert values["mission_obstacles_note"][:60] in memo


def all_drafts(plan: Plan, values: dict, language: str = "en", **extra) -> dict[str, str]:
    sources = {qid: Source("Sofie Van Damme", "2027-03-01T10:00:00+00:00") for qid in values}
    req = DraftRequest(plan, values, Kind.north_south, FACTS, sources, TODAY, **extra)
    return {d.id: text_of(build(req, d, language, 1)) for d in plan.documents}


def test_scales_and_yes_no_are_words_never_three_out_of_five(plan: Plan) -> None:
    health = {f"key{n}": n % 5 + 1 for n in range(1, 11)}
    texts = all_drafts(plan, stored_demo(plan), health=health)
    for draft_id, text in texts.items():
        if draft_id.startswith("sources_"):
            continue  # the annex records the answers as given
        assert not re.search(r"\b[1-5]/5\b", text), draft_id
        assert "(1 =" not in text and "(1 = " not in text, draft_id
    low = docx_text(build(request(plan, stored_demo(plan) | {"political_support": 1}),
                          document(plan, "policy_statement"), "en", 1).docx)  # fmt: skip
    high = docx_text(build(request(plan, stored_demo(plan) | {"political_support": 5}),
                           document(plan, "policy_statement"), "en", 1).docx)  # fmt: skip
    assert "only a few council members support the link" in low
    assert "broad support in the council, from majority and opposition alike" in high


def test_every_draft_shows_what_is_still_to_be_completed(plan: Plan) -> None:
    values = {"municipality": "Lindenberg", "country": "Belgium", "kind": "north_south"}
    for document_ in plan.documents:
        if document_.annex:
            continue
        text = docx_text(build(request(plan, values), document_, "en", 1).docx)
        assert "[to be completed:" in text, document_.id


def test_the_summary_report_takes_the_form_the_committee_chose(plan: Plan) -> None:
    values = stored_demo(plan)
    brochure = values | {"comm_refined": values["comm_refined"] | {"report_form": "brochure"}}
    report = docx_text(build(request(plan, values), document(plan, "summary_report"), "en", 1).docx)
    leaflet = docx_text(build(request(plan, brochure), document(plan, "summary_report"), "en", 1).docx)
    assert "Report of the steering group to the municipal council" in report and " you " not in report
    assert "A city link for Lindenberg" in leaflet and "how you can take part" in leaflet
    for concern in values["resident_concerns"]:  # each concern with the committee's answer
        assert concern["concern"] in report and concern["answer"][:50] in report


def test_the_communication_plans_have_objectives_per_audience_an_action_table_and_measures(plan: Plan) -> None:
    values = stored_demo(plan)
    for draft_id, actions, field in (
        ("communication_plan", "comm_actions", "action"),
        ("cooperation_communication_plan", "coop_comm_tasks", "task"),
    ):
        text = docx_text(build(request(plan, values), document(plan, draft_id), "en", 1).docx)
        assert "Objectives per audience" in text and "How we will know that it works" in text
        assert "What | For whom | Channel |" in text  # the action table's header
        for row in values[actions]:
            assert row[field] in text and row["indicator"] in text
    stage_one = docx_text(build(request(plan, values), document(plan, "communication_plan"), "en", 1).docx)
    assert "Total" in stage_one and "€1,200.00" in stage_one  # what the actions cost together


# What each draft that goes to the partner may read. A draft that reads anything else (weights, scores,
# exclusions, the committee's doubts, the ten-keys check, members' notes) fails here.
PARTNER_MAY_READ = {
    "municipal_profile": {
        "municipality", "country", "kind", "region_identity", "population", "staff_count", "policy_fields",
        "civil_society", "existing_links_list", "offer", "learn", "local_partners", "coordinator_name",
    },
    "partner_checklist": {
        "municipality", "country", "kind", "population", "offer", "learn", "search_profile_sharing",
        "crit_region", "crit_size", "crit_structure", "crit_policy", "crit_civil_society",  # the wishes only
        "checklist_points", "checklist_deadline", "partner_language", "partner_language_other", "coordinator_name",
    },
    "cooperation_protocol": {
        "municipality", "country", "kind", "chosen_partner", "partner_country", "protocol_signature",
        "council_decision_date", "mission_outgoing", "mission_incoming", "protocol_objectives", "protocol_fields",
        "coordinator_name", "partner_team", "committee_members", "protocol_contact_rhythm",
        "protocol_work_programme", "protocol_financing", "visit_costs", "partner_language",
        "partner_language_other", "protocol_interpretation_how", "protocol_citizen_info", "evaluation_dates",
        "protocol_term",
    },
}  # fmt: skip


def test_each_draft_for_the_partner_reads_only_what_the_partner_may_see(plan: Plan) -> None:
    facing = {d.id: d for d in plan.documents if d.partner_facing}
    assert set(facing) == set(PARTNER_MAY_READ)
    for draft_id, allowed in PARTNER_MAY_READ.items():
        read = set(_used(plan.templates / facing[draft_id].template)) | {"municipality", "country", "kind"}
        assert read <= allowed, (draft_id, sorted(read - allowed))


@pytest.mark.parametrize("language", ["en", "es"])
def test_drafts_for_the_partner_carry_no_weights_scores_exclusions_notes_or_annex(plan: Plan, language) -> None:
    values = stored_demo(plan) | {"search_profile_sharing": "full"}  # share as much as the committee can
    notes = {
        values["candidates"][0]["name"]: [
            {"crit_region": 5, "_name": "Anna Peeters", "_pros": "PRO-NOTE-7741", "_cons": "CON-NOTE-8852"}
        ]
    }
    health = {f"key{n}": 2 for n in range(1, 11)}
    texts = all_drafts(plan, values, language, member_scores=notes, health=health)
    t = translator(language)
    weights = fields_of(plan.questions()["crit_region"])[1]
    forbidden = [
        "PRO-NOTE-7741", "CON-NOTE-8852", "Anna Peeters",  # members' notes from /score, and who gave them
        "Sofie Van Damme, 2027", t.gettext("Weight"), t.translate(weights.low), t.translate(weights.high),
        t.gettext("Weighted score"), t.gettext("Ten keys to success: our check"), "/5",
        "Kisanga", values["choice_reasons"][:40], values["mission_obstacles_note"][:40],
        values["support_now"]["improve"][:40], values["partner_profile_changes"][:40],
        t.date(date(2027, 3, 1)),  # when members answered: the annex
    ]  # fmt: skip
    exclusions = plan.questions()["exclusion_topics"]
    forbidden += [t.translate(o.label if isinstance(o.label, str) else o.label.north_south) for o in exclusions.options]
    forbidden += [row["pros"][:40] for row in values["candidates"]] + [row["cons"][:40] for row in values["candidates"]]
    for draft_id in PARTNER_MAY_READ:
        for secret in forbidden:
            assert secret not in texts[draft_id], (draft_id, secret)
    assert "PRO-NOTE-7741" in texts["candidate_comparison"]  # (the internal comparison does show them)


def test_the_plan_check_reads_the_shared_macros_of_a_template_too(tmp_path) -> None:
    import shutil

    from bot.paths import DIALOGS_DIR
    from bot.plan.loader import PlanError, load_plan, questions_read

    root = tmp_path / "dialogs"
    shutil.copytree(DIALOGS_DIR, root)
    council = root / "documents" / "_council.md.j2"
    council.write_text(council.read_text(encoding="utf-8") + "\n{{ a.no_such_question }}\n", encoding="utf-8")
    with pytest.raises(PlanError) as error:
        load_plan(root)
    assert error.value.file.endswith("_council.md.j2") and "no_such_question" in error.value.problem
    # a question read only by a shared macro counts as read, and one read by nothing stops the plan
    council.write_text(council.read_text(encoding="utf-8").replace("a.no_such_question", "a.motivation"))
    for name in ("policy_statement.md.j2", "summary_report.md.j2"):
        template = root / "documents" / name
        template.write_text(template.read_text(encoding="utf-8").replace("a.motivation", "a.objectives"))
    assert questions_read(load_plan(root))["motivation"] == "template _council.md.j2"
    council.write_text(council.read_text(encoding="utf-8").replace("{{ a.motivation }}", ""))
    with pytest.raises(PlanError) as error:
        load_plan(root)
    assert "(id motivation)" in error.value.place and "internal" in error.value.problem
