"""Organisation settings, tool-side role grants and the referral directory."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import NotFound
from ..extensions import db
from ..lti.models import LtiUser
from .errors import CaseworkError
from .models import AuditEvent, Organisation, OrgRole, ReferralService
from .privacy import record_event
from .roles import Actor, ToolRole, organisation_for

RETENTION_MAX_MONTHS = 120


@dataclass(frozen=True)
class RoleGrant:
    """A role grant as listed on the settings page."""

    id: int
    user_id: int
    user_label: str
    role: ToolRole
    team: str | None


@dataclass(frozen=True)
class ChecklistStep:
    """One step of the organisation's first-run checklist."""

    key: str
    done: bool
    title: str
    status: str
    endpoint: str
    anchor: str = ""


def checklist(actor: Actor) -> list[ChecklistStep]:
    """What an organisation administrator sets up before practitioners can work with real clients."""
    from ..lti.models import Deployment, Platform

    org = actor.organisation
    platform = db.session.get(Platform, actor.session.platform_id)
    deployments = db.session.execute(select(Deployment.active, Deployment.pending)
                                     .where(Deployment.platform_id == platform.id)).all()
    active = sum(1 for a, p in deployments if a)
    pending = sum(1 for a, p in deployments if p)
    role_counts = dict(db.session.execute(select(OrgRole.role, func.count()).where(OrgRole.organisation_id == org.id)
                                          .group_by(OrgRole.role)).all())
    services = db.session.scalar(select(func.count()).select_from(ReferralService)
                                 .where(ReferralService.organisation_id == org.id, ReferralService.active.is_(True)))
    # The defaults are only a start: the step is done once an administrator has reviewed and saved them.
    settings_saved = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.organisation_id == org.id, AuditEvent.action == "settings")) > 0
    case_people = role_counts.get(ToolRole.PRACTITIONER, 0) + role_counts.get(ToolRole.SUPERVISOR, 0)
    registered = _("%(platform)s is registered, with %(n)d active installation(s).", platform=platform.name,
                   n=active)
    if pending:
        registered += " " + _("%(n)d more wait for the tool's operator to approve them.", n=pending)
    return [
        ChecklistStep("registered", active > 0, _("The tool is registered in your learning platform"), registered,
                      "assessment.settings"),
        ChecklistStep("roles", case_people > 0, _("People and roles"),
                      _("%(p)d practitioner(s), %(s)d supervisor(s), %(a)d organisation administrator(s).",
                        p=role_counts.get(ToolRole.PRACTITIONER, 0), s=role_counts.get(ToolRole.SUPERVISOR, 0),
                        a=role_counts.get(ToolRole.ORG_ADMIN, 0))
                      + ("" if case_people else " " + _("Give at least one person the practitioner role. People "
                                                        "appear in the list after they have opened the tool once.")),
                      "assessment.settings", "roles"),
        ChecklistStep("retention", settings_saved and bool(org.public_name and org.privacy_contact),
                      _("Retention and privacy notice"),
                      _("Closed cases are deleted after %(m)d months. Privacy notice version: %(v)s. Check both "
                        "against your data protection impact assessment.", m=org.retention_months,
                        v=org.privacy_notice_version)
                      + ("" if org.public_name and org.privacy_contact else " " + _(
                          "Add your organisation's name and a contact for questions about data: the privacy notice "
                          "and the consent text each person is given print them.")),
                      "assessment.settings", "settings"),
        ChecklistStep("directory", bool(services), _("Referral directory"),
                      _("%(n)d service(s) listed. Practitioners refer clients to these, with consent.", n=services or 0),
                      "assessment.directory"),
        ChecklistStep("casework", org.casework_enabled, _("Real-client casework"),
                      _("Allowed for your organisation.") if org.casework_enabled else
                      _("Not allowed yet. Allow it once your data protection impact assessment is done; training "
                        "on fictional cases works either way."),
                      "assessment.settings", "settings"),
    ]


def _event(actor: Actor, action: str, object_type: str, object_id: str) -> None:
    record_event(actor.org_id, action=action, object_type=object_type, object_id=object_id,
                 purpose="organisation administration", user_id=actor.user_id)


