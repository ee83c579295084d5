"""Organisation settings, tool-side role grants and the referral directory."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..lti.models import LtiUser
from .errors import CaseworkError
from .models import OrgRole, ReferralService
from .privacy import record_event
from .roles import Actor, ToolRole

RETENTION_MAX_MONTHS = 120


@dataclass(frozen=True)
class RoleGrant:
    """A role grant as listed on the settings page."""

    id: int
    user_id: int
    user_label: str
    role: ToolRole
    team: str | None


def _event(actor: Actor, action: str, object_type: str, object_id: str) -> None:
    record_event(actor.org_id, action=action, object_type=object_type, object_id=object_id,
                 purpose="organisation administration", user_id=actor.user_id)


def user_label(user: LtiUser | None) -> str:
    """Return how a platform user is shown: their name, or their platform id."""
    if user is None:
        return _("(removed user)")
    return user.name or _("User %(sub)s", sub=user.sub)


def update_settings(actor: Actor, *, casework_enabled: bool, retention_months: int, privacy_notice_version: str,
                    identity_vault_enabled: bool) -> None:
    """Change the organisation's settings."""
    if not 1 <= retention_months <= RETENTION_MAX_MONTHS:
        raise CaseworkError(_("Retention must be between 1 and %(n)d months.", n=RETENTION_MAX_MONTHS),
                            code="retention_months")
    if not privacy_notice_version.strip():
        raise CaseworkError(_("Give the version of your privacy notice."), code="notice_version")
    org = actor.organisation
    org.casework_enabled = casework_enabled
    org.retention_months = retention_months
    org.privacy_notice_version = privacy_notice_version.strip()[:40]
    org.identity_vault_enabled = identity_vault_enabled
    db.session.flush()
    _event(actor, "settings", "organisation", str(org.id))


def platform_users(actor: Actor) -> list[LtiUser]:
    """Return the users of the organisation's platform (people who have launched the tool)."""
    return list(db.session.execute(select(LtiUser).where(LtiUser.platform_id == actor.session.platform_id)
                                   .order_by(LtiUser.name, LtiUser.sub)).scalars())


def role_grants(actor: Actor) -> list[RoleGrant]:
    """Return every role grant of the organisation."""
    rows = db.session.execute(select(OrgRole, LtiUser).join(LtiUser, LtiUser.id == OrgRole.user_id)
                              .where(OrgRole.organisation_id == actor.org_id)
                              .order_by(LtiUser.name, OrgRole.role)).all()
    return [RoleGrant(r.id, u.id, user_label(u), ToolRole(r.role), r.team) for r, u in rows]


def grant_role(actor: Actor, *, user_id: int, role: str, team: str | None) -> OrgRole:
    """Grant a tool-side role to a user of the same platform."""
    if role not in ToolRole._value2member_map_:
        raise CaseworkError(_("Choose a role."), code="role_unknown")
    user = db.session.get(LtiUser, user_id)
    if user is None or user.platform_id != actor.session.platform_id:
        raise NotFound(code="user_not_found")
    existing = db.session.execute(select(OrgRole).where(OrgRole.organisation_id == actor.org_id,
                                                        OrgRole.user_id == user_id, OrgRole.role == role)).scalar()
    row = existing or OrgRole(organisation_id=actor.org_id, user_id=user_id, role=role)
    row.team = (team or "").strip()[:80] or None
    row.granted_by = actor.user_id
    db.session.add(row)
    db.session.flush()
    _event(actor, "grant", "org_role", f"{user_id}:{role}")
    return row


def revoke_role(actor: Actor, grant_id: int) -> None:
    """Remove a role grant of the organisation."""
    row = db.session.get(OrgRole, grant_id)
    if row is None or row.organisation_id != actor.org_id:
        raise NotFound(code="grant_not_found")
    _event(actor, "revoke", "org_role", f"{row.user_id}:{row.role}")
    db.session.delete(row)
    db.session.flush()


def save_service(actor: Actor, service_id: int | None, *, name: str, service_type: str, domain_tags: list[str],
                 languages: str, accessibility: str, contact: str, consent_form_needed: bool,
                 reporting_duties: bool, reporting_duties_note: str, active: bool = True) -> ReferralService:
    """Add or change an entry of the referral directory."""
    if not name.strip():
        raise CaseworkError(_("Give the service a name."), code="service_name")
    service: ReferralService | None
    if service_id is None:
        service = ReferralService(organisation_id=actor.org_id)
        db.session.add(service)
    else:
        service = db.session.get(ReferralService, service_id)
        if service is None or service.organisation_id != actor.org_id:
            raise NotFound(code="service_not_found")
    service.name = name.strip()[:200]
    service.service_type = service_type.strip()[:120]
    service.domain_tags = list(dict.fromkeys(domain_tags))
    service.languages = languages.strip()[:200]
    service.accessibility = accessibility.strip()[:2000]
    service.contact = contact.strip()[:2000]
    service.consent_form_needed = consent_form_needed
    service.reporting_duties = reporting_duties
    service.reporting_duties_note = reporting_duties_note.strip()[:2000]
    service.active = active
    db.session.flush()
    _event(actor, "directory", "referral_service", str(service.id))
    return service
