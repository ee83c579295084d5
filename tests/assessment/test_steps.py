"""The occasion form one area at a time: plain forms that work without JavaScript, the list of areas with
their states, and areas the person chose not to discuss, which take no ratings (enforced on the server)."""

from __future__ import annotations

import re
from typing import Any

from lti_tool.assessment.models import DomainEntry
from lti_tool.extensions import db

from .conftest import DOMAINS, Caller, World, answers_form, new_client, new_occasion


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


def step_post(p: Caller, occasion_id: str, step: str, action: str = "next", **fields: Any) -> Any:
    data = {"step": step, "action": action}
    data.update({(k if k in ("goto", "formulation", "language") else f"{step}.{k}"): v for k, v in fields.items()})
    return p.post(f"/assessment/occasions/{occasion_id}", data)


def test_a_new_occasion_opens_at_the_first_area_with_the_area_list(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    page = text(p.get(f"/assessment/occasions/{occasion_id}"))
    assert "Area 1 of 12" in page and "0 of 12 areas done" in page
    assert 'name="step" value="housing"' in page
    # the step holds one area's questions only, and the first question has the focus
    assert 'name="housing.need"' in page and 'name="family.need"' not in page
    assert re.search(r'id="housing-discussed-not_yet"[^>]*checked autofocus', page)
    # "Save and next" is the form's first button, so Enter moves forward without JavaScript
    first_button = re.search(r'<button type="submit" name="(\w+)" value="(\w+)"', page)
    assert first_button and first_button.groups() == ("action", "next")
    assert page.count('name="goto"') == 13  # twelve areas and the finish step
    assert "UTC" in page  # times say their time zone


def test_steps_save_move_and_count(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    resp = step_post(p, occasion_id, "housing", discussed="discussed", need="1", strength="1", client_view="1")
    assert resp.status_code == 303 and "step=income-work" in resp.headers["Location"]
    resp = step_post(p, occasion_id, "income-work", "previous", discussed="discussed", need="0")
    assert "step=housing" in resp.headers["Location"]
    resp = step_post(p, occasion_id, "housing", "save", goto="family", discussed="client_declined")
    assert "step=family" in resp.headers["Location"]
    page = text(p.get(f"/assessment/occasions/{occasion_id}", step="family"))
    assert "1 of 12 areas done" in page and "1 not discussed at the person" in page
    assert re.search(r'value="income-work"[^>]*>[^<]*</button>\s*<span class="area-state">.*?done', page, re.S)
    # an unticked checkbox of the step is stored as unticked; other areas are left alone
    step_post(p, occasion_id, "family", "save", discussed="discussed", priority="1")
    step_post(p, occasion_id, "family", "save", discussed="discussed")
    page = text(p.get(f"/assessment/occasions/{occasion_id}", step="family"))
    assert not re.search(r'id="family-priority"[^>]*checked', page)
    assert re.search(r'id="income-work-need-0"[^>]*checked',
                     text(p.get(f"/assessment/occasions/{occasion_id}", step="income-work")))


def test_next_checks_the_area_and_keeps_what_was_typed(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    resp = step_post(p, occasion_id, "housing", discussed="discussed", need="3", client_view_text="My own words")
    assert resp.status_code == 422
    page = text(resp)
    assert "Write a short evidence note" in page and "My own words" in page and "Area 1 of 12" in page


def test_an_unknown_step_is_a_clear_4xx(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    assert p.get(f"/assessment/occasions/{occasion_id}", step="nowhere").status_code == 404
    assert step_post(p, occasion_id, "nowhere").status_code == 400


def test_finish_step_completes_from_the_draft(as_, world: World) -> None:
    p = as_("practitioner")
    client_id = new_client(p)
    occasion_id = new_occasion(p, client_id)
    step_post(p, occasion_id, "housing", discussed="discussed", need="2", strength="1", evidence_note="Told us.",
              priority="1")
    step_post(p, occasion_id, "networks-pressures", discussed="client_declined", declined_note="Not today.",
              revisit="Next meeting")
    resp = step_post(p, occasion_id, "finish", "complete", formulation="Wants a room.", language="Arabic")
    assert resp.status_code == 303 and "/profile" in resp.headers["Location"]
    profile = text(p.get(f"/assessment/clients/{client_id}/profile"))
    assert "Wants a room." in profile and "Not today." in profile and "Next meeting" in profile


def test_finish_with_errors_links_to_the_step(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    p.post(f"/api/assessment/occasions/{occasion_id}/draft",
           {"touched": ["family.need", "family.discussed"], "family.need": "3", "family.discussed": "discussed"})
    resp = step_post(p, occasion_id, "finish", "complete")
    assert resp.status_code == 422
    assert "step=family" in text(resp) and "Write a short evidence note" in text(resp)


def test_a_declined_area_takes_no_ratings(as_, world: World) -> None:
    """Rating what a person declined to discuss goes against a person-led assessment: the server refuses it,
    in every way the form can be posted."""
    p = as_("practitioner")
    client_id = new_client(p)
    occasion_id = new_occasion(p, client_id)
    # one step at a time
    resp = step_post(p, occasion_id, "family", discussed="client_declined", need="2", evidence_note="x")
    assert resp.status_code == 422 and "chose not to discuss this area, so it takes no ratings" in text(resp)
    resp = step_post(p, occasion_id, "family", discussed="client_declined", priority="1")
    assert resp.status_code == 422
    # the whole form at once
    form = answers_form(need="1", strength="1")
    form.update({"family.discussed": "client_declined"})
    resp = p.post(f"/assessment/occasions/{occasion_id}", {**form, "step": "all"})
    assert resp.status_code == 422 and "chose not to discuss this area" in text(resp)
    # a declined area with only the why and when is stored without any rating
    for key in [k for k in form if k.startswith("family.")]:
        del form[key]
    form.update({"family.discussed": "client_declined", "family.declined_note": "Too soon after the funeral.",
                 "family.revisit": "Month 3"})
    resp = p.post(f"/assessment/occasions/{occasion_id}", {**form, "step": "all"})
    assert resp.status_code == 303, text(resp)
    with world.app.app_context():
        row = db.session.query(DomainEntry).filter_by(occasion_id=occasion_id, domain_id="family").one()
        answers = row.unseal("answers_enc")
        other = db.session.query(DomainEntry).filter_by(occasion_id=occasion_id, domain_id="housing").one()
        assert other.unseal("answers_enc")["declined_note"] == ""  # only a declined area keeps a why
    assert answers["discussed"] == "client_declined" and answers["declined_note"] == "Too soon after the funeral."
    assert answers["need"] == "not_known" and answers["strength"] == "not_known" and not answers["priority"]
    assert answers["evidence_note"] == "" and answers["information_sources"] == []
    profile = text(p.get(f"/assessment/clients/{client_id}/profile"))
    family = profile.split('id="area-family"')[1].split("</li>")[0]
    assert "chose not to discuss" in family and "agreed priority" not in family
    assert "Support need" not in family


def test_show_all_mode_still_posts_everything(as_, world: World) -> None:
    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    page = text(p.get(f"/assessment/occasions/{occasion_id}", all="1"))
    assert all(f'name="{d}.need"' in page for d in DOMAINS)
    resp = p.post(f"/assessment/occasions/{occasion_id}", {**answers_form(), "step": "all", "action": "save"})
    assert resp.status_code == 303 and "all=1" in resp.headers["Location"]


def test_autosave_hands_the_page_a_renewed_token_that_keeps_working(as_, world: World, app, client) -> None:
    """A form left open for hours: autosave answers with the session's renewed token, which the page then uses."""
    import hashlib
    import time

    from itsdangerous import TimestampSigner

    from lti_tool.lti.session import SALT

    p = as_("practitioner")
    occasion_id = new_occasion(p, new_client(p))
    session_id = p.token.rsplit(".", 2)[0]
    signer = TimestampSigner(app.config["SECRET_KEY"], salt=SALT, digest_method=hashlib.sha256)
    signer.get_timestamp = lambda: int(time.time()) - 50 * 60  # issued 50 minutes ago: past a quarter of 120
    old = signer.sign(session_id).decode("ascii")
    saved = client.post(f"/api/assessment/occasions/{occasion_id}/draft",
                        data={"ltik": old, "touched": "housing.discussed", "housing.discussed": "discussed"})
    assert saved.status_code == 200
    fresh = saved.get_json()["ltik"]
    assert fresh != old and fresh.startswith(session_id + ".")
    again = client.post(f"/api/assessment/occasions/{occasion_id}/draft",
                        data={"ltik": fresh, "touched": "housing.need", "housing.need": "1"})
    assert again.status_code == 200 and again.get_json()["ltik"] == fresh  # fresh enough: kept as it is