def user_label(user: LtiUser | None) -> str:
    """Return how a platform user is shown: their name, or their platform id."""
    if user is None:
        return _("(removed user)")
    return user.name or _("User %(sub)s", sub=user.sub)


def update_settings(actor: Actor, *, casework_enabled: bool, retention_months: int, privacy_notice_version: str,
                    identity_vault_enabled: bool, legal_conditions_enabled: bool = False,
                    legal_conditions_basis: str = "", self_access_enabled: bool = False,
                    public_name: str | None = None, privacy_contact: str | None = None) -> None:
    """Change the organisation's settings. The optional features are off unless switched on here; the legal
    conditions field needs the legal basis the controller relies on, recorded with it."""
    if not 1 <= retention_months <= RETENTION_MAX_MONTHS:
        raise CaseworkError(_("Retention must be between 1 and %(n)d months.", n=RETENTION_MAX_MONTHS),
                            code="retention_months")
    if not privacy_notice_version.strip():
        raise CaseworkError(_("Give the version of your privacy notice."), code="notice_version")
    basis = legal_conditions_basis.strip()[:2000]
    if legal_conditions_enabled and not basis:
        raise CaseworkError(_("Record the legal basis for the legal conditions field (for example the national law "
                              "that allows it, under GDPR Art. 10) before switching it on."),
                            code="legal_conditions_basis")
    org = actor.organisation
    changes = []
    if org.legal_conditions_enabled != legal_conditions_enabled or (legal_conditions_enabled and
                                                                    org.legal_conditions_basis != basis):
        changes.append("legal_conditions_on" if legal_conditions_enabled else "legal_conditions_off")
    if org.self_access_enabled != self_access_enabled:
        changes.append("self_access_on" if self_access_enabled else "self_access_off")
    org.legal_conditions_enabled = legal_conditions_enabled
    org.legal_conditions_basis = basis if legal_conditions_enabled else org.legal_conditions_basis
    org.self_access_enabled = self_access_enabled
    org.casework_enabled = casework_enabled
    org.retention_months = retention_months
    org.privacy_notice_version = privacy_notice_version.strip()[:40]
    org.identity_vault_enabled = identity_vault_enabled
    if public_name is not None:  # what the person's notice and consent texts name (None: leave as it is)
        org.public_name = " ".join(public_name.split())[:200]
    if privacy_contact is not None:
        org.privacy_contact = privacy_contact.strip()[:2000]
    db.session.flush()
    _event(actor, "settings", "organisation", str(org.id))
    for change in changes:
        _event(actor, change, "organisation", str(org.id))


def platform_users(actor: Actor) -> list[LtiUser]:
    """Return the people the organisation's administrators may give roles to: those who have launched the tool
    from its platform, or, for an organisation of one deployment, from a course of that deployment."""
    query = select(LtiUser).where(LtiUser.platform_id == actor.session.platform_id)
    if actor.organisation.deployment_id is not None:
        from ..lti.models import Context, Membership

        query = query.where(LtiUser.id.in_(select(Membership.user_id).join(Context, Context.id == Membership.context_id)
                                           .where(Context.deployment_id == actor.organisation.deployment_id)))
    return list(db.session.execute(query.order_by(LtiUser.name, LtiUser.sub)).scalars())


def scope_label(org: Organisation) -> str:
    """Say what an organisation covers: its whole platform, or one deployment of it."""
    from ..lti.models import Deployment, Platform

    platform = db.session.get(Platform, org.platform_id)
    name = platform.name if platform else str(org.platform_id)
    if org.deployment_id is None:
        return _("Every installation of %(platform)s, except those with an organisation of their own.", platform=name)
    deployment = db.session.get(Deployment, org.deployment_id)
    label = (deployment.name or deployment.deployment_id) if deployment else str(org.deployment_id)
    return _("One installation of %(platform)s: %(deployment)s.", platform=name, deployment=label)


