"""Optional features the controller switches on (off by default): the legal conditions field (DP-2, Art. 10)
with a recorded legal basis, and client self-access (DP-5) with time-limited, revocable, audited codes."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from lti_tool.assessment.models import AuditEvent, Client, Organisation, ReferralService, SelfAccess
from lti_tool.db import utcnow
from lti_tool.extensions import db

from .conftest import FORMULATION, World, full_case

CONDITIONS = "Must not contact the co-defendant; curfew 22:00 to 06:00 until June."


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


def settings(admin: Any, **extra: str) -> Any:
    form = {"casework_enabled": "1", "retention_months": "12", "privacy_notice_version": "2.0"}
    form.update(extra)
    return admin.post("/assessment/organisation", form)


def events(world: World, action: str) -> list[AuditEvent]:
    with world.app.app_context():
        return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_both_are_off_by_default(as_, world: World, client) -> None:
    with world.app.app_context():
        org = db.session.get(Organisation, world.orgs["a"])
        assert not org.legal_conditions_enabled and not org.self_access_enabled
    p = as_("practitioner")
    c = full_case(p).client_id
    page = text(p.get(f"/assessment/clients/{c}"))
    assert "Legal conditions relevant to support" not in page and "Self-access" not in page
    assert p.post(f"/assessment/clients/{c}/legal-conditions", {"legal_conditions": CONDITIONS}).status_code == 403
    assert p.post(f"/assessment/clients/{c}/self-access", {"days": "7"}).status_code == 403
    assert client.post("/assessment/my", data={"code": "ABCD-EFGH-2345"}).status_code == 401


def test_legal_conditions_need_a_recorded_basis(as_, world: World) -> None:
    admin = as_("org_admin")
    resp = settings(admin, legal_conditions_enabled="1")
    assert resp.status_code == 422 and "Record the legal basis" in text(resp)
    assert settings(admin, legal_conditions_enabled="1",
                    legal_conditions_basis="National Probation Act s. 12, reviewed by our DPO").status_code == 303
    with world.app.app_context():
        org = db.session.get(Organisation, world.orgs["a"])
        assert org.legal_conditions_enabled and "Probation Act" in org.legal_conditions_basis
    assert len(events(world, "legal_conditions_on")) == 1


def _referral(world: World, p: Any, c: str) -> str:
    with world.app.app_context():
        service = ReferralService(organisation_id=world.orgs["a"], name="Tenancy support")
        db.session.add(service)
        db.session.commit()
        service_id = service.id
    p.post(f"/assessment/clients/{c}/consents", {"kind": "referral", "service_id": service_id, "purpose": "Housing"})
    p.post(f"/assessment/clients/{c}/referrals", {"service_id": service_id, "purpose": "A room"})
    return re.search(r"/referrals/([\w-]+)/letter", text(p.get(f"/assessment/clients/{c}/referrals"))).group(1)


def test_legal_conditions_are_sealed_and_left_out_of_documents_for_others(as_, world: World) -> None:
    pypdf = pytest.importorskip("pypdf")
    settings(as_("org_admin"), legal_conditions_enabled="1", legal_conditions_basis="Art. 10 national law")
    p = as_("practitioner")
    c = full_case(p).client_id
    assert p.post(f"/assessment/clients/{c}/legal-conditions", {"legal_conditions": CONDITIONS}).status_code == 303
    assert CONDITIONS in text(p.get(f"/assessment/clients/{c}"))
    with world.app.app_context():
        row = db.session.get(Client, c)
        assert row.legal_conditions_enc and b"curfew" not in row.legal_conditions_enc
    referral_id = _referral(world, p, c)
    assert "curfew" not in text(p.get(f"/assessment/referrals/{referral_id}/letter"))
    assert "curfew" in text(p.get(f"/assessment/referrals/{referral_id}/letter", include_legal="1"))

    def pdf(resp: Any) -> str:
        assert resp.status_code == 200
        return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(resp.data)).pages)

    assert "curfew" not in pdf(p.get(f"/assessment/referrals/{referral_id}/letter/pdf"))
    assert "curfew" in pdf(p.get(f"/assessment/referrals/{referral_id}/letter/pdf", include_legal="1"))
    assert "curfew" not in pdf(p.get(f"/assessment/clients/{c}/plan/pdf"))
    assert "curfew" not in text(p.get(f"/assessment/clients/{c}/plan/print"))
    purposes = [e.purpose for e in events(world, "export")]
    assert any(pp.endswith("with legal conditions") for pp in purposes)
    # the person's own copy of their record holds everything about them (Art. 15)
    assert "curfew" in text(p.get(f"/assessment/clients/{c}/export"))
    # switched off again: the field disappears from pages and documents, and nothing is lost
    settings(as_("org_admin"))
    assert "curfew" not in text(p.get(f"/assessment/clients/{c}"))
    assert "curfew" not in text(p.get(f"/assessment/referrals/{referral_id}/letter", include_legal="1"))
    with world.app.app_context():
        assert db.session.get(Client, c).legal_conditions_enc is not None


def _code(p: Any, c: str, days: str = "7") -> str:
    resp = p.post(f"/assessment/clients/{c}/self-access", {"days": days})
    assert resp.status_code == 200, text(resp)
    return re.search(r"<strong>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</strong>", text(resp)).group(1)


def test_self_access_codes_work_when_switched_on_and_can_be_stopped(as_, world: World, client) -> None:
    settings(as_("org_admin"), self_access_enabled="1")
    p = as_("practitioner")
    c = full_case(p).client_id
    code = _code(p, c)
    with world.app.app_context():
        row = db.session.execute(select(SelfAccess)).scalar_one()
        assert code.replace("-", "") not in row.code_hash  # only a hash is kept
        access_id = row.id
    # the person opens their record with the code: no LMS session, the code in the form body, not the URL
    assert "Your code" in text(client.get("/assessment/my"))
    resp = client.post("/assessment/my", data={"code": code.lower().replace("-", " ")})
    assert resp.status_code == 200 and FORMULATION in text(resp) and resp.headers["Cache-Control"] == "no-store"
    assert "My support plan" in text(resp) and "Caseload" not in text(resp)
    used = events(world, "view")
    assert any(e.object_type == "self_access" and e.actor_label.startswith("the person") for e in used)
    assert "last used" in text(p.get(f"/assessment/clients/{c}"))
    # revoked: the code stops working
    assert p.post(f"/assessment/clients/{c}/self-access/{access_id}/revoke").status_code == 303
    assert client.post("/assessment/my", data={"code": code}).status_code == 401
    assert [e.action for e in events(world, "self_access_off")] == ["self_access_off"]


def test_self_access_codes_run_out_and_stop_when_switched_off(as_, world: World, client) -> None:
    admin = as_("org_admin")
    settings(admin, self_access_enabled="1")
    p = as_("practitioner")
    c = full_case(p).client_id
    assert p.post(f"/assessment/clients/{c}/self-access", {"days": "91"}).status_code == 422
    expiring, lasting = _code(p, c, "1"), _code(p, c, "30")
    with world.app.app_context():
        first = db.session.execute(select(SelfAccess).order_by(SelfAccess.expires_at)).scalars().first()
        first.expires_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    assert client.post("/assessment/my", data={"code": expiring}).status_code == 401
    assert client.post("/assessment/my", data={"code": lasting}).status_code == 200
    settings(admin)  # self-access switched off: every code stops
    assert client.post("/assessment/my", data={"code": lasting}).status_code == 401
    assert "Self-access" not in text(p.get(f"/assessment/clients/{c}"))


def test_other_organisations_cannot_use_the_features_on_a_client(as_, world: World) -> None:
    settings(as_("org_admin"), self_access_enabled="1")
    c = full_case(as_("practitioner")).client_id
    assert as_("other_org").post(f"/assessment/clients/{c}/self-access", {"days": "7"}).status_code == 404
    assert as_("org_admin").post(f"/assessment/clients/{c}/self-access", {"days": "7"}).status_code == 403
