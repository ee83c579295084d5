"""Organisations per deployment: two NGOs on one platform (a Canvas sub-account each) are two organisations
with their own keys, roles, directory and settings, and neither sees the other's clients. Moving from one
organisation per platform keeps the existing records where they are."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import select

from lti_tool.assessment.models import DataKey, Organisation, OrgRole
from lti_tool.db import utcnow
from lti_tool.extensions import db
from lti_tool.lti.models import Context, Deployment, LaunchSession, LtiUser, Membership, ResourceLink
from lti_tool.lti.session import issue_token

from .conftest import Caller, World, new_client


def second_deployment(world: World) -> tuple[int, str]:
    """Add deployment d2 to platform a with a course and one person (another NGO); return (user id, token)."""
    with world.app.app_context():
        deployment = Deployment(platform_id=world.platforms["a"], deployment_id="d2", name="NGO Two sub-account")
        db.session.add(deployment)
        db.session.flush()
        context = Context(deployment_id=deployment.id, context_id="course-ngo2", title="NGO Two")
        db.session.add(context)
        db.session.flush()
        link = ResourceLink(context_id=context.id, resource_link_id="link-ngo2", title="Casework",
                            custom={"r2com_item": "casework"})
        user = LtiUser(platform_id=world.platforms["a"], sub="sub-ngo2", name="Ngo Two Worker")
        db.session.add_all([link, user])
        db.session.flush()
        db.session.add(Membership(context_id=context.id, user_id=user.id, role="administrator"))
        sid = secrets.token_urlsafe(32)
        db.session.add(LaunchSession(id=sid, user_id=user.id, context_id=context.id, resource_link_id=link.id,
                                     role="administrator", message_type="LtiResourceLinkRequest",
                                     data={"custom": {}, "deployment_id": "d2"},
                                     expires_at=utcnow() + dt.timedelta(hours=8)))
        db.session.commit()
        return user.id, issue_token(sid)


def split(world: World, *args: str) -> Any:
    result = world.app.test_cli_runner().invoke(args=["assessment", "org", "split", str(world.platforms["a"]), *args])
    assert result.exit_code == 0, result.output
    return result


def test_two_deployments_are_two_organisations_that_cannot_see_each_other(as_, world: World, client) -> None:
    ngo2_user, token = second_deployment(world)
    ngo2 = Caller(client, token)
    p = as_("practitioner")
    theirs = new_client(p, "Harbour-1")
    # before the split, the second deployment belongs to the platform's organisation
    assert ngo2.get("/assessment/organisation").status_code == 200
    result = split(world, "d2")
    assert "is new and empty" in result.output
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["assessment", "org", "grant", str(world.platforms["a"]), "sub-ngo2",
                                 "--role", "practitioner", "--deployment", "d2"])
    assert result.exit_code == 0, result.output
    page = ngo2.get("/assessment/organisation").get_data(as_text=True)
    assert "One installation of Platform a: NGO Two sub-account." in page
    # its own roles: only its own people are listed to give roles to
    assert ">Ngo Two Worker</option>" in page and ">Practitioner</option>" not in page
    assert ngo2.post("/assessment/organisation", {"casework_enabled": "1", "retention_months": "6",
                                                  "privacy_notice_version": "NGO2-1"}).status_code == 303
    mine = new_client(ngo2, "Harbour-1")  # the same pseudonym is free in another organisation
    assert ngo2.get(f"/assessment/clients/{theirs}").status_code == 404
    assert p.get(f"/assessment/clients/{mine}").status_code == 404
    assert [c["id"] for c in ngo2.json("/api/assessment/clients").get_json()["clients"]] == [mine]
    assert mine not in [c["id"] for c in p.json("/api/assessment/clients").get_json()["clients"]]
    with world.app.app_context():
        org2 = db.session.execute(select(Organisation).where(Organisation.scope_key.like("deployment:%"))).scalar_one()
        org1 = db.session.get(Organisation, world.orgs["a"])
        assert org2.platform_id == org1.platform_id and org2.id != org1.id
        assert (org2.retention_months, org2.privacy_notice_version) == (6, "NGO2-1")
        assert (org1.retention_months, org1.privacy_notice_version) == (12, "1.0")
        keys = db.session.execute(select(DataKey.organisation_id)).scalars().all()
        assert org2.id in keys  # its own data keys
        assert db.session.execute(select(OrgRole.organisation_id).where(OrgRole.user_id == ngo2_user)
                                  ).scalars().all() == [org2.id]


def test_moving_the_existing_organisation_keeps_its_records(as_, world: World, client) -> None:
    _user, token = second_deployment(world)
    p = as_("practitioner")
    kept = new_client(p, "Lantern-9")
    result = split(world, "d1", "--move-existing")
    assert "now holds the platform's existing records" in result.output
    # the practitioner launches through d1: the same organisation, the same clients
    assert p.get(f"/assessment/clients/{kept}").status_code == 200
    with world.app.app_context():
        org = db.session.get(Organisation, world.orgs["a"])
        assert org.scope_key.startswith("deployment:") and org.deployment_id is not None
    # the other deployment now gets a new, empty organisation of its own
    ngo2 = Caller(client, token)
    assert "Every installation of Platform a" in ngo2.get("/assessment/organisation").get_data(as_text=True)
    with world.app.app_context():
        assert db.session.execute(select(Organisation).where(Organisation.scope_key == f"platform:{world.platforms['a']}")
                                  ).scalar_one().id != world.orgs["a"]
    # listing and splitting twice
    listing = world.app.test_cli_runner().invoke(args=["assessment", "org", "list", str(world.platforms["a"])])
    assert "deployment d1" in listing.output and "every other deployment" in listing.output
    again = world.app.test_cli_runner().invoke(args=["assessment", "org", "split", str(world.platforms["a"]), "d1"])
    assert again.exit_code != 0 and "already has its own organisation" in again.output
    missing = world.app.test_cli_runner().invoke(args=["assessment", "org", "split", str(world.platforms["a"]), "zz"])
    assert missing.exit_code != 0 and "no deployment zz" in missing.output
