"""Certificates: earned by passing the selected modules (or the whole course), verified by anyone, revoked."""

from __future__ import annotations

import csv
import io

import pypdf

from lti_tool.extensions import db
from lti_tool.lti.models import LtiUser
from lti_tool.training.certificates import Certificate
from lti_tool.training.models import Placement

from .conftest import correct_form, wrong_form

PLACED = ("m01-foundations", "m02-transition")


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _quiz(world, module_id):
    return world.app.extensions["r2com"]["content"].module(module_id).quiz


def _take(client, token, form, module_id):
    start = client.post(f"/training/modules/{module_id}/quiz/start", data={"ltik": token})
    url = start.headers["Location"].split("?")[0]
    done = client.post(url, data=dict(form, ltik=token, action="submit"))
    assert done.status_code == 303, _text(done)[:300]
    return url


def _place(world, course="x", modules=PLACED):
    with world.app.app_context():
        for module_id in modules:
            db.session.add(Placement(context_id=world.contexts[course], item_kind="module", item_id=module_id,
                                     source="deep_link", title=module_id))
        db.session.commit()


def _certificate(world, user="ana"):
    with world.app.app_context():
        return db.session.query(Certificate).filter_by(user_id=world.users[user]).one_or_none()


def test_passing_the_placed_modules_issues_a_certificate_anyone_can_verify_until_revoked(world, client):
    _place(world)
    token = world.session("ana")
    page = _text(client.get("/training/certificate", query_string={"ltik": token}))
    assert "every module your trainer chose" in page and "0 of 2 modules passed" in page
    _take(client, token, wrong_form(_quiz(world, PLACED[0])), PLACED[0])
    _take(client, token, correct_form(_quiz(world, PLACED[1])), PLACED[1])
    assert _certificate(world) is None  # one of the two is not passed
    url = _take(client, token, correct_form(_quiz(world, PLACED[0])), PLACED[0])
    cert = _certificate(world)
    assert cert is not None and cert.scope == "selected" and [m["id"] for m in cert.modules] == list(PLACED)
    assert cert.holder_name == "Ana" and cert.course_title == "Course x" and cert.organisation == "P"
    assert cert.hours == 5.0 and cert.lang == "en" and len(cert.code) >= 20
    result = _text(client.get(url + "/result", query_string={"ltik": token}))
    assert "/training/certificate?" in result and "See and download your certificate" in result

    page = _text(client.get("/training/certificate", query_string={"ltik": token}))
    verify = f"http://tool.test/training/verify/{cert.code}"
    assert "Certificate of completion" in page and "Ana" in page and verify in page and "<svg" in page
    pdf = client.get("/training/certificate.pdf", query_string={"ltik": token})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 1 and "/StructTreeRoot" in reader.trailer["/Root"]
    text = reader.pages[0].extract_text()
    assert "Certificate of completion" in text and "Ana" in text and "Module 2: " in text
    assert cert.code in text.replace("\n", "")

    # Anyone, with no session and no cookie, can check it; the page shows no more than the certificate.
    anyone = world.app.test_client()
    public = anyone.get(f"/training/verify/{cert.code}")
    body = _text(public)
    assert public.status_code == 200 and "This certificate is valid" in body and "Ana" in body
    assert "Module 1: " in body and "Course x" in body and "5 hours" in body
    assert "%" not in body.split("<main", 1)[1] and "ltik" not in body and "sub-ana" not in body
    assert public.headers["Cache-Control"] == "no-store" and public.headers["X-Robots-Tag"] == "noindex"
    assert anyone.get("/training/verify/not-a-real-code").status_code == 404

    # Trainers see and export the holders; learners cannot revoke, trainers of another course cannot either.
    trainer = world.session("tess", role="instructor")
    listing = _text(client.get("/training/certificates", query_string={"ltik": trainer}))
    assert "Ana" in listing and "Module 2: " in listing
    rows = list(csv.reader(io.StringIO(_text(client.get("/training/certificates.csv",
                                                         query_string={"ltik": trainer})).lstrip("\ufeff"))))
    assert rows[0][0] == "Name" and rows[1][0] == "Ana" and rows[1][8] == "valid" and rows[1][9] == verify
    assert client.get("/training/certificates", query_string={"ltik": token}).status_code == 403
    revoke = f"/training/certificates/{cert.id}/revoke"
    assert client.post(revoke, data={"ltik": token}).status_code == 403
    other = world.session("tess", role="instructor", course="y")
    assert client.post(revoke, data={"ltik": other}).status_code == 404
    done = client.post(revoke, data={"ltik": trainer})
    assert done.status_code == 303

    revoked = _text(anyone.get(f"/training/verify/{cert.code}"))
    assert "was revoked on" in revoked and "no longer valid" in revoked and "This certificate is valid" not in revoked
    assert client.get("/training/certificate.pdf", query_string={"ltik": token}).status_code == 410
    assert "was revoked" in _text(client.get("/training/certificate", query_string={"ltik": token}))
    rows = list(csv.reader(io.StringIO(_text(client.get("/training/certificates.csv",
                                                         query_string={"ltik": trainer})).lstrip("\ufeff"))))
    assert rows[1][8].startswith("revoked on")
    # A revoked certificate is not issued again by passing again.
    _take(client, token, correct_form(_quiz(world, PLACED[1])), PLACED[1])
    assert _certificate(world).revoked_at is not None


def test_without_placed_modules_the_whole_course_is_needed_and_a_name_is_required(world, client):
    with world.app.app_context():
        db.session.get(LtiUser, world.users["ben"]).name = None
        db.session.commit()
    token = world.session("ben")
    course = world.app.extensions["r2com"]["content"].course()
    assert "every module of the course" in _text(client.get("/training/certificate", query_string={"ltik": token}))
    for mod in course.modules[:-1]:
        _take(client, token, correct_form(mod.quiz), mod.id)
    assert _certificate(world, "ben") is None
    _take(client, token, correct_form(course.modules[-1].quiz), course.modules[-1].id)
    assert _certificate(world, "ben") is None  # earned, but the LMS sent no name
    assert "did not send your name" in _text(client.get("/training/certificate", query_string={"ltik": token}))
    with world.app.app_context():
        db.session.get(LtiUser, world.users["ben"]).name = "Ben Ndiaye"
        db.session.commit()
    assert "Ben Ndiaye" in _text(client.get("/training/certificate", query_string={"ltik": token}))
    cert = _certificate(world, "ben")
    assert cert.scope == "course" and len(cert.modules) == len(course.modules)
    assert client.get("/training/certificate.pdf", query_string={"ltik": world.session("ana")}).status_code == 404
