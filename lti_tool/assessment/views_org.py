"""Organisation views: settings and tool-side roles (administrators), and the referral directory."""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..lti.session import session_required
from . import controller_docs
from . import instrument as inst
from . import org as org_ops
from .errors import CaseworkError
from .plan import directory
from .roles import ROLE_LABELS, ToolRole, current_actor, require_org_admin
from .views_common import form_bool, form_int, go, page


@session_required
def settings() -> Response:
    """Organisation settings and role grants; open to the platform's administrators and org admins."""
    actor = current_actor()
    require_org_admin(actor)
    error = None
    if request.method == "POST":
        f = request.form
        try:
            org_ops.update_settings(actor, casework_enabled=form_bool("casework_enabled"),
                                    retention_months=form_int("retention_months") or 0,
                                    privacy_notice_version=f.get("privacy_notice_version", ""),
                                    identity_vault_enabled=form_bool("identity_vault_enabled"),
                                    legal_conditions_enabled=form_bool("legal_conditions_enabled"),
                                    legal_conditions_basis=f.get("legal_conditions_basis", ""),
                                    self_access_enabled=form_bool("self_access_enabled"),
                                    public_name=f.get("public_name"), privacy_contact=f.get("privacy_contact"))
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.settings", "settings_saved")
    db.session.commit()  # the organisation row may have just been created
    return page("assessment/settings.html", status=422 if error else 200, actor=actor, org=actor.organisation,
                grants=org_ops.role_grants(actor), users=org_ops.platform_users(actor), roles=ROLE_LABELS,
                user_label=org_ops.user_label, error=error, scope=org_ops.scope_label(actor.organisation))


@session_required
def start() -> Response:
    """The organisation's first-run checklist: what is set up, and what still needs doing."""
    actor = current_actor()
    require_org_admin(actor)
    steps = org_ops.checklist(actor)
    db.session.commit()  # the organisation row may have just been created
    return page("assessment/org_start.html", actor=actor, steps=steps, done=sum(s.done for s in steps))


@session_required
def grant() -> Response:
    """Grant a tool-side role to a user of this platform."""
    actor = current_actor()
    require_org_admin(actor)
    try:
        org_ops.grant_role(actor, user_id=form_int("user_id") or 0, role=request.form.get("role", ""),
                           team=request.form.get("team"))
    except CaseworkError as exc:
        db.session.rollback()
        return page("assessment/settings.html", status=422, actor=actor, org=actor.organisation,
                    grants=org_ops.role_grants(actor), users=org_ops.platform_users(actor), roles=ROLE_LABELS,
                    user_label=org_ops.user_label, error=exc.detail)
    db.session.commit()
    return go("assessment.settings", "role_granted")


@session_required
def revoke(grant_id: int) -> Response:
    """Remove a role grant."""
    actor = current_actor()
    require_org_admin(actor)
    org_ops.revoke_role(actor, grant_id)
    db.session.commit()
    return go("assessment.settings", "role_revoked")


def _may_edit_directory(actor) -> bool:
    return actor.can_manage_org or actor.has(ToolRole.SUPERVISOR)


@session_required
def directory_list() -> Response:
    """The referral directory of the organisation."""
    actor = current_actor()
    if not (actor.has_case_role or actor.can_manage_org):
        raise Forbidden(_("The referral directory is for the organisation's staff."), code="directory_forbidden")
    return page("assessment/directory.html", actor=actor, services=directory(actor, active_only=False),
                can_edit=_may_edit_directory(actor), domains={d.id: d.title for d in inst.get_instrument().domains})


@session_required
def directory_edit(service_id: int | None = None) -> Response:
    """Add or change a directory entry (organisation admins and supervisors)."""
    actor = current_actor()
    if not _may_edit_directory(actor):
        raise Forbidden(_("Only administrators and supervisors change the directory."), code="directory_forbidden")
    service = next((s for s in directory(actor, active_only=False) if s.id == service_id), None)
    if service_id is not None and service is None:
        from ..errors import NotFound

        raise NotFound(code="service_not_found")
    error = None
    if request.method == "POST":
        f = request.form
        try:
            org_ops.save_service(actor, service_id, name=f.get("name", ""), service_type=f.get("service_type", ""),
                                 domain_tags=[d for d in f.getlist("domain_tags") if d in inst.domain_ids()],
                                 languages=f.get("languages", ""), accessibility=f.get("accessibility", ""),
                                 contact=f.get("contact", ""), consent_form_needed=form_bool("consent_form_needed"),
                                 reporting_duties=form_bool("reporting_duties"),
                                 reporting_duties_note=f.get("reporting_duties_note", ""),
                                 active=form_bool("active") if service_id else True)
        except CaseworkError as exc:
            db.session.rollback()
            error = exc.detail
        else:
            db.session.commit()
            return go("assessment.directory", "service_saved")
    return page("assessment/directory_edit.html", status=422 if error else 200, actor=actor, service=service,
                error=error, domains=inst.get_instrument().domains)


@session_required
def documents() -> Response:
    """The controller's documents: DPIA, records of processing, processing agreement."""
    actor = current_actor()
    require_org_admin(actor)
    db.session.commit()
    return page("assessment/documents.html", actor=actor, documents=controller_docs.DOCUMENTS,
                facts=controller_docs.facts(actor.organisation))


@session_required
def document(name: str, fmt: str = "html") -> Response:
    """One controller document as a page, as Markdown (to edit) or as PDF, with the tool version and date."""
    actor = current_actor()
    require_org_admin(actor)
    if name not in controller_docs.DOCUMENTS:
        raise NotFound(code="document_not_found")
    text = controller_docs.markdown(name, actor.organisation)
    stamp = controller_docs.facts(actor.organisation)
    filename = f"r2com-{name}-v{stamp.version}-{stamp.date}"
    if fmt == "md":
        resp = Response(text, mimetype="text/markdown")
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}.md"'
        return resp
    if fmt == "pdf":
        from flask import render_template

        from ..pdf import PdfUnavailable, render_pdf
        from .exports import PDF_BASE_URL, STATIC, PdfServiceUnavailable

        body = render_template("assessment/controller/document_pdf.html", title=controller_docs.DOCUMENTS[name],
                               body=controller_docs.html(text), lang="en")
        try:
            pdf = render_pdf(body, base_url=PDF_BASE_URL, lang="en", static_dirs=[STATIC])
        except PdfUnavailable as exc:
            raise PdfServiceUnavailable(_("PDF documents cannot be made on this server right now.")) from exc
        resp = Response(pdf, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return resp
    if fmt != "html":
        raise NotFound(code="document_format_not_found")
    return page("assessment/document.html", actor=actor, name=name, title=controller_docs.DOCUMENTS[name],
                body=controller_docs.html(text))
