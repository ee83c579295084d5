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
from .roles import ROLE_LABELS, ToolRole

org_cli = AppGroup("org", help="Organisations: who has which tool-side role (practitioner, supervisor, admin).")


@org_cli.command("people")
@click.argument("platform_id", type=int)
@click.option("--name", "name_part", default=None, help="Only people whose name contains this.")
def org_people(platform_id: int, name_part: str | None) -> None:
    """List who has opened the tool from a platform, with their LMS user id and tool-side roles."""
    from .models import Organisation, OrgRole

    platform = platform_or_exit(platform_id)
    query = select(LtiUser).where(LtiUser.platform_id == platform.id).order_by(LtiUser.name, LtiUser.sub)
    if name_part:
        query = query.where(func.lower(LtiUser.name).contains(name_part.lower()))
    org_id = db.session.execute(select(Organisation.id).where(Organisation.platform_id == platform.id)).scalar()
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
def org_grant(platform_id: int, lms_user_id: str, role: str, team: str | None) -> None:
    """Grant a tool-side role to a person (by LMS user id, see `org people`) of a platform's organisation."""
    from .org import grant_role_by_operator

    platform_or_exit(platform_id)
    try:
        grant_role_by_operator(platform_id, sub=lms_user_id, role=role, team=team)
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
def org_revoke(platform_id: int, lms_user_id: str, role: str) -> None:
    """Remove a tool-side role from a person of a platform's organisation."""
    from .models import Organisation, OrgRole
    from .privacy import record_event

    row = db.session.execute(
        select(OrgRole).join(Organisation, Organisation.id == OrgRole.organisation_id)
        .join(LtiUser, LtiUser.id == OrgRole.user_id)
        .where(Organisation.platform_id == platform_or_exit(platform_id).id, LtiUser.sub == lms_user_id,
               OrgRole.role == role)).scalar()
    if row is None:
        raise click.ClickException(f"LMS user {lms_user_id} of platform {platform_id} has no role {role}.")
    record_event(row.organisation_id, action="revoke", object_type="org_role", object_id=f"{row.user_id}:{role}",
                 purpose="organisation administration", actor_label="tool operator (command line)")
    db.session.delete(row)
    db.session.commit()
    click.echo(f"Removed {role} from LMS user {lms_user_id} of platform {platform_id}.")
