"""The casework flow: client, information and consents, occasions with drafts, profile, change, plan,
referrals and concerns."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lti_tool.assessment.models import Concern, Occasion, ReferralService
from lti_tool.extensions import db
from lti_tool.services.models import GradeOutbox

from .conftest import DOMAINS, FORMULATION, PSEUDONYM, World, answers_form, full_case, new_client, new_occasion


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_full_flow_pages(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    record = text(p.get(f"/assessment/clients/{case.client_id}"))
    assert PSEUDONYM in record and "Keeping a support record" in record
    profile = text(p.get(f"/assessment/clients/{case.client_id}/profile"))
    assert "I need help with this now" not in profile  # client view 2 is "I would like some help with this"
    assert "I would like some help with this" in profile
    assert "Some need, can manage with information" in profile  # the latest occasion (need 1)
    assert FORMULATION in profile
    older = text(p.get(f"/assessment/clients/{case.client_id}/profile", occasion=case.occasions[0]))
    assert "Urgent, needs action this week" in older
    change = text(p.get(f"/assessment/clients/{case.client_id}/change"))
    # every domain was filled in (the optional one too), so each row shows one arrow down
    assert change.count("less support needed") == len(DOMAINS)
    assert "first occasion" in change


def test_change_is_per_domain(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = new_client(p)
    for occasion_type, date, form in (
            ("week-1", "2025-01-01", answers_form(need="1", domains=("housing", "family"))),
            ("month-1", "2025-02-01", {**answers_form(need="1", domains=("housing", "family")),
                                       "housing.need": "3", "family.need": "0"})):
        occasion_id = new_occasion(p, client_id, occasion_type, date)
        assert p.post(f"/assessment/occasions/{occasion_id}", form).status_code == 303
    body = p.json(f"/api/assessment/clients/{client_id}/change").get_json()
    rows = {r["domain_id"]: [c["direction"] for c in r["cells"]] for r in body["domains"]}
    assert rows["housing"] == ["first", "more"]
    assert rows["family"] == ["first", "less"]
    assert rows["mental-health"] == ["first", "not_comparable"]
    assert "children-caring" not in rows  # optional and never filled in


def test_evidence_note_required_for_need_two_or_clear_strength(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = new_client(p)
    occasion_id = new_occasion(p, client_id)
    form = answers_form(need="2")
    form["housing.evidence_note"] = " "
    form["family.need"], form["family.strength"], form["family.evidence_note"] = "0", "2", ""
    form["mental-health.need"], form["mental-health.evidence_note"] = "1", ""
    resp = p.post(f"/assessment/occasions/{occasion_id}", form)
    assert resp.status_code == 422
    page = text(resp)
    assert 'href="#housing-evidence_note"' in page and 'href="#family-evidence_note"' in page
    assert 'href="#mental-health-evidence_note"' not in page
    # nothing typed is lost: the draft keeps what was posted
    assert FORMULATION in text(p.get(f"/assessment/occasions/{occasion_id}"))


def test_at_most_three_priorities(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    resp = p.post(f"/assessment/occasions/{occasion_id}", answers_form(priorities=tuple(DOMAINS[:4])))
    assert resp.status_code == 422
    assert "at most 3" in text(resp)


def test_autosave_keeps_every_field_and_resumes(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    url = f"/api/assessment/occasions/{occasion_id}/draft"
    resp = p.post(url, {"touched": ["housing.evidence_note", "housing.information_sources", "nonsense"],
                        "housing.evidence_note": "Typed before the tab closed",
                        "housing.information_sources": ["documents", "client_self_report"], "nonsense": "x"})
    assert resp.status_code == 200 and resp.get_json()["saved"] == 2
    p.post(url, {"touched": "housing.need", "housing.need": "3"})
    form = text(p.get(f"/assessment/occasions/{occasion_id}"))
    assert "Typed before the tab closed" in form
    assert re.search(r'id="housing-need-3"[^>]*checked', form)
    assert re.search(r'id="housing-src-documents"[^>]*checked', form)
    # unticking every source is saved as well
    p.post(url, {"touched": "housing.information_sources"})
    assert not re.search(r'id="housing-src-documents"[^>]*checked', text(p.get(f"/assessment/occasions/{occasion_id}")))


def test_no_js_save_button_keeps_a_draft(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    form = {**answers_form(), "action": "save", "housing.evidence_note": ""}
    resp = p.post(f"/assessment/occasions/{occasion_id}", form)
    assert resp.status_code == 303 and "notice=draft_saved" in resp.headers["Location"]
    with world.app.app_context():
        occasion = db.session.get(Occasion, occasion_id)
        assert occasion.completed_at is None and occasion.draft_enc is not None


def test_editing_a_completed_occasion_starts_from_its_answers(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    form = text(p.get(f"/assessment/occasions/{case.occasions[1]}", all="1"))
    assert re.search(r'id="housing-need-1"[^>]*checked', form)
    assert FORMULATION in form
    # one area at a time: every area is done, so the form opens at the finish step with the formulation
    step = text(p.get(f"/assessment/occasions/{case.occasions[1]}"))
    assert FORMULATION in step and "12 of 12 areas done" in step or "11 of 12 areas done" in step
    step = text(p.get(f"/assessment/occasions/{case.occasions[1]}", step="housing"))
    assert re.search(r'id="housing-need-1"[^>]*checked', step)


def test_information_must_be_recorded_before_an_assessment(as_, world: World) -> None:
    p = as_("practitioner")
    resp = p.post("/assessment/clients/new", {"pseudonym": "Kestrel-2"})
    client_id = resp.headers["Location"].split("/clients/")[1].split("/")[0]
    resp = p.post(f"/assessment/clients/{client_id}/occasions/new", {"occasion_type": "week-1"})
    assert resp.status_code == 422
    resp = p.post(f"/assessment/clients/{client_id}/information", {"lawful_basis": "consent", "record_consent": "1"})
    assert resp.status_code == 422 and "confidentiality" in text(resp)


def test_pseudonyms_are_unique_in_an_organisation(as_, world: World) -> None:
    new_client(as_("practitioner"), "Fox-1")
    assert as_("colleague").post("/assessment/clients/new", {"pseudonym": "fox-1"}).status_code == 422
    assert as_("other_org").post("/assessment/clients/new", {"pseudonym": "Fox-1"}).status_code == 303


def test_withdrawn_record_consent_stops_processing(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    page = text(p.get(f"/assessment/clients/{case.client_id}"))
    consent_id = re.search(r"/consents/([\w-]+)/withdraw", page).group(1)
    assert p.post(f"/assessment/clients/{case.client_id}/consents/{consent_id}/withdraw").status_code == 303
    resp = p.post(f"/assessment/occasions/{case.occasions[1]}", answers_form())
    assert resp.status_code == 409
    resp = p.post(f"/assessment/clients/{case.client_id}/plan", {"description": "Call", "owner": "client"})
    assert resp.status_code == 422
    assert p.get(f"/assessment/clients/{case.client_id}/profile").status_code == 200  # still readable


def test_restriction_makes_the_record_read_only(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    assert p.post(f"/assessment/clients/{case.client_id}/restrict", {"restricted": "1"}).status_code == 303
    assert p.get(f"/assessment/occasions/{case.occasions[0]}").status_code == 403
    assert p.get(f"/assessment/clients/{case.client_id}/profile").status_code == 200


def test_plan_suggestions_come_from_the_instrument_and_are_chosen(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = new_client(p)
    occasion_id = new_occasion(p, client_id)
    assert p.post(f"/assessment/occasions/{occasion_id}", answers_form(need="3")).status_code == 303
    page = text(p.get(f"/assessment/clients/{client_id}/plan"))
    assert "Referral for emergency accommodation before or on the day of release" in page
    resp = p.post(f"/assessment/clients/{client_id}/plan", {"suggestion_id": "housing-emergency-referral",
                                                             "owner": "practitioner", "due_date": "2025-03-10"})
    assert resp.status_code == 303
    body = p.json(f"/api/assessment/clients/{client_id}/plan").get_json()
    assert [a["description"] for a in body["actions"]] == [
        "Referral for emergency accommodation before or on the day of release"]
    action_id = body["actions"][0]["id"]
    assert p.post(f"/assessment/clients/{client_id}/plan/actions/{action_id}",
                  {"status": "done", "owner": "client", "due_date": "", "outcome_note": "Room found"}
                  ).status_code == 303
    body = p.json(f"/api/assessment/clients/{client_id}/plan").get_json()
    assert body["actions"][0]["status"] == "done" and body["actions"][0]["owner"] == "client"
    page = text(p.get(f"/assessment/clients/{client_id}/plan"))
    assert 'value="housing-emergency-referral"' not in page  # chosen suggestions are not offered again


def test_printed_plan_is_watermarked_and_says_it_is_not_a_risk_assessment(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    page = text(p.get(f"/assessment/clients/{case.client_id}/plan/print", recipient="Housing office"))
    assert "It is not a risk assessment and must not be used to make decisions" in page
    assert "For Housing office" in page and "Prepared for Housing office" in page
    assert "My support plan" in page and "R2COM Aftercare Toolkit" not in page


def test_referral_needs_consent_for_that_recipient(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    with world.app.app_context():
        a = ReferralService(organisation_id=world.orgs["a"], name="Debt advice", reporting_duties=True)
        b = ReferralService(organisation_id=world.orgs["a"], name="Housing advice")
        db.session.add_all([a, b])
        db.session.commit()
        a_id, b_id = str(a.id), str(b.id)
    url = f"/assessment/clients/{case.client_id}/referrals"
    resp = p.post(url, {"service_id": a_id, "purpose": "Debts"})
    assert resp.status_code == 422 and "no recorded consent" in text(resp)
    assert p.post(f"/assessment/clients/{case.client_id}/consents",
                  {"kind": "referral", "service_id": b_id, "purpose": "Housing"}).status_code == 303
    assert p.post(url, {"service_id": a_id, "purpose": "Debts"}).status_code == 422  # consent is per recipient
    assert p.post(url, {"service_id": b_id, "purpose": "Housing application"}).status_code == 303
    letter_id = re.search(r"/referrals/([\w-]+)/letter", text(p.get(url))).group(1)
    letter = text(p.get(f"/assessment/referrals/{letter_id}/letter"))
    assert "Housing application" in letter and "Housing advice" in letter
    assert "Sleeps on a cousin" not in letter  # data minimisation: no notes in the letter


def test_concern_is_a_separate_route_never_triggered_by_ratings(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = new_client(p)
    quiet = text(p.get(f"/assessment/occasions/{new_occasion(p, client_id)}"))
    occasion_id = new_occasion(p, client_id, "month-1")
    urgent = answers_form(need="3")
    assert p.post(f"/assessment/occasions/{occasion_id}", urgent).status_code == 303
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(Concern)).scalar() == 0
    after = text(p.get(f"/assessment/clients/{client_id}/profile"))
    assert after.count("Concern for consultation") == quiet.count("Concern for consultation")
    resp = p.post(f"/assessment/clients/{client_id}/concerns/new",
                  {"category": "harm_to_others", "text": "Described a plan.", "supervisor_id": "999999"})
    assert resp.status_code == 422  # a named supervisor of the organisation is required
    resp = p.post(f"/assessment/clients/{client_id}/concerns/new",
                  {"category": "harm_to_others", "text": "Described a plan.",
                   "supervisor_id": str(world.users["supervisor"])})
    assert resp.status_code == 303
    s = as_("supervisor")
    listing = text(s.get("/assessment/concerns"))
    concern_id = re.search(r"/concerns/([\w-]+)", listing.split("<main", 1)[1]).group(1)
    resp = s.post(f"/assessment/concerns/{concern_id}", {"decision": "Consulted; informed the police",
                                                         "legal_basis": "Section 12", "client_informed": "yes"})
    assert resp.status_code == 303
    assert "Section 12" in text(p.get(f"/assessment/concerns/{concern_id}"))
    assert as_("colleague").get(f"/assessment/concerns/{concern_id}").status_code == 404
    assert as_("org_admin").get(f"/assessment/concerns/{concern_id}").status_code == 403


def test_casework_never_enqueues_a_grade(as_, world: World) -> None:
    token = world.session_for("practitioner", custom={"r2com_item": "casework"},
                              ags={"lineitem": "https://lms-a.test/lineitems/1", "scope": []})
    from .conftest import Caller

    p = Caller(as_("practitioner").client, token)
    case = full_case(p)
    p.get(f"/assessment/clients/{case.client_id}/plan/print")
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar() == 0


def test_launch_router_opens_casework_and_exercises(as_, world: World) -> None:
    client = as_("practitioner").client
    token = world.session_for("practitioner", custom={"r2com_item": "casework"})
    resp = client.get("/lti/home", query_string={"ltik": token})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/assessment/?ltik=")
    token = world.session_for("learner", custom={"r2com_item": "case-exercise", "r2com_case": "c02-samira"})
    resp = client.get("/lti/home", query_string={"ltik": token})
    assert resp.status_code == 303 and "/assessment/training/cases/c02-samira" in resp.headers["Location"]


def test_home_page_links_by_role(world: World) -> None:
    from lti_tool.assessment.launch import home_links
    from lti_tool.lti.session import load_session

    def links(name: str) -> list[str]:
        with world.app.test_request_context("/lti/home"):
            return [href for _, href in home_links(load_session(world.tokens[name]))]

    assert any(h.startswith("/assessment/?ltik=") for h in links("practitioner"))
    assert not any("/assessment/organisation" in h for h in links("practitioner"))
    assert any("/assessment/organisation" in h for h in links("lms_admin"))
    assert not any(h.startswith("/assessment/?ltik=") for h in links("lms_admin"))
    assert [h.split("?")[0] for h in links("learner")] == ["/assessment/training"]


def test_notes_with_special_category_or_character_words_get_a_warning(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    p.post(f"/api/assessment/occasions/{occasion_id}/draft",
           {"touched": ["family.evidence_note", "housing.evidence_note"],
            "family.evidence_note": "Goes to the mosque on Fridays with his uncle.",
            "housing.evidence_note": "He is lazy about the application."})
    page = text(p.get(f"/assessment/occasions/{occasion_id}", all="1"))
    assert "special-category or offence information" in page
    assert "describe behaviour, not character" in page
    # one area at a time: each step shows its own warnings, and the list of areas says where to look
    housing = text(p.get(f"/assessment/occasions/{occasion_id}", step="housing"))
    assert "describe behaviour, not character" in housing and "special-category" not in housing
    assert housing.count("wording to check") == 2
    assert "special-category or offence information" in text(p.get(f"/assessment/occasions/{occasion_id}",
                                                                   step="family"))
