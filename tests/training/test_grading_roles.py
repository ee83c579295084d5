"""Who gets a score: learners only. Observers (Canvas ``membership#Mentor``, which the tool otherwise treats
as a learner), trainers and administrators get none, so nothing bounces off the platform with 400 or 422."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.services.models import GradeOutbox
from lti_tool.services.outbox import has_learner_role

from .conftest import correct_form

AGS = {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
                 "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"],
       "lineitems": "https://lms.test/ags/lineitems", "lineitem": "https://lms.test/ags/lineitems/7"}
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
MENTOR = LIS + "membership#Mentor"
CHAPTER = {"r2com_item": "chapter", "r2com_id": "about-this-guide", "r2com_report": "score"}
MODULE = {"r2com_item": "module", "r2com_id": "m01-foundations"}


def _queued(world) -> list[tuple[str, dict]]:
    with world.app.app_context():
        return [(r.payload["userId"], r.payload) for r in db.session.execute(select(GradeOutbox)).scalars()]


def test_learner_roles_are_recognised_in_every_spelling() -> None:
    assert has_learner_role([LEARNER])
    assert has_learner_role("Learner")  # Moodle NRPS short name
    assert has_learner_role([LIS + "membership/Learner#NonCreditLearner"])
    assert has_learner_role(f"{LIS}institution/person#Instructor {LEARNER}")  # Canvas adds institution roles
    assert not has_learner_role([MENTOR])
    assert not has_learner_role([LIS + "membership#Instructor", LIS + "institution/person#Student"])
    assert not has_learner_role([LIS + "membership/Mentor#Mentor"])
    assert not has_learner_role("")


def test_observer_gets_no_score_for_a_chapter_or_a_quiz(world, client):
    observer = world.session("ana", custom=CHAPTER, ags=AGS, lti_roles=MENTOR)
    assert client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": observer}).status_code == 303
    quiz = world.session("ana", custom=MODULE, ags=AGS)
    start = client.post("/training/modules/m01-foundations/quiz/start", data={"ltik": quiz})
    form = correct_form(world.app.extensions["r2com"]["content"].module("m01-foundations").quiz)
    done = client.post(start.headers["Location"].split("?")[0], data=dict(form, ltik=quiz, action="submit"))
    assert done.status_code == 303  # the observer still gets their result in the tool
    assert _queued(world) == []
    learner = world.session("ben", custom=CHAPTER, ags=AGS, lti_roles=f"{LIS}institution/person#Student {LEARNER}")
    client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": learner})
    (queued,) = _queued(world)
    assert queued[0] == "sub-ben" and queued[1]["scoreGiven"] == 1 and queued[1]["gradingProgress"] == "FullyGraded"


def test_trainer_and_administrator_get_no_score(world, client):
    for role, roles in (("instructor", LIS + "membership#Instructor"),
                        ("administrator", f"{LIS}membership#Instructor {LIS}institution/person#Administrator")):
        token = world.session("tess", role=role, custom=CHAPTER, ags=AGS, lti_roles=roles)
        client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": token})
    assert _queued(world) == []


def test_completion_payloads_for_both_choices(world, client):
    for user, report in (("ana", "score"), ("ben", "completion")):
        token = world.session(user, custom=dict(CHAPTER, r2com_report=report), ags=AGS, lti_roles="Learner")
        client.post("/training/manual/chapters/about-this-guide/read", data={"ltik": token})
    by_user = dict(_queued(world))
    score = {k: v for k, v in by_user["sub-ana"].items() if k != "timestamp"}
    assert score == {"userId": "sub-ana", "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                     "scoreGiven": 1.0, "scoreMaximum": 1.0}
    completion = {k: v for k, v in by_user["sub-ben"].items() if k != "timestamp"}
    assert completion == {"userId": "sub-ben", "activityProgress": "Completed", "gradingProgress": "NotReady"}
