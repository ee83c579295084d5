"""Privacy enforced in code: encryption at rest, no scores anywhere, neutral client pages, audit, logs,
retention purge and erasure."""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lti_tool.assessment.models import CASE_TABLES, AuditEvent, Client, ReferralService, Sealed
from lti_tool.assessment.privacy import add_months, verify_audit
from lti_tool.db import Base, utcnow
from lti_tool.extensions import db

from .conftest import DOMAINS, FORMULATION, NOTE, PSEUDONYM, WORDS, Caller, World, full_case

#: Words no real-client column, API key or export may be built from (DP-7).
FORBIDDEN_TOKENS = {"total", "sum", "average", "avg", "mean", "level", "levels", "risk", "score", "scores", "rank",
                    "weight", "weighted", "grade", "overall"}
#: Words client-facing pages must avoid (DP-17).
STIGMA = re.compile(r"radical|extremis|terroris|risk", re.IGNORECASE)
STATEMENT = ("This is a support plan agreed with the person. It is not a risk assessment and must not be used "
             "to make decisions about security, sentencing, immigration or benefits.")
CONCERN_TEXT = "He said he has not eaten for three days and sleeps in the stairwell."
IDENTITY_NAME = "Daniel Quistberg"
REFERRAL_PURPOSE = "Tenancy support application for a bedsit"
ACTION_TEXT = "Phone the job centre together on Monday"


