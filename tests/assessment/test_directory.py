"""The referral directory page renders services with their domain tags (it answered 500 for everyone once a
service had tags: the template used a filter Jinja does not have)."""

from __future__ import annotations

import yaml

from lti_tool.assessment.models import ReferralService
from lti_tool.extensions import db

from .conftest import DOMAINS, INSTRUMENT_FILE, World


def _titles() -> dict[str, str]:
    return {d["id"]: d["title"] for d in yaml.safe_load(INSTRUMENT_FILE.read_text(encoding="utf-8"))["domains"]}


def test_directory_renders_a_tagged_service_for_staff(as_, world: World) -> None:
    tags = DOMAINS[:2]
    with world.app.app_context():
        db.session.add_all([
            ReferralService(organisation_id=world.orgs["a"], name="Tenancy support", domain_tags=tags),
            ReferralService(organisation_id=world.orgs["a"], name="Drop-in café", domain_tags=[]),
        ])
        db.session.commit()
    titles = _titles()
    for person in ("practitioner", "supervisor", "org_admin"):
        resp = as_(person).get("/assessment/directory")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200, (person, page[:400])
        assert "Tenancy support" in page and "Drop-in café" in page
        assert f"{titles[tags[0]]}, {titles[tags[1]]}" in page  # the domains' titles, not their ids
    assert as_("learner").get("/assessment/directory").status_code == 403
