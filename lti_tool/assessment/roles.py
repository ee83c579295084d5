"""Tool-side roles and the permission matrix for real-client work (DP-4, DP-5).

LMS roles from the launch only ever give training roles. Real-client work needs a role granted on
the organisation settings page. Every case query goes through :func:`caseload_query`, which filters
by the caller's organisation first, so another organisation's user can never read a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload
from enum import StrEnum

from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, or_, select, true
from sqlalchemy.exc import IntegrityError

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..lti.models import Context
from ..lti.session import ToolSession, current_session
from .models import Client, Organisation, OrgRole

#: Data keys every organisation gets: case records, and the identity vault (its own key, DP-1).
KEY_PURPOSES = ("case", "identity")


class ToolRole(StrEnum):
    """Roles granted inside the tool by an organisation administrator."""

    PRACTITIONER = "practitioner"
    SUPERVISOR = "supervisor"
    ORG_ADMIN = "org_admin"
    IDENTITY_KEEPER = "identity_keeper"


ROLE_LABELS = {
    ToolRole.PRACTITIONER: _l("Practitioner (own caseload)"),
    ToolRole.SUPERVISOR: _l("Supervisor (team caseload and concerns)"),
    ToolRole.ORG_ADMIN: _l("Organisation administrator (users and settings, no case content)"),
    ToolRole.IDENTITY_KEEPER: _l("Identity vault access (names and identifiers)"),
}


class Action(StrEnum):
    """Everything a user can do with a client record."""

    VIEW = "view"
    EDIT = "edit"
    EXPORT = "export"
    REFER = "refer"
    RAISE_CONCERN = "raise_concern"
    DECIDE_CONCERN = "decide_concern"
    CLOSE = "close"
    ERASE = "erase"
    READ_AUDIT = "read_audit"
    IDENTITY = "identity"


#: What each role may do with a client it can see. Org admins see no case content (DP-5).
ROLE_ACTIONS: dict[ToolRole, frozenset[Action]] = {
    ToolRole.PRACTITIONER: frozenset({Action.VIEW, Action.EDIT, Action.EXPORT, Action.REFER,
                                      Action.RAISE_CONCERN, Action.CLOSE}),
    ToolRole.SUPERVISOR: frozenset({Action.VIEW, Action.EXPORT, Action.RAISE_CONCERN, Action.DECIDE_CONCERN,
                                    Action.CLOSE, Action.ERASE, Action.READ_AUDIT}),
    ToolRole.ORG_ADMIN: frozenset(),
    ToolRole.IDENTITY_KEEPER: frozenset({Action.IDENTITY}),
}


@dataclass(frozen=True)
class Actor:
    """The caller of a casework request: session, organisation and tool-side roles."""

    session: ToolSession
    organisation: Organisation
    roles: frozenset[ToolRole]
    team: str | None

    @property
    def user_id(self) -> int:
        return self.session.user_id

    @property
    def org_id(self) -> int:
        return self.organisation.id

    def has(self, role: ToolRole) -> bool:
        """Tell whether the actor holds ``role``."""
        return role in self.roles

    @property
    def can_manage_org(self) -> bool:
        """LMS administrators of the platform and tool org admins may change settings and roles."""
        return self.session.is_admin or self.has(ToolRole.ORG_ADMIN)

    @property
    def has_case_role(self) -> bool:
        return bool(self.roles & {ToolRole.PRACTITIONER, ToolRole.SUPERVISOR})


def _create_organisation(query: Select, **values: object) -> Organisation:
    org = db.session.execute(query).scalar()
    if org is None:
        try:
            with db.session.begin_nested():  # two first requests at once: one creates, the other reads
                org = Organisation(**values)
                db.session.add(org)
                db.session.flush()
                cipher = current_app.extensions["r2com"]["case_cipher"]
                for purpose in KEY_PURPOSES:
                    cipher.create_data_key(org.id, purpose)
            db.session.commit()  # the organisation and its keys exist whatever the request does next
        except IntegrityError:
            org = db.session.execute(query).scalar_one()
    return org


def organisation_for(platform_id: int) -> Organisation:
    """Return the platform-wide organisation of a platform, creating it on first use (commits)."""
    key = f"platform:{platform_id}"
    return _create_organisation(select(Organisation).where(Organisation.scope_key == key), platform_id=platform_id,
                                scope_key=key)


def organisation_for_deployment(platform_id: int, deployment_row_id: int) -> Organisation:
    """Return the organisation of one deployment, creating it (with its own keys) on first use (commits)."""
    key = f"deployment:{deployment_row_id}"
    return _create_organisation(select(Organisation).where(Organisation.scope_key == key), platform_id=platform_id,
                                deployment_id=deployment_row_id, scope_key=key)


@overload
def organisation_of_session(session: ToolSession) -> Organisation: ...
@overload
def organisation_of_session(session: ToolSession, *, create: bool) -> Organisation | None: ...


def organisation_of_session(session: ToolSession, *, create: bool = True) -> Organisation | None:
    """Return the organisation a session belongs to: its deployment's, if that has one, else its platform's
    (made on first use unless ``create`` is false, when None means there is none yet)."""
    deployment = db.session.execute(select(Context.deployment_id).where(Context.id == session.context_id)).scalar()
    if deployment is not None:
        org = db.session.execute(select(Organisation).where(
            Organisation.scope_key == f"deployment:{deployment}")).scalar()
        if org is not None:
            return org
    if not create:
        return db.session.execute(select(Organisation).where(
            Organisation.scope_key == f"platform:{session.platform_id}")).scalar()
    return organisation_for(session.platform_id)


def load_actor(session: ToolSession) -> Actor:
    """Build the actor of a session: its organisation and the roles granted there."""
    org = organisation_of_session(session)
    rows = db.session.execute(select(OrgRole.role, OrgRole.team).where(
        OrgRole.organisation_id == org.id, OrgRole.user_id == session.user_id)).all()
    roles = frozenset(ToolRole(r.role) for r in rows if r.role in ToolRole._value2member_map_)
    team = next((r.team for r in rows if r.team), None)
    return Actor(session, org, roles, team)


def current_actor() -> Actor:
    """Return the request's actor (loaded once per request)."""
    if "assessment_actor" not in g:
        g.assessment_actor = load_actor(current_session())
    return g.assessment_actor