def _tokens(name: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", name.lower()) if t}


def everything(world: World, as_) -> tuple[Caller, str]:
    """A full assessment with plan, referral, concern and identity vault; return (owner, client id)."""
    p = as_("practitioner")
    case = full_case(p)
    c = case.client_id
    with world.app.app_context():
        from lti_tool.assessment.models import Organisation, OrgRole

        org = db.session.get(Organisation, world.orgs["a"])
        org.identity_vault_enabled = True
        db.session.add(OrgRole(organisation_id=org.id, user_id=world.users["practitioner"], role="identity_keeper"))
        service = ReferralService(organisation_id=org.id, name="Tenancy support")
        db.session.add(service)
        db.session.commit()
        service_id = str(service.id)
    assert p.post(f"/assessment/clients/{c}/identity", {"name": IDENTITY_NAME}).status_code == 303
    assert p.post(f"/assessment/clients/{c}/consents", {"kind": "referral", "service_id": service_id,
                                                        "purpose": "Tenancy support"}).status_code == 303
    assert p.post(f"/assessment/clients/{c}/referrals", {"service_id": service_id, "purpose": REFERRAL_PURPOSE,
                                                         "shared_note": "Needs a ground-floor room"}).status_code == 303
    assert p.post(f"/assessment/clients/{c}/plan", {"description": ACTION_TEXT, "owner": "client"}).status_code == 303
    assert p.post(f"/assessment/clients/{c}/concerns/new", {"category": "own_life_or_health", "text": CONCERN_TEXT,
                                                            "supervisor_id": str(world.users["supervisor"])}
                  ).status_code == 303
    draft = p.post(f"/assessment/clients/{c}/occasions/new", {"occasion_type": "month-3"})
    occasion_id = draft.headers["Location"].split("/occasions/")[1].split("?")[0]
    assert p.post(f"/api/assessment/occasions/{occasion_id}/draft",
                  {"touched": "housing.evidence_note", "housing.evidence_note": "Draft words typed halfway"}
                  ).status_code == 200
    return p, c


def _database_files(app) -> list[Path]:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    return [f for f in path.parent.glob(path.name + "*") if f.is_file()]


def _dump(app) -> str:
    """Dump every row of every table, as a database backup would hold it."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        with sqlite3.connect(uri.removeprefix("sqlite:///")) as conn:
            return "\n".join(conn.iterdump())
    lines = []
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                lines.append(repr(tuple(row)))  # bytes as Python shows them: plaintext would be legible
                lines.extend(bytes(v).hex() for v in row if isinstance(v, (bytes, memoryview)))
    return "\n".join(lines)


SECRETS = [PSEUDONYM, NOTE[:40], WORDS[:30], FORMULATION[:40], CONCERN_TEXT[:30], IDENTITY_NAME, REFERRAL_PURPOSE,
           ACTION_TEXT, "Draft words typed halfway", "Needs a ground-floor room", "Swedish",
           '"need"', '"strength"', "client_self_report", "not_known", "partly", "own_life_or_health"]


def test_database_dump_holds_no_plaintext(world: World, as_) -> None:
    everything(world, as_)
    dump = _dump(world.app)
    raw = b"".join(f.read_bytes() for f in _database_files(world.app)) if _is_sqlite(world.app) else b""
    for secret in SECRETS:
        assert secret not in dump, f"{secret!r} is readable in the database dump"
        assert secret.encode() not in raw, f"{secret!r} is readable in the database file"


def _is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def test_sealed_values_are_bound_to_their_row(world: World, as_) -> None:
    everything(world, as_)
    with world.app.app_context():
        first, second = db.session.execute(select(Client)).scalars().all()[:1] * 2
        other = Client(organisation_id=first.organisation_id, pseudonym_enc=first.pseudonym_enc)
        other.id = "another-row-id"
        from lti_tool.assessment.crypto import KeyMaterialError

        with pytest.raises(KeyMaterialError):
            other.unseal("pseudonym_enc")
        assert first.unseal("pseudonym_enc") == PSEUDONYM


def test_no_total_average_level_or_risk_in_the_schema() -> None:
    for table in Base.metadata.sorted_tables:
        if not table.name.startswith("assessment_"):
            continue
        for column in table.columns:
            assert not (_tokens(column.name) & FORBIDDEN_TOKENS), f"{table.name}.{column.name}"
    sealed_tables = {m.__tablename__ for m in CASE_TABLES}
    assert sealed_tables <= {t.name for t in Base.metadata.sorted_tables}
    assert all(issubclass(m, Sealed) for m in CASE_TABLES)


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_total_average_level_or_risk_in_api_responses(world: World, as_) -> None:
    p, c = everything(world, as_)
    for url in ("/api/assessment/clients", f"/api/assessment/clients/{c}/profile",
                f"/api/assessment/clients/{c}/change", f"/api/assessment/clients/{c}/plan"):
        resp = p.json(url)
        assert resp.status_code == 200
        body = resp.get_json()
        for key in _keys(body):
            assert not (_tokens(key) & FORBIDDEN_TOKENS), f"{url}: {key}"
        flat = json.dumps(body).replace(STATEMENT, "")
        assert not re.search(r"\b(total|average|overall|risk level|score)\b", flat, re.IGNORECASE), url
    profile = p.json(f"/api/assessment/clients/{c}/profile").get_json()
    assert [r["domain_id"] for r in profile["rows"]] == DOMAINS  # rows only, one per domain


def test_no_total_average_level_or_risk_in_exports(world: World, as_) -> None:
    p, c = everything(world, as_)
    pages = [p.get(f"/assessment/clients/{c}/plan/print"), p.get(f"/assessment/clients/{c}/export"),
             p.get(f"/assessment/clients/{c}/profile"), p.get(f"/assessment/clients/{c}/change")]
    for resp in pages:
        assert resp.status_code == 200
        body = resp.get_data(as_text=True).replace(STATEMENT, "")
        assert not re.search(r"\b(total|average|overall|score|risk level|low|medium|high)\b", body,
                             re.IGNORECASE), resp.request.path


def test_client_facing_pages_avoid_stigmatising_words(world: World, as_) -> None:
    p, c = everything(world, as_)
    for url in (f"/assessment/clients/{c}/plan/print", f"/assessment/clients/{c}/export"):
        body = p.get(url).get_data(as_text=True)
        assert body.count(STATEMENT) == 1, url  # the one required statement
        assert not STIGMA.search(body.replace(STATEMENT, "")), (url, STIGMA.findall(body.replace(STATEMENT, "")))
        assert "My support plan" in body


def test_client_export_is_the_whole_record_in_plain_language(world: World, as_) -> None:
    p, c = everything(world, as_)
    body = html.unescape(p.get(f"/assessment/clients/{c}/export").get_data(as_text=True))
    for expected in (PSEUDONYM, NOTE[:40], WORDS[:30], FORMULATION[:40], ACTION_TEXT, REFERRAL_PURPOSE,
                     "You agreed that we keep a record", "Our meeting on March 3, 2025", "A safe place to live"):  # dates by Babel
        assert expected in body
    assert CONCERN_TEXT not in body  # concerns follow their own disclosure decision
    assert IDENTITY_NAME not in body


def test_every_view_edit_export_and_referral_is_audited(world: World, as_) -> None:
    p, c = everything(world, as_)
    p.get(f"/assessment/clients/{c}")
    p.get(f"/assessment/clients/{c}/plan/print", recipient="Housing office")
    p.get(f"/assessment/clients/{c}/export")
    with world.app.app_context():
        rows = db.session.execute(select(AuditEvent.action, AuditEvent.object_type).where(
            AuditEvent.client_id == c)).all()
        seen = {(a, o) for a, o in rows}
        for needed in (("create", "client"), ("consent", "information_record"), ("edit", "occasion"),
                       ("view", "client"), ("referral", "referral"), ("concern", "concern"),
                       ("export", "plan"), ("export", "client_record"), ("edit", "identity")):
            assert needed in seen, needed
        purposes = " ".join(db.session.execute(select(AuditEvent.purpose)).scalars())
        assert "Housing office" not in purposes  # free text stays on the watermark only
        assert verify_audit(world.orgs["a"]).first_break is None
    page = as_("supervisor").get("/assessment/audit", client=c).get_data(as_text=True)
    assert "export plan" in page and "Practitioner" in page


def test_audit_chain_shows_tampering(world: World, as_) -> None:
    everything(world, as_)
    with world.app.app_context():
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id).offset(3).limit(1)).scalar_one()
        event.purpose = "nothing to see"
        db.session.commit()
        assert verify_audit(world.orgs["a"]).first_break == event.id


def test_no_client_data_in_logs(world: World, as_, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    p, c = everything(world, as_)
    p.get(f"/assessment/clients/{c}/export")
    as_("supervisor").post(f"/assessment/clients/{c}/erase", {"confirm": PSEUDONYM})
    assert caplog.records
    for secret in SECRETS[:11]:
        assert secret not in caplog.text


def _case_rows(app) -> int:
    with app.app_context():
        return sum(db.session.execute(select(func.count()).select_from(m)).scalar() for m in CASE_TABLES)


def test_erasure_leaves_no_case_content(world: World, as_) -> None:
    p, c = everything(world, as_)
    with world.app.app_context():
        blobs = [getattr(row, col) for model in CASE_TABLES for row in db.session.execute(select(model)).scalars()
                 for col in model.__sealed__ if getattr(row, col)]
    assert _case_rows(world.app) > 20 and blobs
    before = _dump(world.app).lower()
    assert all(blob[5:40].hex() in before for blob in blobs)  # the check below can see ciphertext
    s = as_("supervisor")
    assert s.post(f"/assessment/clients/{c}/erase", {"confirm": "wrong"}).status_code == 422
    assert s.post(f"/assessment/clients/{c}/erase", {"confirm": PSEUDONYM.lower()}).status_code == 303
    assert _case_rows(world.app) == 0
    dump = _dump(world.app)
    dump = dump.lower()
    assert not any(blob[5:40].hex() in dump for blob in blobs), "erased ciphertext is still in the dump"
    if _is_sqlite(world.app):
        raw = b"".join(f.read_bytes() for f in _database_files(world.app))
        assert not any(blob[5:40] in raw for blob in blobs), "ciphertext of erased records is still in the file"
    with world.app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "erase")).scalar_one()
        assert event.client_id == c and event.user_id == world.users["supervisor"]
    assert p.get(f"/assessment/clients/{c}").status_code == 404


def test_purge_deletes_closed_cases_after_retention(world: World, as_, runner) -> None:
    p, c = everything(world, as_)
    keep = full_case(p, "Still-Open-3").client_id
    assert p.post(f"/assessment/clients/{c}/close").status_code == 303
    result = world.app.test_cli_runner().invoke(args=["assessment", "purge"])
    assert result.exit_code == 0 and "0 closed case(s)" in result.output  # retention not over yet
    with world.app.app_context():
        client = db.session.get(Client, c)
        client.closed_at = utcnow() - dt.timedelta(days=370)
        db.session.commit()
    result = world.app.test_cli_runner().invoke(args=["assessment", "purge", "--dry-run"])
    assert "1 closed case(s) past retention would be deleted" in result.output
    result = world.app.test_cli_runner().invoke(args=["assessment", "purge"])
    assert result.exit_code == 0 and "1 closed case(s)" in result.output
    with world.app.app_context():
        assert db.session.get(Client, c) is None
        assert db.session.get(Client, keep) is not None
        for model in CASE_TABLES:
            column = model.id if model is Client else model.client_id
            assert db.session.execute(select(func.count()).select_from(model).where(column == c)).scalar() == 0
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "purge")).scalar_one().client_id == c


def test_retention_months_follow_the_organisation(world: World, as_) -> None:
    assert add_months(dt.datetime(2025, 1, 31, tzinfo=dt.timezone.utc), 1).day == 28
    assert add_months(dt.datetime(2025, 11, 15, tzinfo=dt.timezone.utc), 14) == dt.datetime(
        2027, 1, 15, tzinfo=dt.timezone.utc)
    resp = as_("lms_admin").post("/assessment/organisation", {"casework_enabled": "1", "retention_months": "0",
                                                              "privacy_notice_version": "1.0"})
    assert resp.status_code == 422
    resp = as_("lms_admin").post("/assessment/organisation", {"casework_enabled": "1", "retention_months": "3",
                                                              "privacy_notice_version": "1.0"})
    assert resp.status_code == 303
    from lti_tool.assessment.privacy import due_for_purge

    case = full_case(as_("practitioner"))
    as_("practitioner").post(f"/assessment/clients/{case.client_id}/close")
    with world.app.app_context():
        assert due_for_purge(utcnow() + dt.timedelta(days=80)) == []
        assert [c.id for c in due_for_purge(utcnow() + dt.timedelta(days=95))] == [case.client_id]
