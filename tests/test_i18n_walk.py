"""Every page of the learner, trainer and practitioner journeys in each partner language, over real HTTP.

Issue #11's first "Done when": a launch whose ``launch_presentation.locale`` is one of the partner languages shows
every page of the three journeys in that language, with ``lang`` and ``dir`` right and no English interface
string left. One tool and one development platform serve all the languages (set up once for the module); each
language launches its own learner, trainer and practitioner once, and walks their pages with plain HTTP (no
browser). Each page is checked for its status, ``<html lang dir>`` and the English left on it
(:func:`test_i18n._english_left`: text, labelling attributes, ``<option>`` labels and messages with placeholders,
leaving out content marked with another ``lang``); the failures of a language are reported together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from support import ONCE, allow_casework, connect, drop_app, serve_tool

from lti_tool import i18n
from lti_tool.devplatform.driver import Browser
from lti_tool.devplatform.models import ResourceLink as PlatformLink
from lti_tool.devplatform.server import start_platform

from assessment.conftest import DOMAINS, answers_form
from assessment.test_training import perfect_form
from test_i18n import _english_left, _Texts

# Every language, every page: a slow walk that does not depend on the database, run in the SQLite pass only.
pytestmark = [pytest.mark.e2e, ONCE]
COURSE = "course-101"
TAGS = ["fr-FR", "pt-PT", "it", "sq", "sv-SE", "bg", "hu", "ar"]
#: course-101's members: 1001 the instructor, 1003... learners. Each language has its own learner and practitioner.
INSTRUCTOR = "1001"
FIRST_LEARNER = 1003
ID = r"[^/\"?#]+"


@pytest.fixture(scope="module")
def template():
    from pathlib import Path

    return i18n.extract(Path(__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def stage(tmp_path_factory) -> Iterator[tuple[Any, Any, str, str]]:
    """The tool and a development platform, connected, with casework allowed for the platform's organisation."""
    tool = serve_tool(tmp_path_factory.mktemp("walk"))
    platform, running = start_platform(allow_control=True)
    cid, deployments = connect(tool, platform)
    platform.add_resource_link(PlatformLink(link_id="casework", course_id=COURSE, title="Casework", client_id=cid,
                                            custom={"r2com_item": "casework"}, deep_linked=True))
    yield tool, platform, cid, deployments[0]
    running.stop()
    tool.stop()
    drop_app(tool.app)


def _english_content(library: Any, lang: str, template: Any) -> frozenset[str]:
    """The English packages' texts that pages in ``lang`` show in English: those of each package with no complete
    translation into ``lang`` (module, page and chapter titles, quiz prompts and options, activity prompts, content
    notes, self-assessment statements; the fictional cases' titles and summaries; the instrument's areas, prompts,
    scale labels, occasion types and information sources). A text that is also an interface message is left to
    :func:`test_i18n._english_left`."""
    def english(kind: str) -> bool:
        package = library.package(next(p.id for p in library.packages() if p.kind == kind), lang)
        return package.lang.split("-")[0] != lang or package.status not in ("source", "complete")

    course, manual, instrument = library.course(), library.manual(), library.instrument()
    texts: set[str] = set()
    if english("course"):
        texts.add(course.title)
        for module in course.modules:
            texts.update([module.title, module.confidence, module.activity.title, *module.activity.reflection_prompts,
                          *module.content_notes])
            texts.update(t for page in module.pages for t in (page.title, page.content_note))
            for q in module.quiz.questions:
                texts.add(q.prompt)
                texts.update(o.text for o in q.options)
                texts.update(e.text for e in q.items if e.text)
                texts.update(e.left for e in q.pairs if e.left)
    if english("manual"):
        texts.update(chapter.title for chapter in manual.chapters)
    if english("instrument"):
        for domain in instrument.domains:
            texts.update([domain.title, *domain.need_prompts, *domain.strength_prompts])
        texts.update(v.label for scale in instrument.scales.values() for v in scale.values)
        texts.update(c.label for c in instrument.occasion_types)
        texts.update(v.label for v in instrument.information_sources)
    if english("case-set"):
        texts.update(t for case in library.case_set().cases for t in (case.title, case.summary))
    messages = {m.id for m in template if isinstance(m.id, str)}
    return frozenset(" ".join(t.split()) for t in texts if t and t.strip() and t not in messages)


class _TextNodes(_Texts):
    """The text nodes of a page in the page's language, and those of them inside an ``<option>`` (which can hold no
    element: a content text there is marked on the whole option). Attributes are left out: they cannot carry a lang
    of their own, and neither can the ``<title>``s of the page and of its pictures."""

    def __init__(self, lang: str) -> None:
        super().__init__(lang)
        self.in_options: set[str] = set()

    def handle_starttag(self, tag, attrs):
        lang = dict(attrs).get("lang") or self._lang()
        if tag == "html":
            self.page_lang = lang.split("-")[0]
        elif tag not in self.VOID:
            self.stack.append((tag, lang))

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text or self._lang().split("-")[0] != self.page_lang or \
                any(t in ("script", "style", "title") for t, _l in self.stack):
            return
        self.texts.add(text)
        if any(t == "option" for t, _l in self.stack):
            self.in_options.add(text)