def require_casework(actor: Actor) -> None:
    """Refuse unless real-client work is enabled and the actor has a case role."""
    if not actor.has_case_role:
        raise Forbidden(str(_l("Real-client casework needs a practitioner or supervisor role, granted by your "
                               "organisation's administrator. Course roles give access to training only.")),
                        code="no_casework_role")
    if not actor.organisation.casework_enabled:
        raise Forbidden(str(_l("Real-client casework is switched off for your organisation.")),
                        code="casework_disabled")


def require_org_admin(actor: Actor) -> None:
    """Refuse unless the actor may manage the organisation."""
    if not actor.can_manage_org:
        raise Forbidden(str(_l("Only your organisation's administrators can open this page.")), code="not_org_admin")


def _team_practitioners(actor: Actor) -> Select:
    return select(OrgRole.user_id).where(OrgRole.organisation_id == actor.org_id,
                                         OrgRole.role == ToolRole.PRACTITIONER, OrgRole.team == actor.team)


def caseload_query(actor: Actor) -> Select:
    """Select the clients the actor can see: own caseload, plus the team's for supervisors."""
    query = select(Client).where(Client.organisation_id == actor.org_id)
    if not actor.organisation.casework_enabled:
        return query.where(false())
    visible = []
    if actor.has(ToolRole.PRACTITIONER):
        visible.append(Client.practitioner_id == actor.user_id)
    if actor.has(ToolRole.SUPERVISOR):
        visible.append(Client.practitioner_id.in_(_team_practitioners(actor)) if actor.team else true())
    if not visible:
        return query.where(false())
    return query.where(or_(*visible))


def actions_for(actor: Actor, client: Client) -> frozenset[Action]:
    """Return what the actor may do with a client it can see."""
    allowed: set[Action] = set()
    own = client.practitioner_id == actor.user_id
    for role in actor.roles:
        if role == ToolRole.PRACTITIONER and not own:
            continue
        allowed |= ROLE_ACTIONS[role]
    if ToolRole.IDENTITY_KEEPER in actor.roles and not actor.organisation.identity_vault_enabled:
        allowed.discard(Action.IDENTITY)
    if client.restricted:
        allowed.discard(Action.EDIT)
        allowed.discard(Action.REFER)
    return frozenset(allowed)


def get_client(actor: Actor, client_id: str, action: Action) -> Client:
    """Load a client the actor may act on, or raise NotFound / Forbidden.

    Clients outside the actor's caseload (or organisation) are reported as not found, so their
    existence is not revealed.
    """
    require_casework(actor)
    client = db.session.execute(caseload_query(actor).where(Client.id == client_id)).scalar()
    if client is None:
        raise NotFound(code="client_not_found")
    if action not in actions_for(actor, client):
        raise Forbidden(str(_l("Your role does not allow this for this client.")), code="case_action_forbidden")
    return client
