"""PDF exports (DP-12): the support plan for the person and referral letters, made with WeasyPrint. Each carries
the recipient, the date and a document id on every page, the id is in the audit log, and a referral letter is
refused without a recorded consent for its recipient."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import select

from lti_tool.assessment.models import AuditEvent, Consent, ReferralService
from lti_tool.extensions import db

from .conftest import PSEUDONYM, World, full_case

pypdf = pytest.importorskip("pypdf")


def pdf_text(resp: Any) -> tuple[str, Any]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/pdf" and resp.headers["Cache-Control"] == "no-store"
    reader = pypdf.PdfReader(io.BytesIO(resp.data))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def audit_ids(world: World, object_type: str) -> list[str]:
    with world.app.app_context():
        return list(db.session.execute(select(AuditEvent.object_id).where(AuditEvent.object_type == object_type))
                    .scalars())


def test_support_plan_pdf_carries_recipient_date_and_id(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    p.post(f"/assessment/clients/{case.client_id}/plan", {"description": "Phone the housing office", "owner": "client"})
    resp = p.get(f"/assessment/clients/{case.client_id}/plan/pdf", recipient="Sam Example")
    text, reader = pdf_text(resp)
    doc_id = re.search(r"document (SP-[A-Z2-9]{10})", text).group(1)
    # The date is written as people of the interface language write it (Babel), not as ISO.
    today = format_date(datetime.now(timezone.utc).date(), "medium", locale="en")
    assert f"For Sam Example · {today} · document {doc_id}" in text
    assert "Phone the housing office" in text and "It is not a risk assessment" in text
    # every page carries the watermark
    assert all("For Sam Example" in page.extract_text() and doc_id in page.extract_text() for page in reader.pages)
    # the title is neutral: never the pseudonym unless chosen
    assert reader.metadata.title == "My support plan" and PSEUDONYM not in text
    # a tagged PDF with its language, for screen readers
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    # the document id is in the audit log; the recipient's name is not
    assert doc_id in audit_ids(world, "plan_pdf")
    assert doc_id in resp.headers["Content-Disposition"] and "Sam" not in resp.headers["Content-Disposition"]
    with world.app.app_context():
        assert not db.session.execute(select(AuditEvent).where(AuditEvent.purpose.contains("Sam"))).first()


def test_plan_title_choices(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    url = f"/assessment/clients/{case.client_id}/plan/pdf"
    _text, reader = pdf_text(p.get(url, recipient="Sam Example", title="recipient"))
    assert reader.metadata.title == "My support plan: Sam Example"
    _text, reader = pdf_text(p.get(url, title="pseudonym"))
    assert reader.metadata.title == f"My support plan: {PSEUDONYM}"
    # the printable page follows the same rule (it used to be titled with the pseudonym)
    page = p.get(f"/assessment/clients/{case.client_id}/plan/print", recipient="Sam Example").get_data(as_text=True)
    assert "<h1>My support plan</h1>" in page and PSEUDONYM not in page.split("<main")[1]


def _service(world: World, name: str) -> int:
    with world.app.app_context():
        service = ReferralService(organisation_id=world.orgs["a"], name=name)
        db.session.add(service)
        db.session.commit()
        return service.id


def test_referral_pdf_needs_the_consent_for_that_recipient(as_, world: World) -> None:
    p = as_("practitioner")
    case = full_case(p)
    c = case.client_id
    service_id = _service(world, "Tenancy support")
    p.post(f"/assessment/clients/{c}/consents", {"kind": "referral", "service_id": service_id,
                                                  "purpose": "Tenancy support"})
    p.post(f"/assessment/clients/{c}/referrals", {"service_id": service_id, "purpose": "A bedsit application"})
    page = p.get(f"/assessment/clients/{c}/referrals").get_data(as_text=True)
    referral_id = re.search(r"/referrals/([\w-]+)/letter/pdf", page).group(1)
    text, reader = pdf_text(p.get(f"/assessment/referrals/{referral_id}/letter/pdf"))
    doc_id = re.search(r"document (RL-[A-Z2-9]{10})", text).group(1)
    assert "For Tenancy support" in text and "A bedsit application" in text
    assert reader.metadata.title == "Referral to Tenancy support"
    assert doc_id in audit_ids(world, "referral_pdf")
    # the consent is withdrawn: no letter any more, as PDF or page, and nothing is audited as exported
    with world.app.app_context():
        consent_id = db.session.execute(select(Consent.id).where(Consent.client_id == c,
                                                                  Consent.kind == "referral")).scalar_one()
    assert p.post(f"/assessment/clients/{c}/consents/{consent_id}/withdraw").status_code == 303
    resp = p.get(f"/assessment/referrals/{referral_id}/letter/pdf")
    assert resp.status_code == 409 and "no recorded consent" in resp.get_data(as_text=True)
    assert p.get(f"/assessment/referrals/{referral_id}/letter").status_code == 409
    assert len(audit_ids(world, "referral_pdf")) == 1


def test_exports_need_the_export_permission(as_, world: World) -> None:
    case = full_case(as_("practitioner"))
    assert as_("colleague").get(f"/assessment/clients/{case.client_id}/plan/pdf").status_code == 404
    assert as_("org_admin").get(f"/assessment/clients/{case.client_id}/plan/pdf").status_code == 403


def test_pdf_helper_fetches_nothing_from_outside(app) -> None:
    from lti_tool.pdf import render_pdf

    html = ('<!doctype html><html lang="sv"><head><title>T</title><link rel="stylesheet" '
            'href="http://127.0.0.1:9/x.css"></head><body><h1>Hej</h1><img alt="" src="file:///etc/passwd"></body></html>')
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(html, base_url="https://pdf.invalid/", lang="sv")))
    assert reader.trailer["/Root"]["/Lang"] == "sv" and "Hej" in reader.pages[0].extract_text()


def test_pdfs_hold_no_total_or_risk_words(world: World, as_) -> None:
    """The privacy scans of the printable pages, applied to the text of the PDFs as well."""
    from .test_privacy import STATEMENT, STIGMA, everything

    p, c = everything(world, as_)
    page = p.get(f"/assessment/clients/{c}/referrals").get_data(as_text=True)
    referral_id = re.search(r"/referrals/([\w-]+)/letter/pdf", page).group(1)
    for url in (f"/assessment/clients/{c}/plan/pdf", f"/assessment/referrals/{referral_id}/letter/pdf"):
        text, _reader = pdf_text(p.get(url))
        flat = " ".join(text.split())
        assert flat.count(STATEMENT) == 1, url
        flat = flat.replace(STATEMENT, "")
        assert not re.search(r"\b(total|average|overall|score|risk level|low|medium|high)\b", flat, re.I), url
        assert not STIGMA.search(flat), (url, STIGMA.findall(flat))
