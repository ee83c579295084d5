"""Each person's first day, in real Chromium, from an empty install, on the Moodle and the Canvas profile.

The tests that would have caught what real users hit: they start from an empty keys folder and an empty
database (the operator's ``flask --app wsgi setup``), register the tool the way the LMS administrator does
(dynamic registration from the platform's own page, then Moodle's "Activate" or Canvas's "Install"), and then
walk, one person after the other, through the pages they would use:

1. the IT administrator: registration, the first launch, casework allowed, a practitioner given a role;
2. the trainer: two modules and a chapter placed with deep linking, the roster on the progress page;
3. the learner: a module read and its quiz taken, a chapter read; the scores reach the platform's gradebook,
   and the chapter counts as a grade (1 of 1) there, so the LMS marks the activity complete;
4. the practitioner: a client under a pseudonym, what they were told and their consent, an assessment, the
   support plan.

Every page a person sees is checked for server errors, script errors and horizontal overflow at a phone's
width. Uses Playwright with Debian's Chromium; no browser is downloaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from support import ServedTool, drop_app, install_from_nothing

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("platform_profile")]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
COURSE = "course-101"
TOOL_NAME = "R2COM Aftercare Toolkit"
MODULES = ("module:m01-foundations", "module:m05-support-planning")
CHAPTER_KEY_PREFIX = "chapter:"

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
#: The elements that stick out on the right: what to fix when a page overflows.
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > limit + 1)
    .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > limit + 1))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ': '
         + (el.textContent || '').trim().slice(0, 60));
}"""


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: scripts/test installs it (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tool(tmp_path: Path) -> Iterator[ServedTool]:
    """The tool as an operator leaves it after ``flask --app wsgi setup`` on an empty server, served over HTTP."""
    served = install_from_nothing(tmp_path)
    yield served
    served.stop()
    drop_app(served.app)


class Person:
    """One person's browser tab: every page it shows is checked for errors and for overflow at 360 px."""

    def __init__(self, chromium: Any, name: str, tool: ServedTool) -> None:
        self.name = name
        self.tool = tool
        self.context = chromium.new_context(viewport={"width": 360, "height": 780})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("pageerror", lambda exc: self.problems.append(f"script error: {exc}"))
        self.page.on("console", lambda msg: self.problems.append(f"console: {msg.text}")
                     if msg.type == "error" and "Failed to load resource" not in msg.text else None)
        self.page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.status >= 500 or (response.status >= 400 and response.url.startswith(self.tool.url)
                                       and not response.url.endswith("/favicon.ico")):
            self.problems.append(f"{response.status} {response.url}")

    def check(self) -> None:
        """The page in front of the person: no page-level horizontal scrolling, no error so far."""
        if self.page.url.startswith(self.tool.url):
            overflow = self.page.evaluate(OVERFLOW)
            assert overflow <= 1, (f"{self.name}: {self.page.url} is {overflow} px wider than the screen; "
                                   f"sticking out: {self.page.evaluate(WIDEST)}")
        assert not self.problems, (f"{self.name}: {self.problems}; the page says: "
                                   f"{self.page.locator('main').inner_text()[:2500] if self.page.locator('main').count() else ''}")

    def click(self, locator: Any) -> None:
        """Click and wait for the page that follows (forms that post themselves on to the next page included)."""
        locator.click()
        self.page.wait_for_load_state("load")
        self.check()

    def close(self) -> None:
        self.context.close()


def _platform_home(person: Person, platform: Any) -> None:
    person.page.goto(platform.base_url + "/")
    expect(person.page.locator("h1")).to_be_visible()


def _course_button(person: Person, label: str) -> Any:
    """A launch button of the course section for our tool (the accessible name carries tool and course)."""
    return person.page.get_by_role("button", name=re.compile(
        rf"^{re.escape(label)} \({re.escape(TOOL_NAME)}, {COURSE}\)$"))


def _item_button(person: Person, title: str, label: str) -> Any:
    """A launch button of one deep-linked item on the platform's home page."""
    item = person.page.locator("section[aria-labelledby=items-heading] li", has_text=title).first
    return item.get_by_role("button", name=re.compile(rf"^{re.escape(label)}"))


def _launch_member(person: Person, platform: Any, user_id: str) -> None:
    """The platform's "Launch as member" form for one person of the course."""
    _platform_home(person, platform)
    section = person.page.locator(f"section[aria-labelledby='course-{COURSE}']")
    section.get_by_label("Launch as member").first.select_option(user_id)
    person.click(section.get_by_role("button", name=re.compile(r"^Launch \(")).first)


def _invite(tool: ServedTool, note: str) -> str:
    out = tool.app.test_cli_runner().invoke(args=["lti", "platform", "invite", "--note", note]).output
    return re.search(r"https?://\S+/lti/register/\S+", out).group(0)


# -- the four journeys, one after the other, as on a real first day -------------------------------------------
def test_first_day(platform_profile: str, tool: ServedTool, platform: Any, chromium: Any) -> None:
    learner_id = next(u.user_id for u, role in platform.members(COURSE) if role.endswith("#Learner"))
    practitioner_id = [u.user_id for u, role in platform.members(COURSE) if role.endswith("#Learner")][1]

    # 1. The IT administrator registers the tool from the platform's own page.
    admin = Person(chromium, "IT administrator", tool)
    _platform_home(admin, platform)
    admin.page.get_by_label("Tool's dynamic registration URL").fill(_invite(tool, f"{platform_profile} of NGO X"))
    admin.click(admin.page.get_by_role("button", name="Register tool"))
    expect(admin.page.locator("body")).to_contain_text("registered")
    _platform_home(admin, platform)
    if platform_profile == "moodle":
        admin.click(admin.page.get_by_role("button", name=re.compile("^Activate")))
    else:
        admin.page.get_by_label("Install in").select_option("account")
        admin.click(admin.page.get_by_role("button", name=re.compile("^Install")))
    # The practitioner-to-be opens the tool once, so the administrator can find them.
    practitioner = Person(chromium, "practitioner", tool)
    _launch_member(practitioner, platform, practitioner_id)
    expect(practitioner.page.locator("h1")).to_contain_text("not set up yet")
    # The administrator's first launch: settings for the organisation, casework allowed, the role given.
    _platform_home(admin, platform)
    admin.click(_course_button(admin, "Launch as administrator"))
    admin.click(admin.page.get_by_role("link", name="Set up your organisation for casework"))
    expect(admin.page.locator("h1")).to_have_text("Getting started with casework")
    admin.click(admin.page.get_by_role("link", name="Organisation settings"))
    admin.page.get_by_label("Allow real-client casework for our organisation").check()
    admin.click(admin.page.get_by_role("button", name="Save settings"))
    expect(admin.page.get_by_role("status")).to_have_text("Settings saved.")
    practitioner_name = platform.users[practitioner_id].name
    admin.page.get_by_label("Person (people who have opened the tool from your platform)").select_option(
        label=practitioner_name)
    admin.page.get_by_label("Role", exact=True).select_option("practitioner")
    admin.click(admin.page.get_by_role("button", name="Give the role"))
    expect(admin.page.locator("table")).to_contain_text(practitioner_name)
    admin.close()

    # 2. The trainer places two modules, a chapter and the casework workspace, and sees the roster.
    trainer = Person(chromium, "trainer", tool)
    _platform_home(trainer, platform)
    trainer.click(_course_button(trainer, "Add content (deep linking)"))
    for key in MODULES:
        trainer.page.locator(f"input[value='{key}']").check()
    trainer.page.locator(f"input[value^='{CHAPTER_KEY_PREFIX}']").first.check()
    trainer.page.locator("input[value='casework']").check()
    trainer.click(trainer.page.get_by_role("button", name="Add to the course"))
    expect(trainer.page.locator("h1")).to_contain_text("added to")
    added = trainer.page.locator("main li strong").all_inner_texts()
    assert len(added) == 4, added
    module_title, chapter_title = added[0], added[2]
    casework_title = added[3]
    _platform_home(trainer, platform)
    trainer.click(_item_button(trainer, module_title, "Launch as instructor"))
    trainer.click(trainer.page.get_by_role("link", name=re.compile("Trainer dashboard|Progress")).first)
    expect(trainer.page.locator("main")).to_contain_text(platform.users[learner_id].name)
    trainer.close()

    # 3. The learner reads, takes the quiz and reads a chapter; the scores reach the gradebook.
    learner = Person(chromium, "learner", tool)
    _platform_home(learner, platform)
    learner.click(_item_button(learner, module_title, "Launch as learner"))
    module_url = learner.page.url
    learner.click(learner.page.get_by_role("link", name="Start the module"))
    for _ in range(15):  # every page of the module, in order
        next_page = learner.page.get_by_role("link", name="Next page")
        if not next_page.count():
            break
        learner.click(next_page)
    learner.page.goto(module_url)
    learner.click(learner.page.get_by_role("link", name="Go to the quiz"))
    learner.click(learner.page.get_by_role("button", name=re.compile("^Start")))
    for group in learner.page.locator("fieldset").all():
        choice = group.locator("input[type=radio], input[type=checkbox]").first
        if choice.count():
            choice.check()
    learner.click(learner.page.get_by_role("button", name=re.compile("^(Submit|Hand in)")))
    expect(learner.page.locator("main")).to_contain_text("%")
    _platform_home(learner, platform)
    learner.click(_item_button(learner, chapter_title, "Launch as learner"))
    learner.click(learner.page.get_by_role("button", name="I have read this chapter"))
    learner.close()

    # (Moodle profile: every activity's completion rule is "receive a grade", as the teacher would set it.)
    _deliver(tool)
    if platform_profile == "canvas":
        # Deep-linked assignments start unpublished in Canvas: the scores wait; the teacher publishes; they arrive.
        assert not _grade(platform, module_title, learner_id), "Canvas refuses scores for unpublished assignments"
        teacher = Person(chromium, "trainer", tool)
        _platform_home(teacher, platform)
        publish = teacher.page.locator("section[aria-labelledby=unpublished-heading]").get_by_role("button")
        for _ in range(10):  # each press publishes one assignment and shows the page again
            if not publish.count():
                break
            teacher.click(publish.first)
            _platform_home(teacher, platform)
        teacher.close()
        _deliver(tool, retry=True)
    module_grade = _grade(platform, module_title, learner_id)
    assert module_grade is not None and module_grade.grade is not None, _gradebook(platform, tool)
    chapter_grade = _grade(platform, chapter_title, learner_id)
    assert chapter_grade is not None and chapter_grade.grade == 1, chapter_grade
    if platform_profile == "moodle":
        assert chapter_grade.completed is True, "Moodle marks the chapter complete when it receives a grade"
    else:
        assert not chapter_grade.needs_grading, "no 'needs grading' clutter in SpeedGrader"

    # 4. The practitioner opens the casework workspace and works with a client.
    link_id = next(link.link_id for link in platform.deep_linked_items() if link.title == casework_title)
    practitioner.page.goto(platform.url("/launch") + f"?client_id={_client_id(platform)}&course={COURSE}"
                           f"&user={practitioner_id}&link={link_id}")
    practitioner.page.wait_for_load_state("load")
    practitioner.check()
    expect(practitioner.page.locator("h1")).to_have_text("Caseload")
    practitioner.click(practitioner.page.get_by_role("link", name="New client"))
    practitioner.page.locator("#pseudonym").fill("Kite-4")
    practitioner.click(practitioner.page.locator("main form button[type=submit]").first)
    expect(practitioner.page.locator("h1")).to_contain_text("What Kite-4 was told")
    practitioner.page.locator("#notice_language").select_option("en")
    for box in ("#confidentiality_explained", "#record_consent"):
        practitioner.page.locator(box).check()
    practitioner.click(practitioner.page.get_by_role("button", name=re.compile("^Save")))
    expect(practitioner.page.get_by_role("status")).to_have_text("Information and consents recorded.")
    practitioner.click(practitioner.page.get_by_role("link", name="New assessment"))
    practitioner.click(practitioner.page.get_by_role("button", name=re.compile("^Start")))
    # One area at a time: housing is talked about, the rest waits for another day.
    practitioner.page.locator("#housing-discussed-discussed").check()
    practitioner.page.locator("#housing-need-2").check()
    practitioner.page.locator("#housing-evidence_note").fill("Sleeps at a friend's flat until Friday; told us himself.")
    practitioner.click(practitioner.page.get_by_role("button", name="Save and next"))
    expect(practitioner.page.locator("h2#step-heading")).to_contain_text("Area 2 of 12")
    practitioner.click(practitioner.page.get_by_role("button", name="Finish and save the assessment"))
    practitioner.click(practitioner.page.get_by_role("button", name="Save assessment"))
    expect(practitioner.page.get_by_role("status")).to_have_text("Assessment saved.")
    practitioner.click(practitioner.page.get_by_role("link", name="Support plan"))
    expect(practitioner.page.locator("h1")).to_contain_text("plan")
    practitioner.close()
    with tool.app.app_context():
        from lti_tool.assessment.models import Client, Occasion

        assert db.session.query(Client).count() == 1 and db.session.query(Occasion).count() == 1


def _gradebook(platform: Any, tool: ServedTool) -> str:
    """What the platform and the tool's outbox hold, for a failure message."""
    with tool.app.app_context():
        from lti_tool.services.models import GradeOutbox

        outbox = [(r.label, r.status, r.last_status, r.reason) for r in db.session.execute(select(GradeOutbox)).scalars()]
    items = [(i.item_id, i.label, i.resource_link_id) for i in platform.line_items.values()]
    links = [(link.link_id, link.title) for link in platform.deep_linked_items()]
    return f"line items {items}; links {links}; scores {platform.scores}; outbox {outbox}"


def _client_id(platform: Any) -> str:
    (client,) = platform.clients.values()
    return client.client_id


def _items_of(platform: Any, title: str) -> list[Any]:
    """The platform's line items for the deep-linked activity called ``title``."""
    links = {link.link_id for link in platform.deep_linked_items() if link.title == title}
    return [item for item in platform.line_items.values() if item.resource_link_id in links]


def _grade(platform: Any, title: str, user_id: str) -> Any:
    """What the platform's gradebook holds for a learner in the activity called ``title`` (None: nothing)."""
    for item in _items_of(platform, title):
        state = platform.grade_state(item.item_id, user_id)
        if state is not None and (state.grade is not None or state.completed or state.needs_grading):
            return state
    return None


def _deliver(tool: ServedTool, retry: bool = False) -> None:
    """Run the grade-delivery worker once, as the operator's service would on its next round."""
    runner = tool.app.test_cli_runner()
    if retry:  # the worker's next scheduled attempt, brought forward (the test cannot wait hours)
        with tool.app.app_context():
            from lti_tool.db import utcnow
            from lti_tool.services.models import GradeOutbox

            for row in db.session.execute(select(GradeOutbox)).scalars():
                if row.delivered_at is None:
                    row.next_attempt_at = utcnow()
            db.session.commit()
    result = runner.invoke(args=["lti", "deliver", "--once"])
    assert result.exit_code == 0, result.output