def organisation_per_deployment(platform_id: int, deployment_claim: str, *, move_existing: bool) -> Organisation:
    """Give one deployment of a platform its own organisation (operator command).

    With ``move_existing``, the platform's organisation (its clients, keys, roles, directory and settings)
    becomes that deployment's, and the platform's other deployments get a new, empty organisation on their next
    launch. Without it, the deployment gets a new, empty organisation and the existing one stays with the
    platform's other deployments. Either way nothing is copied or deleted.
    """
    from ..lti.models import Deployment
    from .roles import organisation_for_deployment

    deployment = db.session.execute(select(Deployment).where(Deployment.platform_id == platform_id,
                                                             Deployment.deployment_id == deployment_claim)).scalar()
    if deployment is None:
        raise NotFound(_("Platform %(p)d has no deployment %(d)s.", p=platform_id, d=deployment_claim),
                       code="deployment_not_found")
    key = f"deployment:{deployment.id}"
    existing = db.session.execute(select(Organisation).where(Organisation.scope_key == key)).scalar()
    if existing is not None:
        raise CaseworkError(_("Deployment %(d)s already has its own organisation.", d=deployment_claim),
                            code="deployment_has_organisation")
    if move_existing:
        org = db.session.execute(select(Organisation).where(Organisation.scope_key == f"platform:{platform_id}")
                                 ).scalar()
        if org is None:
            raise NotFound(_("Platform %(p)d has no organisation yet to move.", p=platform_id),
                           code="organisation_not_found")
        org.deployment_id, org.scope_key = deployment.id, key
        db.session.flush()
    else:
        org = organisation_for_deployment(platform_id, deployment.id)
    record_event(org.id, action="scope", object_type="organisation", object_id=key,
                 purpose="organisation of one deployment", actor_label="tool operator (command line)")
    return org


def role_grants(actor: Actor) -> list[RoleGrant]:
    """Return every role grant of the organisation."""
    rows = db.session.execute(select(OrgRole, LtiUser).join(LtiUser, LtiUser.id == OrgRole.user_id)
                              .where(OrgRole.organisation_id == actor.org_id)
                              .order_by(LtiUser.name, OrgRole.role)).all()
    return [RoleGrant(r.id, u.id, user_label(u), ToolRole(r.role), r.team) for r, u in rows]


def _grant(org: Organisation, user: LtiUser, role: str, team: str | None, granted_by: int | None) -> OrgRole:
    if role not in ToolRole._value2member_map_:
        raise CaseworkError(_("Choose a role."), code="role_unknown")
    existing = db.session.execute(select(OrgRole).where(OrgRole.organisation_id == org.id,
                                                        OrgRole.user_id == user.id, OrgRole.role == role)).scalar()
    row = existing or OrgRole(organisation_id=org.id, user_id=user.id, role=role)
    row.team = (team or "").strip()[:80] or None
    row.granted_by = granted_by
    db.session.add(row)
    db.session.flush()
    return row


def grant_role(actor: Actor, *, user_id: int, role: str, team: str | None) -> OrgRole:
    """Grant a tool-side role to a user of the same platform."""
    user = db.session.get(LtiUser, user_id)
    if user is None or user.platform_id != actor.session.platform_id:
        raise NotFound(code="user_not_found")
    row = _grant(actor.organisation, user, role, team, actor.user_id)
    _event(actor, "grant", "org_role", f"{user_id}:{role}")
    return row


def grant_role_by_operator(platform_id: int, *, sub: str, role: str, team: str | None = None,
                           organisation: Organisation | None = None) -> OrgRole:
    """Grant a role from the tool's command line (the first organisation administrator, say), in the platform's
    organisation or the given one (of a deployment).

    The person must have opened the tool once from the platform, so that the tool knows their LMS user id.
    """
    user = db.session.execute(select(LtiUser).where(LtiUser.platform_id == platform_id,
                                                    LtiUser.sub == sub)).scalar()
    if user is None:
        raise NotFound(_("Nobody with LMS user id %(sub)s has opened the tool from this platform yet.", sub=sub),
                       code="user_not_found")
    org = organisation or organisation_for(platform_id)
    row = _grant(org, user, role, team, None)
    record_event(org.id, action="grant", object_type="org_role", object_id=f"{user.id}:{role}",
                 purpose="organisation administration", actor_label="tool operator (command line)")
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
