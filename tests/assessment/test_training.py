"""Training mode: scoring against the reference profile, the exercise flow and its grade in the outbox."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from lti_tool.assessment.models import CASE_TABLES
from lti_tool.assessment.training import (EVIDENCE_POINTS, POINTS_PER_DOMAIN, UNIFORM_LIMIT, compare, compare_domain,
                                          label_words, mentions, uniform_scores, within_one)
from lti_tool.config import PROJECT_ROOT
from lti_tool.content.library import load_library
from lti_tool.assessment.training_models import TrainingAttempt, TrainingResult
from lti_tool.extensions import db
from lti_tool.services.models import GradeOutbox

from .conftest import DOMAINS, INSTRUMENT_FILE, Caller, World

CASE_FILE = INSTRUMENT_FILE.parents[1] / "r2com-cases/cases/c01-daniel.yaml"
REFERENCE: dict[str, Any] = yaml.safe_load(CASE_FILE.read_text(encoding="utf-8"))["reference_profile"]


@pytest.mark.parametrize(("given", "reference", "close"), [
    ("2", "2", True), ("1", "2", True), ("3", "2", True), ("0", "2", False), ("3", "1", False),
    ("not_known", "1", False), ("not_known", "not_known", True),
])
def test_within_one_step(given: str, reference: str, close: bool) -> None:
    assert within_one(given, reference) is close


def test_key_facts_are_recognised_in_own_words() -> None:
    fact = "sleeping on his cousin's sofa for \"a few weeks\"; landlord does not know"
    assert mentions("He sleeps on the cousin's sofa, the landlord doesn't know yet.", fact)
    assert not mentions("Housing is fine.", fact)
    assert mentions("About 6,000 kronor owed to a debt collector for the phone", "debt collection letter for about "
                    "6,000 kronor (phone contract)")


def test_character_words_are_flagged() -> None:
    feedback = compare_domain("housing", {"need": "2", "strength": "1", "evidence_note": "He is lazy and a liar."},
                              REFERENCE["housing"])
    assert feedback.character_words == ["lazy", "liar"]
    assert feedback.points == 3 and not feedback.evidence_ok and feedback.evidence_points == 0


def test_a_labelling_word_costs_a_point_of_a_good_note() -> None:
    facts = "; ".join(REFERENCE["housing"]["key_facts"])
    clean = compare_domain("housing", {"need": "2", "strength": "1", "evidence_note": facts}, REFERENCE["housing"])
    labelled = compare_domain("housing", {"need": "2", "strength": "1", "evidence_note": facts + ". He is manipulative."},
                              REFERENCE["housing"])
    assert clean.evidence_points == EVIDENCE_POINTS and clean.points == POINTS_PER_DOMAIN
    assert labelled.evidence_points == EVIDENCE_POINTS - 1 and labelled.character_words == ["manipulative"]
    assert label_words("Called him a junkie and a fanatic") == ["fanatic", "junkie"]
    assert label_words("He described the fanatics he met") == ["fanatic"]  # plural forms count too
    assert label_words("He was weakened by the flu") == []  # only whole words


def test_a_pasted_story_does_not_collect_the_key_facts() -> None:
    facts = "; ".join(REFERENCE["housing"]["key_facts"])
    story = " ".join(f"{facts}. More of the story follows here without new facts." for _ in range(6))
    pasted = compare_domain("housing", {"need": "2", "strength": "1", "evidence_note": story}, REFERENCE["housing"])
    assert pasted.note_too_long and pasted.evidence_ok and pasted.evidence_points == 1
    assert label_words("He has a criminal record and a weak knee") == []  # factual words are not labels


def test_exact_ratings_earn_more_than_near_ones_and_not_known_is_its_own_answer() -> None:
    ref = {"need": "2", "strength": "1", "key_facts": ["a fact", "another fact"]}
    exact = compare_domain("housing", {"need": "2", "strength": "1"}, ref)
    near = compare_domain("housing", {"need": "3", "strength": "2"}, ref)
    far = compare_domain("housing", {"need": "0", "strength": "not_known"}, ref)
    assert (exact.need_points, exact.strength_points) == (2, 1)
    assert (near.need_points, near.strength_points) == (1, 0)
    assert (far.need_points, far.strength_points) == (0, 0)
    unknown = {"need": "not_known", "strength": "not_known", "key_facts": ["a fact", "another fact"]}
    assert compare_domain("housing", {"need": "not_known", "strength": "not_known"}, unknown).points == 3
    assert compare_domain("housing", {"need": "0", "strength": "0"}, unknown).points == 0


SHIPPED_CASES = load_library(PROJECT_ROOT / "content_packages")


@pytest.mark.parametrize("case", SHIPPED_CASES.case_set().cases, ids=lambda c: c.id)
def test_every_uniform_rating_scores_under_40_percent_on_every_shipped_case(case) -> None:
    """Same need and strength in every domain, for all 20 pairs (notes empty): under 40 % of the maximum."""
    instrument = SHIPPED_CASES.instrument()
    domains = [d.id for d in instrument.domains]
    scores = uniform_scores(case.reference_profile, instrument.scales["need"].value_ids,
                            instrument.scales["strength"].value_ids, domains)
    assert len(scores) == 20
    worst = max(scores, key=lambda pair: scores[pair])
    assert scores[worst] < UNIFORM_LIMIT, f"{case.id}: need {worst[0]} / strength {worst[1]} scores {scores[worst]:.0%}"
    # the same number through the scoring the exercise uses
    answers = {d: {"need": worst[0], "strength": worst[1], "evidence_note": ""} for d in domains}
    _feedback, points, maximum = compare(case.reference_profile, answers, domains)
    assert points / maximum == scores[worst]
    # and the reference itself, with notes that quote the key facts, scores full marks
    perfect = {d: {"need": r.need, "strength": r.strength, "evidence_note": "; ".join(r.key_facts)}
               for d, r in case.reference_profile.items()}
    assert compare(case.reference_profile, perfect, domains)[1] == maximum
    assert all(r.reason for r in case.reference_profile.values())


def test_every_shipped_case_is_used_by_an_exercise() -> None:
    """Each case is a module's activity, or an exercise the facilitator's session plans set (a ref: link)."""
    used = {m.activity.case for m in SHIPPED_CASES.course().modules if m.activity.case}
    manual = SHIPPED_CASES.manual()
    for chapter in manual.chapters:
        used.update(re.findall(r'data-ref="(r2com-cases/[a-z0-9-]+)"', chapter.html))
    assert {f"r2com-cases/{c.id}" for c in SHIPPED_CASES.case_set().cases} <= used


def perfect_form() -> dict[str, Any]:
    """The reference ratings, with evidence notes that quote the key facts."""
    form: dict[str, Any] = {"action": "complete", "formulation": "Wants to build things."}
    for d in DOMAINS:
        ref = REFERENCE.get(d)
        if ref is None:
            continue
        form.update({f"{d}.need": ref["need"], f"{d}.strength": ref["strength"], f"{d}.discussed": "discussed",
                     f"{d}.evidence_note": "; ".join(ref["key_facts"]), f"{d}.client_view": "not_asked"})
    return form


def start(world: World, who: str = "learner") -> tuple[Caller, str]:
    from .conftest import Caller

    token = world.session_for(who, custom={"r2com_item": "case-exercise", "r2com_case": "c01-daniel"},
                              ags={"lineitem": "https://lms-a.test/lineitems/7",
                                   "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]})
    from flask.testing import FlaskClient

    client: FlaskClient = world.app.test_client()
    caller = Caller(client, token)
    resp = client.get("/lti/home", query_string={"ltik": token})
    resp = client.get(resp.headers["Location"])
    assert resp.status_code == 303
    attempt_url = resp.headers["Location"].split("?")[0]
    return caller, attempt_url


def test_exercise_is_marked_fictional_and_uses_the_same_form(world: World) -> None:
    caller, url = start(world)
    page = caller.get(url).get_data(as_text=True)
    assert "FICTIONAL CASE" in page and "Daniel" in page
    for d in DOMAINS:
        assert f'name="{d}.need"' in page and f'name="{d}.evidence_note"' in page
    assert "Context (for trainers)" not in page
    trainer, trainer_url = start(world, "instructor")
    assert "Context (for trainers): far-right" in trainer.get(trainer_url).get_data(as_text=True)


def test_exercise_scores_and_enqueues_the_grade(world: World) -> None:
    caller, url = start(world)
    attempt_id = int(url.rsplit("/", 1)[1])
    resp = caller.post(url, perfect_form())
    assert resp.status_code == 303 and resp.headers["Location"].startswith(f"{url}/result")
    with world.app.app_context():
        result = db.session.execute(select(TrainingResult)).scalar_one()
        assert result.score_given == result.score_maximum == POINTS_PER_DOMAIN * len(REFERENCE)
        row = db.session.execute(select(GradeOutbox)).scalar_one()
        assert row.source_kind == "case-exercise" and row.source_id == f"training-attempt-{attempt_id}"
        assert row.payload["scoreGiven"] == result.score_given and row.payload["scoreMaximum"] == result.score_maximum
        assert row.payload["activityProgress"] == "Completed" and row.payload["gradingProgress"] == "FullyGraded"
        assert db.session.execute(select(TrainingAttempt)).scalar_one().subject_type == "fictional_case"
        for model in CASE_TABLES:  # training never touches the real-client tables (DP-14)
            assert db.session.execute(select(func.count()).select_from(model)).scalar() == 0
    page = caller.get(f"{url}/result").get_data(as_text=True)
    full = POINTS_PER_DOMAIN * len(REFERENCE)
    assert f"Training score: {full} of {full} points" in page and "What the reference saw:" in page
    assert "How this exercise is scored" in page and "Each area of the profile gives up to 6 points." in page
    # submitting again does not create a second attempt or grade
    assert caller.post(url, perfect_form()).status_code == 303
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar() == 1


def test_partial_answers_get_partial_credit_and_feedback(world: World) -> None:
    caller, url = start(world)
    form = perfect_form()
    form["housing.need"] = "0"
    form["family.evidence_note"] = "He is aggressive."
    assert caller.post(url, form).status_code == 303
    page = caller.get(f"{url}/result").get_data(as_text=True)
    maximum = POINTS_PER_DOMAIN * len(REFERENCE)
    # housing: need 0 against 2 loses both need points; family: no key fact (3 points), and a label
    assert f"Training score: {maximum - 5} of {maximum} points" in page
    assert "No points." in page and "aggressive" in page and "labelling words" in page


def test_exercise_drafts_autosave_and_validate(world: World) -> None:
    caller, url = start(world)
    attempt_id = url.rsplit("/", 1)[1]
    resp = caller.post(f"/api/assessment/training/attempts/{attempt_id}/draft",
                       {"touched": "housing.evidence_note", "housing.evidence_note": "Cousin's sofa"})
    assert resp.status_code == 200
    assert "Cousin&#39;s sofa" in caller.get(url).get_data(as_text=True)
    form = perfect_form()
    form["housing.evidence_note"] = ""
    resp = caller.post(url, form)
    assert resp.status_code == 422
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar() == 0


def test_attempts_are_private_to_the_learner(world: World, as_) -> None:
    _, url = start(world)
    assert as_("instructor").get(url).status_code == 404
    assert as_("other_org").get(url).status_code == 404


def test_trainer_sees_attempts_in_the_course(world: World, as_) -> None:
    caller, url = start(world)
    caller.post(url, perfect_form())
    page = as_("instructor").get("/assessment/training").get_data(as_text=True)
    assert "Learner" in page and re.search(r"\d+ / \d+", page)
    assert "Attempts in this course" not in as_("learner").get("/assessment/training").get_data(as_text=True)


def test_unknown_case_is_not_found(as_, world: World) -> None:
    assert as_("learner").get("/assessment/training/cases/no-such-case").status_code == 404


def test_trainer_preview_is_not_graded(world: World) -> None:
    caller, url = start(world, "instructor")
    assert caller.post(url, perfect_form()).status_code == 303
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar() == 0
        assert db.session.execute(select(TrainingResult)).scalar_one().reported is False
    assert "This was practice" in caller.get(f"{url}/result").get_data(as_text=True)


def test_practice_on_a_case_not_placed_is_not_graded(world: World, as_) -> None:
    # the learner opened c02 from the training list in a session launched from the c01 exercise link
    caller, _ = start(world)
    resp = caller.get("/assessment/training/cases/c02-samira")
    url = resp.headers["Location"].split("?")[0]
    form = perfect_form()
    assert caller.post(url, form).status_code == 303
    with world.app.app_context():
        assert db.session.execute(select(func.count()).select_from(GradeOutbox)).scalar() == 0


def test_results_stored_under_the_old_rule_still_show(world: World) -> None:
    """Feedback saved before the scoring rule changed has no per-part points; the page still explains it."""
    caller, url = start(world)
    assert caller.post(url, perfect_form()).status_code == 303
    with world.app.app_context():
        result = db.session.execute(select(TrainingResult)).scalar_one()
        old_keys = ("domain_id", "need_given", "need_reference", "need_close", "strength_given",
                    "strength_reference", "strength_close", "facts_found", "facts_missed", "evidence_ok",
                    "character_words", "points")
        result.feedback = {"domains": [{k: d[k] for k in old_keys} for d in result.feedback["domains"]]}
        db.session.commit()
    page = caller.get(f"{url}/result")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Close enough" in text and "What the reference saw:" not in text


def test_a_learner_reads_the_case_in_their_language_and_notes_in_it_are_scored(world: World) -> None:
    """A French interface shows the French case; notes quoting its key facts in French earn the evidence points,
    and the gradebook column keeps the one (source) title every learner shares."""
    import html as html_lib

    caller, url = start(world)
    french = {"Accept-Language": "fr"}
    with world.app.app_context():
        library = world.app.extensions["r2com"]["content"]
        case_fr = next(c for c in library.case_set("fr").cases if c.id == "c01-daniel")
        case_en = next(c for c in library.case_set().cases if c.id == "c01-daniel")
    assert case_fr.title != case_en.title
    page = caller.client.get(url, query_string={"ltik": caller.token}, headers=french).get_data(as_text=True)
    assert '<html lang="fr"' in page and html_lib.escape(case_fr.title, quote=False) in page
    assert html_lib.escape(case_en.title, quote=False) not in page
    form = perfect_form()
    for d, ref in case_fr.reference_profile.items():
        facts = ref["key_facts"] if isinstance(ref, dict) else ref.key_facts
        form[f"{d}.evidence_note"] = "; ".join(facts)
    resp = caller.client.post(url, data={"ltik": caller.token, **form}, headers=french)
    assert resp.status_code == 303
    with world.app.app_context():
        result = db.session.execute(select(TrainingResult)).scalar_one()
        assert result.score_given == result.score_maximum
        assert db.session.execute(select(GradeOutbox)).scalar_one().label == case_en.title
    shown = caller.client.get(f"{url}/result", query_string={"ltik": caller.token}, headers=french)
    assert shown.status_code == 200 and html_lib.escape(case_fr.title, quote=False) in shown.get_data(as_text=True)


def test_labelling_words_in_the_partners_languages_cost_a_point() -> None:
    from lti_tool.assessment.training import label_words

    assert label_words("Il est fainéant et manipulateur.") == ["manipulateur", "fainéant"]
    assert label_words("Ele é preguiçoso.") == ["preguiçoso"]
    assert label_words("Il cherche un logement.") == []
