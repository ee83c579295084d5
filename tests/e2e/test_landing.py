"""A launch redirects once, straight to the page its link opens (no /lti/home hop), through the WSGI fast path
and through the Flask view alike; links another feature decides still land on /lti/home."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from werkzeug.test import Client

from lti_tool.devplatform.driver import find_autosubmit_form
from lti_tool.devplatform.models import ResourceLink


def _launch(tool, platform, cid, dep, client: Client, *, user: str = "learner", link: str | None = None):
    lms = requests.Session()
    params = {"client_id": cid, "deployment_id": dep, "course": "course-101", "user": user}
    if link:
        params["link"] = link
    start = lms.get(platform.base_url + "/launch", params=params, allow_redirects=False, timeout=10)
    login_url = urlsplit(start.headers["Location"])
    login = client.get(login_url.path, query_string=login_url.query)
    auth = lms.get(login.headers["Location"], timeout=10)
    _method, action, pairs = find_autosubmit_form(auth.text)
    cookies = "; ".join(c.split(";", 1)[0] for c in login.headers.getlist("Set-Cookie"))
    launch = client.post(urlsplit(action).path, data=dict(pairs), headers={"Cookie": cookies})
    assert launch.status_code == 303, launch.get_data(as_text=True)[:300]
    return launch.headers["Location"]


def _link(platform, cid, link_id: str, custom: dict[str, str]) -> str:
    platform.add_resource_link(ResourceLink(link_id, "course-101", link_id, client_id=cid, custom=custom))
    return link_id


def _clients(tool):
    return (Client(tool.app), Client(tool.app.wsgi_app.wsgi_app))  # the fast path, and Flask alone


def test_a_placed_module_opens_in_one_redirect(connected):
    tool, platform, cid, dep = connected
    link = _link(platform, cid, "mod-link", {"r2com_item": "module", "r2com_id": "m02-transition"})
    for client in _clients(tool):
        location = _launch(tool, platform, cid, dep, client, link=link)
        assert location.startswith("/training/modules/m02-transition?ltik="), location
        page = client.get(location)
        assert page.status_code == 200 and "/training/modules/m02-transition/pages/" in page.get_data(as_text=True)


def test_a_chapter_and_the_guide_open_in_one_redirect(connected):
    tool, platform, cid, dep = connected
    chapter = _link(platform, cid, "ch-link", {"r2com_item": "chapter", "r2com_id": "about-this-guide",
                                               "r2com_report": "none"})
    guide = _link(platform, cid, "guide-link", {"r2com_item": "manual", "r2com_report": "none"})
    fast = Client(tool.app)
    assert _launch(tool, platform, cid, dep, fast, link=chapter).startswith("/training/manual/chapters/about-this-guide?")
    assert _launch(tool, platform, cid, dep, fast, link=guide).startswith("/training/manual?ltik=")


def test_an_unset_link_lands_on_its_page_for_learners_and_the_set_up_for_trainers(connected):
    tool, platform, cid, dep = connected
    for client in _clients(tool):
        learner = _launch(tool, platform, cid, dep, client)
        assert learner.startswith("/training/not-set-up?ltik=")
        page = client.get(learner)
        assert page.status_code == 200 and "This activity is not set up yet" in page.get_data(as_text=True)
        trainer = _launch(tool, platform, cid, dep, client, user="instructor")
        assert trainer.startswith("/training/link/setup?ltik=")


def test_casework_links_still_land_on_home_where_their_feature_answers(connected):
    tool, platform, cid, dep = connected
    link = _link(platform, cid, "cw-link", {"r2com_item": "casework"})
    client = Client(tool.app)
    location = _launch(tool, platform, cid, dep, client, user="instructor", link=link)
    assert location.startswith("/lti/home?ltik=")
    home = client.get(location)
    assert home.status_code == 303 and "/assessment/" in home.headers["Location"]


def test_the_not_set_up_page_names_the_course_and_carries_each_learners_token(connected):
    tool, platform, cid, dep = connected
    client = Client(tool.app)
    first, second = (_launch(tool, platform, cid, dep, client, user=u) for u in ("learner", "1005"))
    for location in (first, second):
        html = client.get(location).get_data(as_text=True)
        token = location.split("ltik=")[1]
        assert f"You are signed in as a learner in “{platform.courses['course-101'].title}”" in html
        assert f"ltik={token}" in html and "__R2COM_LTIK__" not in html


def test_a_link_set_up_in_the_tool_lands_on_its_item(connected):
    from sqlalchemy import select

    from lti_tool.extensions import db
    from lti_tool.lti.models import ResourceLink as LinkRow
    from lti_tool.training.models import Placement

    tool, platform, cid, dep = connected
    client = Client(tool.app)
    assert _launch(tool, platform, cid, dep, client).startswith("/training/not-set-up?")
    with tool.app.app_context():
        link = db.session.execute(select(LinkRow)).scalar_one()
        db.session.add(Placement(context_id=link.context_id, resource_link_id=link.id, item_kind="chapter",
                                 item_id="about-this-guide", title="About", source="tool", report="none",
                                 presentation="iframe"))
        db.session.commit()
    assert _launch(tool, platform, cid, dep, client).startswith("/training/manual/chapters/about-this-guide?ltik=")
