"""Operator commands for organisations: ``flask --app wsgi assessment org ...``.

The first organisation administrator usually comes from the LMS itself (a Moodle site administrator or a
Canvas account administrator opens the organisation settings). These commands are the way in when that person
cannot, or when the tool's operator sets up an organisation for an NGO.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..errors import AppError
from ..extensions import db
from ..lti.cli_deployments import platform_or_exit
from ..lti.models import LtiUser
from .models import Organisation
from .roles import ROLE_LABELS, ToolRole

org_cli = AppGroup("org", help="Organisations: who has which tool-side role (practitioner, supervisor, admin), "
                               "and organisations of one deployment.")

DEPLOYMENT_HELP = "The organisation of this deployment (its deployment id), not the platform's."


def _organisation(platform_id: int, deployment: str | None) -> Organisation | None:
    """The platform's organisation, or the organisation of one of its deployments (exits when there is none)."""
    from ..lti.models import Deployment

    key = f"platform:{platform_id}"
    if deployment is not None:
        row = db.session.execute(select(Deployment.id).where(Deployment.platform_id == platform_id,
                                                             Deployment.deployment_id == deployment)).scalar()
        if row is None:
            raise click.ClickException(f"Platform {platform_id} has no deployment {deployment}.")
        key = f"deployment:{row}"
    org = db.session.execute(select(Organisation).where(Organisation.scope_key == key)).scalar()
    if org is None and deployment is not None:
        raise click.ClickException(f"Deployment {deployment} has no organisation of its own: see `org split`.")
    return org


@org_cli.command("list")
@click.argument("platform_id", type=int)
def org_list(platform_id: int) -> None:
    """List a platform's organisations: the platform's own and those of single deployments."""
    from ..lti.models import Deployment

    platform_or_exit(platform_id)
    rows = db.session.execute(select(Organisation, Deployment).outerjoin(Deployment,
                                                                        Deployment.id == Organisation.deployment_id)
                              .where(Organisation.platform_id == platform_id).order_by(Organisation.id)).all()
    for org, deployment in rows:
        scope = f"deployment {deployment.deployment_id}" if deployment else (
            "every other deployment" if org.scope_key.startswith("platform:") else "(deployment removed)")
        click.echo(f"{org.id}\t{scope}\tcasework {'on' if org.casework_enabled else 'off'}")
    if not rows:
        click.echo("No organisation yet: one is made when somebody first opens casework.")


@org_cli.command("split", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("deployment")
@click.option("--move-existing", is_flag=True,
              help="Make the platform's existing organisation (with its clients, keys, roles and settings) this "
                   "deployment's; the other deployments then start a new one.")
def org_split(platform_id: int, deployment: str, move_existing: bool) -> None:
    """Give one deployment of a platform (a Canvas sub-account, an NGO's Moodle tenant) its own organisation.

    Its own keys, roles, referral directory, retention and casework switch; nothing is copied or deleted.
    """
    from .org import organisation_per_deployment

    platform_or_exit(platform_id)
    try:
        org = organisation_per_deployment(platform_id, deployment, move_existing=move_existing)
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(exc.detail) from exc
    db.session.commit()
    what = "now holds the platform's existing records" if move_existing else "is new and empty"
    click.echo(f"Deployment {deployment} of platform {platform_id} is organisation {org.id}, which {what}.")


@org_cli.command("people")
@click.argument("platform_id", type=int)
@click.option("--name", "name_part", default=None, help="Only people whose name contains this.")
@click.option("--deployment", default=None, help=DEPLOYMENT_HELP)
def org_people(platform_id: int, name_part: str | None, deployment: str | None) -> None:
    """List who has opened the tool from a platform, with their LMS user id and tool-side roles."""
    from .models import OrgRole

    platform = platform_or_exit(platform_id)
    query = select(LtiUser).where(LtiUser.platform_id == platform.id).order_by(LtiUser.name, LtiUser.sub)
    if name_part:
        query = query.where(func.lower(LtiUser.name).contains(name_part.lower()))
    org = _organisation(platform.id, deployment)
    org_id = org.id if org is not None else None
    roles: dict[int, list[str]] = {}
    if org_id is not None:
        for user_id, role in db.session.execute(select(OrgRole.user_id, OrgRole.role)
                                                .where(OrgRole.organisation_id == org_id)):
            roles.setdefault(user_id, []).append(role)
    users = db.session.execute(query).scalars().all()
    for user in users:
        click.echo(f"{user.sub}\t{user.name or '(no name sent)'}\t{', '.join(sorted(roles.get(user.id, []))) or '-'}")
    if not users:
        click.echo("Nobody has opened the tool from this platform yet: they appear here after their first launch.")


@org_cli.command("grant", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("lms_user_id")
@click.option("--role", required=True, type=click.Choice([r.value for r in ToolRole]),
              help="org_admin (settings and roles, no case content), practitioner, supervisor or identity_keeper.")
@click.option("--team", default=None, help="Team label (supervisors see their team's caseload).")
@click.option("--deployment", default=None, help=DEPLOYMENT_HELP)
def org_grant(platform_id: int, lms_user_id: str, role: str, team: str | None, deployment: str | None) -> None:
    """Grant a tool-side role to a person (by LMS user id, see `org people`) of a platform's organisation."""
    from .org import grant_role_by_operator

    platform_or_exit(platform_id)
    org = _organisation(platform_id, deployment) if deployment is not None else None
    try:
        grant_role_by_operator(platform_id, sub=lms_user_id, role=role, team=team, organisation=org)
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.detail} Ask them to open the tool once from the LMS, then run "
                                   f"`flask --app wsgi assessment org people {platform_id}`.") from exc
    db.session.commit()
    click.echo(f"Granted {ROLE_LABELS[ToolRole(role)]} to LMS user {lms_user_id} of platform {platform_id}.")


@org_cli.command("revoke", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("lms_user_id")
@click.option("--role", required=True, type=click.Choice([r.value for r in ToolRole]), help="The role to remove.")
@click.option("--deployment", default=None, help=DEPLOYMENT_HELP)
def org_revoke(platform_id: int, lms_user_id: str, role: str, deployment: str | None) -> None:
    """Remove a tool-side role from a person of a platform's organisation."""
    from .models import OrgRole
    from .privacy import record_event

    org = _organisation(platform_or_exit(platform_id).id, deployment)
    row = None if org is None else db.session.execute(
        select(OrgRole).join(LtiUser, LtiUser.id == OrgRole.user_id)
        .where(OrgRole.organisation_id == org.id, LtiUser.sub == lms_user_id, OrgRole.role == role)).scalar()
    if row is None:
        raise click.ClickException(f"LMS user {lms_user_id} of platform {platform_id} has no role {role}.")
    record_event(row.organisation_id, action="revoke", object_type="org_role", object_id=f"{row.user_id}:{role}",
                 purpose="organisation administration", actor_label="tool operator (command line)")
    db.session.delete(row)
    db.session.commit()
    click.echo(f"Removed {role} from LMS user {lms_user_id} of platform {platform_id}.")