def _content_unmarked(page: str, lang: str, content: frozenset[str]) -> list[str]:
    """English content on a page in ``lang`` that no element marks with its lang: a text node that is a content
    text, or (outside an ``<option>``) holds one of three words or more (an interface sentence around a title)."""
    if not content:
        return []
    parser = _TextNodes(lang)
    parser.feed(page)
    long = [c for c in content if len(c.split()) >= 3]
    return sorted({t for t in parser.texts if t in content} |
                  {f"{c} (in: {t[:90]})" for t in parser.texts - parser.in_options for c in long if c in t and t != c})


@dataclass
class Walk:
    """One person's pages in one language: every response is checked, the problems are kept for the end."""

    tool: Any
    lang: str
    template: Any
    content: frozenset[str] = frozenset()  # English content this language shows in English (see _english_content)
    http: Browser = field(default_factory=Browser)
    token: str = ""
    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def check(self, resp: requests.Response, what: str, status: int = 200) -> requests.Response:
        for hop in [*resp.history, resp]:
            if hop.status_code >= 500:
                self.problems.append(f"{what}: {hop.status_code} at {urlsplit(hop.url).path}")
        if resp.status_code != status:
            self.problems.append(f"{what}: status {resp.status_code}, expected {status} "
                                 f"({urlsplit(resp.url).path}): {resp.text[:200]!r}")
            return resp
        if "ltik" in parse_qs(urlsplit(resp.url).query):
            self.token = parse_qs(urlsplit(resp.url).query)["ltik"][0]
        self.seen.append(what)
        if "text/html" not in resp.headers.get("Content-Type", ""):
            return resp
        head = f'<html lang="{self.lang}" dir="{i18n.direction(self.lang)}">'
        if head not in resp.text:
            found = re.search(r"<html[^>]*>", resp.text)
            self.problems.append(f"{what}: {found.group(0) if found else 'no <html>'} instead of {head}")
        left = _english_left(resp.text, self.lang, self.template)
        if left:
            self.problems.append(f"{what}: English left: {left}")
        unmarked = _content_unmarked(resp.text, self.lang, self.content)
        if unmarked:
            self.problems.append(f"{what}: English content without lang=\"en\": {unmarked}")
        return resp

    def get(self, path: str, what: str | None = None, status: int = 200, **params: Any) -> requests.Response:
        url = path if path.startswith("http") else self.tool.url + path
        return self.check(self.http.get(url, params={"ltik": self.token, **params}), what or path, status)

    def post(self, path: str, data: dict[str, Any], what: str, status: int = 200) -> requests.Response:
        return self.check(self.http.post(self.tool.url + path, data={"ltik": self.token, **data}), what, status)

    def link(self, page: requests.Response, pattern: str) -> str | None:
        found = re.search(rf'href="({pattern})(?:\?|")', page.text)
        return found.group(1) if found else None


def _learner(w: Walk, platform: Any, cid: str, dep: str, user: str, tag: str) -> None:
    w.check(w.http.launch(platform.base_url, cid, dep, user=user, locale=tag), "launch: link not set up yet")
    course = w.get("/training/course", "course")
    module = w.link(course, f"/training/modules/{ID}")
    assert module, "no module on the course page"
    mod = w.get(module, "module")
    w.get(w.link(mod, f"{module}/pages/{ID}") or "", "module page")
    activity = w.link(mod, f"{module}/activity")
    if activity:
        w.get(activity, "activity")
    quiz = w.get(f"{module}/quiz", "quiz")
    assert 'action="' in quiz.text, quiz.text[:300]
    attempt = w.post(f"{module}/quiz/start", {}, "quiz attempt")
    attempt_path = urlsplit(attempt.url).path
    w.post(attempt_path, {"action": "submit"}, "quiz result")
    w.get(f"{module}/quiz", "quiz after an attempt")
    guide = w.get("/training/manual", "guide")
    w.get(w.link(guide, f"/training/manual/chapters/{ID}") or "", "chapter")
    w.get("/training/manual/glossary", "glossary")
    w.get("/training/manual/search", "search (empty)")
    w.get("/training/manual/search", "search results", q="support")
    w.get("/training/manual/search", "search with no result", q="zzzqqq")
    w.get("/training/certificate", "certificate")
    w.get("/training/self-assessment", "self-assessment")


