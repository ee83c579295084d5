"""Confidence self-assessment: learners answer before and after; trainers see totals of five or more only."""

from __future__ import annotations

import re

from lti_tool.extensions import db
from lti_tool.lti.models import LtiUser
from lti_tool.services.models import GradeOutbox
from lti_tool.training.selfassess import MIN_GROUP, SelfAssessment

URL = "/training/self-assessment"
SUMMARY = "/training/self-assessment/summary"


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _modules(world):
    course = world.app.extensions["r2com"]["content"].package("r2com-course").body
    return [mod for mod in course.modules if mod.confidence]


def _learners(world, n: int) -> list[str]:
    """Add ``n`` more learners to the world and return their keys."""
    names = []
    with world.app.app_context():
        for i in range(n):
            name = f"learner{i}"
            user = LtiUser(platform_id=world.platform_id, sub=f"sub-{name}", name=f"Learner {i}")
            db.session.add(user)
            db.session.flush()
            world.users[name] = user.id
            names.append(name)
        db.session.commit()
    return names


def _answer(client, token, phase, levels: dict[str, str]):
    data = {"ltik": token, "phase": phase, **{f"level-{k}": v for k, v in levels.items()}}
    return client.post(URL, data=data)


def test_every_shipped_module_has_a_plain_statement(world) -> None:
    course = world.app.extensions["r2com"]["content"].package("r2com-course").body
    assert len(_modules(world)) == len(course.modules) == 8
    for mod in course.modules:
        assert 20 < len(mod.confidence) < 130 and not mod.confidence.endswith(("?", ".")), mod.id


def test_a_learner_answers_before_and_after_and_can_skip_statements(world, client) -> None:
    token = world.session("ana")
    overview = _text(client.get("/training/course", query_string={"ltik": token}))
    assert "/training/self-assessment?" in overview and "Answer the self-assessment" in overview
    page = _text(client.get(URL, query_string={"ltik": token}))
    first, second = _modules(world)[:2]
    assert f"How confident are you to {first.confidence}?" in page and "never sent to your learning platform" in page
    assert page.count('type="radio"') == 6 * len(_modules(world))
    assert f'<label for="level-{first.id}-5">5: Very confident</label>' in page
    saved = _answer(client, token, "before", {first.id: "2", second.id: ""})
    assert saved.status_code == 303 and "saved=before" in saved.headers["Location"]
    after = _text(client.get(URL, query_string={"ltik": token}))
    assert "Your answers are saved" not in after  # no ?saved: the page now offers the after-course phase
    assert 'name="phase" value="after"' in after
    before = _text(client.get(URL, query_string={"ltik": token, "phase": "before"}))
    assert re.search(rf'id="level-{first.id}-2"[^>]*checked', before)
    assert _answer(client, token, "after", {first.id: "4"}).status_code == 303
    assert _answer(client, token, "after", {first.id: "5", second.id: "3"}).status_code == 303  # changed answers
    with world.app.app_context():
        rows = {r.phase: r.answers for r in db.session.query(SelfAssessment).filter_by(user_id=world.users["ana"])}
        assert rows == {"before": {first.id: 2}, "after": {first.id: 5, second.id: 3}}
        assert db.session.query(GradeOutbox).count() == 0  # never sent to the platform


def test_bad_answers_get_a_clear_400_and_nothing_is_stored(world, client) -> None:
    token = world.session("ana")
    first = _modules(world)[0]
    for phase, levels in (("during", {first.id: "3"}), ("before", {first.id: "6"}), ("before", {first.id: "x"}),
                          ("before", {first.id: ""})):
        resp = _answer(client, token, phase, levels)
        assert resp.status_code == 400, (phase, levels)
        assert "Your answers could not be saved" in _text(resp)
    trainer = world.session("tess", role="instructor")
    assert _answer(client, trainer, "before", {first.id: "3"}).status_code == 400
    with world.app.app_context():
        assert db.session.query(SelfAssessment).count() == 0


def test_trainers_see_totals_only_from_five_learners(world, client) -> None:
    first, second = _modules(world)[:2]
    learners = _learners(world, MIN_GROUP)
    for i, name in enumerate(learners):
        token = world.session(name)
        assert _answer(client, token, "before", {first.id: "1" if i < 3 else "2", second.id: "3"}).status_code == 303
        if i < MIN_GROUP - 1:  # one learner fewer after the course: those totals stay hidden
            assert _answer(client, token, "after", {first.id: "4"}).status_code == 303
    trainer = world.session("tess", role="instructor")
    dashboard = _text(client.get("/training/dashboard", query_string={"ltik": trainer}))
    assert "/training/self-assessment/summary?" in dashboard
    page = _text(client.get(SUMMARY, query_string={"ltik": trainer}))
    assert "5 learners answered before the course." in page and "4 learners answered after the course." in page
    section = page[page.index(f'id="sa-{first.id}"'):page.index(f'id="sa-{second.id}"')]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>\s*<td>(.*?)</td><td>(.*?)</td></tr>', section)
    cells = {label: (before.strip(), after.strip()) for label, before, after in rows}
    assert cells["1: Not at all confident"][0] == "3" and cells["2: A little confident"][0] == "2"
    assert cells["5: Very confident"][0] == "0"
    assert all("hidden" in after for label, (before, after) in cells.items() if label[0].isdigit())
    assert cells["Learners who answered"] == ("5", "fewer than 5")
    assert "Learner 0" not in page and "sub-learner0" not in page  # no one's own answers
    # A learner cannot open the summary.
    assert client.get(SUMMARY, query_string={"ltik": world.session("ana")}).status_code == 403


def test_fewer_than_five_learners_show_no_counts_and_trainers_are_not_counted(world, client) -> None:
    first = _modules(world)[0]
    for name in _learners(world, MIN_GROUP - 1):
        assert _answer(client, world.session(name), "before", {first.id: "3"}).status_code == 303
    trainer = world.session("tess", role="instructor")
    page = _text(client.get(SUMMARY, query_string={"ltik": trainer}))
    section = page[page.index(f'id="sa-{first.id}"'):]
    section = section[:section.index("</section>")]
    assert "hidden" in section and "<td>4</td>" not in section
    preview = _text(client.get(URL, query_string={"ltik": trainer}))
    assert "this is a preview" in preview and "Save my answers" not in preview
