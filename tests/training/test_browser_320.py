"""No page of the learner and trainer journeys is wider than a 320 px screen (nor needs sideways scrolling).

Every page is opened in Debian's Chromium at 320 x 640 CSS px, the narrowest phone WCAG 1.4.10 (Reflow) asks
for; a wide table must scroll inside its own labelled region, never the page. The data is made first over HTTP
(quiz attempts by six learners, a certificate, extra time), so the pages show what they show in real use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from lti_tool.extensions import db
from lti_tool.lti.models import LtiUser
from lti_tool.training.models import Placement
from support import ONCE, drop_app, serve_tool

from .conftest import build_world, correct_form, wrong_form

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
M1, M2 = "m01-foundations", "m02-transition"

OVERFLOW = """() => {
  const doc = document.documentElement;
  const limit = doc.clientWidth + 1;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) {
        return up.getBoundingClientRect().right <= limit;
      }
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    const text = getComputedStyle(el).overflowX === 'visible' ? box.left + el.scrollWidth : box.right;
    if (box.width > 0 && Math.max(box.right, text) > limit && !clipped(el)) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '')
                + (el.id ? '#' + el.id : '') + ' ' + Math.round(box.right));
    }
  }
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide.slice(0, 6)};
}"""


@pytest.fixture
def journeys(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The tool over HTTP with a course in use; yields (base URL, {page name: path with query})."""
    tool = serve_tool(tmp_path)
    world = build_world(tool.app)
    app = tool.app
    client = app.test_client()
    content = app.extensions["r2com"]["content"]
    with app.app_context():
        for module_id in (M1, M2):
            db.session.add(Placement(context_id=world.contexts["x"], item_kind="module", item_id=module_id,
                                     source="deep_link", title=module_id))
        for index in range(6):
            user = LtiUser(platform_id=world.platform_id, sub=f"sub-l{index}",
                           name=f"Learner with a rather long name number {index}")
            db.session.add(user)
            db.session.flush()
            world.users[f"l{index}"] = user.id
        db.session.commit()
    ana = world.session("ana")
    trainer = world.session("tess", role="instructor")
    attempt_url = ""
    for name in ["ana", *(f"l{i}" for i in range(6))]:
        token = ana if name == "ana" else world.session(name)
        for module_id in (M1, M2):
            quiz = content.module(module_id).quiz
            start = client.post(f"/training/modules/{module_id}/quiz/start", data={"ltik": token})
            url = start.headers["Location"].split("?")[0]
            form = correct_form(quiz) if name in ("ana", "l0", "l1", "l2") else wrong_form(quiz)
            client.post(url, data=dict(form, ltik=token, action="submit"))
            if name == "ana" and module_id == M1:
                attempt_url = url
    open_attempt = client.post(f"/training/modules/{M2}/quiz/start", data={"ltik": world.session("l5")})
    open_path = open_attempt.headers["Location"].split("?")[0]
    client.post("/training/extra-time", data={"ltik": trainer, "user": world.users["l0"], "extra": "25"})
    client.get("/training/certificate", query_string={"ltik": ana})
    from lti_tool.training.certificates import Certificate

    with app.app_context():
        code = db.session.query(Certificate).filter_by(user_id=world.users["ana"]).one().code
    module = content.module(M1)
    l5 = world.session("l5")
    l4 = world.session("l4")
    case = client.get("/assessment/training/cases/c01-daniel", query_string={"ltik": l4})
    case_url = case.headers["Location"].split("?")[0]
    reference = next(c for c in content.case_set().cases if c.id == "c01-daniel").reference_profile
    form = {"action": "complete", "formulation": "Wants to build things.", "ltik": l4}
    for domain, rating in reference.items():
        form.update({f"{domain}.need": str(rating.need), f"{domain}.strength": str(rating.strength),
                     f"{domain}.discussed": "discussed", f"{domain}.evidence_note": "; ".join(rating.key_facts),
                     f"{domain}.client_view": "not_asked"})
    done = client.post(case_url, data=form)
    assert done.status_code == 303 and "/result" in done.headers["Location"], done.get_data(as_text=True)[:300]
    pages = {
        "course": f"/training/course?ltik={ana}",
        "module": f"/training/modules/{M1}?ltik={ana}",
        "page": f"/training/modules/{M1}/pages/{module.pages[0].id}?ltik={ana}&note=seen",
        "activity": f"/training/modules/{M1}/activity?ltik={ana}&note=seen",
        "quiz": f"/training/modules/{M1}/quiz?ltik={ana}",
        "attempt": f"{open_path}?ltik={l5}",
        "result": f"{attempt_url}/result?ltik={ana}",
        "manual": f"/training/manual?ltik={ana}",
        "chapter": f"/training/manual/chapters/release-day?ltik={ana}&note=seen",
        "annexes": f"/training/manual/chapters/annexes?ltik={ana}&note=seen",
        "glossary": f"/training/manual/glossary?ltik={ana}",
        "search": f"/training/manual/search?ltik={ana}&q=release",
        "certificate": f"/training/certificate?ltik={ana}",
        "verify": f"/training/verify/{code}",
        "dashboard": f"/training/dashboard?ltik={trainer}",
        "learner detail": f"/training/dashboard/learner?ltik={trainer}&sub=sub-ana",
        "trainer result": f"{attempt_url}/result?ltik={trainer}",
        "stats index": f"/training/stats?ltik={trainer}",
        "stats": f"/training/stats/{M1}?ltik={trainer}",
        "certificates": f"/training/certificates?ltik={trainer}",
        "extra time": f"/training/extra-time?ltik={trainer}",
        "self-assessment": f"/training/self-assessment?ltik={ana}",
        "self-assessment summary": f"/training/self-assessment/summary?ltik={trainer}",
        "case exercise": f"/assessment/training/cases/c01-daniel?ltik={world.session('l3')}",
        "case exercise result": f"{case_url}/result?ltik={l4}",
        "link not set up": f"/lti/home?ltik={world.session('l3', custom={}, link=False)}",
        "not found": f"/training/modules/no-such-module?ltik={ana}",
    }
    yield tool.url, pages
    tool.stop()
    drop_app(app)


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("locale", [
    "en",
    # French and Portuguese ship the whole course, guide and cases (longer words than English); Arabic runs right
    # to left. The walk is slow, so these run once, on the default database, not again on PostgreSQL.
    pytest.param("fr", marks=ONCE), pytest.param("pt", marks=ONCE), pytest.param("ar", marks=ONCE),
])
def test_no_journey_page_overflows_a_320px_screen(journeys, browser, locale):
    base, pages = journeys
    # The browser's language is the interface language here (the test sessions carry no platform locale), and
    # the content follows it where translated.
    context = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=1, locale=locale)
    page = context.new_page()
    problems = {}
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response is not None and response.status < 500, (name, response and response.status)
        if name != "not found":
            assert response.status == 200, (name, response.status, page.locator("main").inner_text()[:300])
        if name != "verify":  # the public verification page has no session: its language is the browser's too
            assert page.locator("html").get_attribute("lang") == locale, (name, locale)
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["client"] or found["wide"]:
            problems[name] = found
    context.close()
    assert not problems, "\n".join(f"{name}: {found}" for name, found in problems.items())