def _trainer(w: Walk, platform: Any, cid: str, dep: str, tag: str) -> None:
    w.check(w.http.launch(platform.base_url, cid, dep, user=INSTRUCTOR, locale=tag), "launch: link set-up page")
    w.check(w.http.launch(platform.base_url, cid, dep, user=INSTRUCTOR, locale=tag, message="deeplink"),
            "deep-linking picker")
    dashboard = w.get("/training/dashboard", "dashboard")
    learner = re.search(r'href="(/training/dashboard/learner\?[^"]+)"', dashboard.text)
    if learner:
        w.check(w.http.get(w.tool.url + learner.group(1).replace("&amp;", "&")), "learner detail")
    else:
        w.problems.append("dashboard: no link to a learner's detail")
    stats = w.get("/training/stats", "statistics")
    one = w.link(stats, f"/training/stats/{ID}")
    if one and not one.endswith(".csv"):
        w.get(one, "statistics of a module")
    w.get("/training/certificates", "certificates")
    w.get("/training/extra-time", "extra time")
    w.get("/training/self-assessment/summary", "self-assessment summary")
    w.get("/assessment/training", "case exercises (trainer)")


def _practitioner(w: Walk, platform: Any, cid: str, dep: str, user: str, tag: str) -> None:
    w.check(w.http.launch(platform.base_url, cid, dep, user=user, locale=tag, link="casework"),
            "launch: casework without a role", status=403)
    allow_casework(w.tool.app, user, "practitioner", "org_admin", "supervisor")
    w.get("/assessment/", "caseload (empty)")
    w.get("/assessment/clients/new", "new client")
    made = w.http.post(w.tool.url + "/assessment/clients/new", data={"ltik": w.token, "pseudonym": f"Heron-{tag}"},
                       allow_redirects=False)
    assert made.status_code == 303, made.text[:500]
    client = "/assessment/clients/" + urlsplit(made.headers["Location"]).path.split("/clients/")[1].split("/")[0]
    w.get(client, "client page (new)")
    w.get(f"{client}/information", "information")
    w.post(f"{client}/information", {"confidentiality_explained": "1", "lawful_basis": "consent",
                                     "record_consent": "1"}, "client page (information recorded)")
    w.get(f"{client}/consents/new", "consent form")
    w.get(f"{client}/occasions/new", "new occasion")
    occasion = w.post(f"{client}/occasions/new", {"occasion_type": "week-1"}, "occasion: first step")
    occasion_path = urlsplit(occasion.url).path
    w.get(occasion_path, "occasion: another step", step=DOMAINS[1])
    w.get(occasion_path, "occasion: every area on one page", all="1")
    w.post(occasion_path, {**answers_form(need="2"), "step": "all"}, "client page (occasion complete)")
    w.get(f"{client}/profile", "profile")
    w.get(f"{client}/change", "change")
    plan = w.get(f"{client}/plan", "support plan")
    assert 'name="suggestion_id"' in plan.text, "no suggestions on the plan page"
    w.post(f"{client}/plan", {"description": "H5 / 2025", "owner": "client"}, "support plan with an action")
    w.get(f"{client}/plan/print", "printable plan")
    w.get(f"{client}/export", "client copy")
    w.get(f"{client}/referrals", "referrals")
    for text in ("notice", "consent_easy"):
        w.get(f"{client}/texts", f"client text: {text}", text=text)
    w.get(f"{client}/requests", "the person's requests")
    w.get(f"{client}/concerns/new", "new concern")
    w.get("/assessment/concerns", "concerns")
    w.get("/assessment/", "caseload")
    w.get("/assessment/organisation", "organisation settings")
    w.get("/assessment/organisation/start", "getting started")
    docs = w.get("/assessment/organisation/documents", "organisation documents")
    document = w.link(docs, f"/assessment/organisation/documents/{ID}")
    if document and "." not in document.rsplit("/", 1)[1]:
        w.get(document, "an organisation document")
    w.get("/assessment/directory", "directory of services")
    w.get("/assessment/directory/new", "new service")
    w.get("/assessment/audit", "audit log")
    cases = w.get("/assessment/training", "case exercises")
    case = w.link(cases, f"/assessment/training/cases/{ID}")
    attempt = w.get(case or "", "case attempt")
    w.post(urlsplit(attempt.url).path, perfect_form(), "case result")


@pytest.mark.parametrize("tag", TAGS)
def test_every_page_of_the_three_journeys_is_in_the_launch_language(stage, template, tag):
    lang = i18n.normalize(tag)
    if lang is None:
        pytest.skip(f"{tag} is not offered")
    tool, platform, cid, dep = stage
    index = TAGS.index(tag)
    content = _english_content(tool.app.extensions["r2com"]["content"], lang, template)
    walks = {name: Walk(tool, lang, template, content) for name in ("learner", "trainer", "practitioner")}
    try:
        _learner(walks["learner"], platform, cid, dep, str(FIRST_LEARNER + index), tag)
        _trainer(walks["trainer"], platform, cid, dep, tag)
        _practitioner(walks["practitioner"], platform, cid, dep, str(FIRST_LEARNER + len(TAGS) + index), tag)
    finally:
        for w in walks.values():
            w.http.close()
    report = "\n".join(f"  {name}: {p}" for name, w in walks.items() for p in w.problems)
    assert not report, f"{tag}: pages not wholly in {lang}:\n{report}"
    assert len(walks["learner"].seen) >= 15 and len(walks["trainer"].seen) >= 8, walks["learner"].seen
    assert len(walks["practitioner"].seen) >= 28, walks["practitioner"].seen
