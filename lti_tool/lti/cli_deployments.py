"""Operator commands for deployments: ``flask --app wsgi lti deployment ...``.

A Moodle site has one deployment per tool registration. A Canvas developer key has one per install (account,
sub-account or course), and the tool learns each id only from the first launch, so the operator approves new
ones here (policy "approve") or lets them through (policy "auto").
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from .models import Deployment, Platform
from .tool_config import MAX_PENDING_DEPLOYMENTS

deployment_cli = AppGroup("deployment", help="Deployments of the tool inside a platform (Canvas installs).")


def platform_or_exit(platform_id: int) -> Platform:
    """Load a platform for an operator command, or stop with a message that says how to find the id."""
    platform = db.session.get(Platform, platform_id)
    if platform is None:
        raise click.ClickException(f"No platform with id {platform_id}. `flask --app wsgi lti platform list` "
                                   "shows them.")
    return platform


def _deployment(platform_id: int, deployment_id: str) -> Deployment:
    platform = platform_or_exit(platform_id)
    row = db.session.execute(select(Deployment).where(Deployment.platform_id == platform.id,
                                                      Deployment.deployment_id == deployment_id)).scalar()
    if row is None:
        raise click.ClickException(f"Platform {platform_id} has no deployment {deployment_id!r}. "
                                   f"`flask --app wsgi lti deployment list {platform_id}` shows them.")
    return row


def _done(message: str) -> None:
    db.session.commit()
    current_app.extensions["r2com"]["platforms"].invalidate()
    click.echo(message)


def state_of(row: Deployment) -> str:
    """Return how a deployment stands: active, pending (approval) or off."""
    if row.pending:
        return "pending"
    return "active" if row.active else "off"


@deployment_cli.command("list")
@click.argument("platform_id", type=int, required=False)
@click.option("--pending", "only_pending", is_flag=True, help="Only deployments waiting for approval.")
def deployment_list(platform_id: int | None, only_pending: bool) -> None:
    """List deployments (of one platform), with their state and where they came from."""
    query = select(Deployment, Platform).join(Platform).order_by(Platform.id, Deployment.id)
    if platform_id is not None:
        query = query.where(Platform.id == platform_or_exit(platform_id).id)
    if only_pending:
        query = query.where(Deployment.pending.is_(True))
    rows = db.session.execute(query).all()
    for dep, platform in rows:
        click.echo(f"{platform.id}  {platform.name}  deployment={dep.deployment_id}  [{state_of(dep)}]  "
                   f"from {dep.source}  since {dep.created_at:%Y-%m-%d %H:%M} UTC")
    if not rows:
        click.echo("No deployments." if not only_pending else "No deployment is waiting for approval.")


@deployment_cli.command("approve", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
def deployment_approve(platform_id: int, deployment_id: str) -> None:
    """Approve a deployment that was recorded as pending; its launches then open the tool.

    A deployment id that was not recorded (the platform had too many waiting) is added, active.
    """
    platform = platform_or_exit(platform_id)
    if not any(d.deployment_id == deployment_id for d in platform.deployments) and \
            sum(d.pending for d in platform.deployments) >= MAX_PENDING_DEPLOYMENTS:
        platform.deployments.append(Deployment(deployment_id=deployment_id, source="launch"))
        _done(f"Deployment {deployment_id} of platform {platform_id} approved and added (it was not recorded: "
              f"{MAX_PENDING_DEPLOYMENTS} others wait for approval): its launches now open the tool.")
        return
    row = _deployment(platform_id, deployment_id)
    if not row.pending and row.active:
        click.echo(f"Deployment {deployment_id} of platform {platform_id} is already active.")
        return
    row.pending, row.active = False, True
    _done(f"Deployment {deployment_id} of platform {platform_id} approved: its launches now open the tool.")


@deployment_cli.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
@click.option("--name", default=None, help="Who uses it, e.g. 'Sub-account NGO Y'.")
def deployment_add(platform_id: int, deployment_id: str, name: str | None) -> None:
    """Add a deployment id by hand (e.g. copied from Canvas's app details), active at once."""
    platform = platform_or_exit(platform_id)
    if any(d.deployment_id == deployment_id for d in platform.deployments):
        raise click.ClickException(f"Platform {platform_id} already has deployment {deployment_id!r}; "
                                   "use `lti deployment approve` or `enable`.")
    platform.deployments.append(Deployment(deployment_id=deployment_id, name=name, source="manual"))
    _done(f"Deployment {deployment_id} added to platform {platform_id}.")


def _switch(platform_id: int, deployment_id: str, active: bool) -> None:
    row = _deployment(platform_id, deployment_id)
    row.pending, row.active = False, active
    _done(f"Deployment {deployment_id} of platform {platform_id} switched {'on' if active else 'off'}.")


@deployment_cli.command("disable", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
def deployment_disable(platform_id: int, deployment_id: str) -> None:
    """Refuse launches from a deployment (also a pending one); its data stays."""
    _switch(platform_id, deployment_id, False)


@deployment_cli.command("enable", context_settings={"ignore_unknown_options": True})
@click.argument("platform_id", type=int)
@click.argument("deployment_id")
def deployment_enable(platform_id: int, deployment_id: str) -> None:
    """Allow launches again from a deployment that was switched off."""
    _switch(platform_id, deployment_id, True)


@deployment_cli.command("policy")
@click.argument("platform_id", type=int)
@click.argument("policy", type=click.Choice(["auto", "approve"]))
def deployment_policy(platform_id: int, policy: str) -> None:
    """Choose what a launch from a new deployment of this platform does: open (auto) or wait (approve)."""
    platform = platform_or_exit(platform_id)
    platform.deployment_policy = policy
    _done(f"Platform {platform_id}: new deployments are now "
          f"{'recorded and opened at once' if policy == 'auto' else 'recorded as pending until approved'}.")
