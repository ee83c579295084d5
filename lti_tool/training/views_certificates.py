"""Certificate pages: the learner's own, the public verification page, the trainers' list, CSV and revoking."""

from __future__ import annotations

from flask import Response, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..lti.session import current_session, instructor_required, session_required
from . import certificates as certs
from . import documents as docs
from .catalog import content_lang, package_of, turl
from .csvout import csv_response
from .errors import TrainingError
from .views_common import render


class CertificateRevoked(TrainingError):
    """A revoked certificate is not handed out as a PDF any more."""

    status = 410
    code = "certificate_revoked"
    title = _l("This certificate was revoked")
    hint = _l("The organisation that issued it revoked it. Talk to your trainer if you think this is a mistake.")


@session_required
def certificate() -> Response:
    """The learner's certificate, or what is left to earn it (issued here when it was earned)."""
    session = current_session()
    lang = content_lang()
    cert = certs.issue_if_earned(session, lang)
    db.session.commit()
    package = package_of("course", lang)
    standing = certs.standing(session.context_id, session.user_id, lang)
    url = certs.verify_url(cert) if cert else None
    return render("training/certificate.html", package=package, cert=cert, standing=standing, verify=url,
                  qr=certs.qr_svg(url) if url else None)


@session_required
def certificate_pdf() -> Response:
    """The learner's certificate as PDF, with its verification URL and QR code.

    Raises:
        NotFound: No certificate yet. CertificateRevoked: it was revoked (410).
    """
    session = current_session()
    cert = certs.certificate_of(session.context_id, session.user_id)
    if cert is None:
        raise certs.CertificateNotFound("You have no certificate in this course yet.")
    if cert.revoked:
        raise CertificateRevoked(_("This certificate was revoked by the organisation that issued it."))
    url = certs.verify_url(cert)
    return docs.pdf_response("training/pdf/certificate.html", filename=f"certificate-{cert.code[:8]}",
                             lang=cert.lang, title=_("Certificate of completion"), cert=cert, verify=url,
                             qr=certs.qr_svg(url))


def verify(code: str) -> Response:
    """Public: confirm a certificate by its code, without logging in. Shows what the certificate shows."""
    cert = certs.by_code(code)
    html = render_template("training/certificate_verify.html", cert=cert, verify=certs.verify_url(cert),
                           page_lang=cert.lang, page_dir="ltr")
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@instructor_required
def holders() -> Response:
    """Trainers: who holds a certificate in this course, with revoking."""
    session = current_session()
    package = package_of("course", content_lang())
    course = package.body
    scope, required = certs.required_modules(session.context_id, course)  # type: ignore[arg-type]
    return render("training/certificates.html", package=package, rows=certs.holders(session.context_id),
                  scope=scope, required=required, verify_url=certs.verify_url,
                  revoked_now=request.args.get("revoked") == "1")


@instructor_required
def holders_csv() -> Response:
    """Trainers: the certificates of this course as CSV."""
    session = current_session()
    header = [_("Name"), _("Course"), _("Training"), _("Modules"), _("Hours"), _("Issued on"), _("Organisation"),
              _("Language"), _("Status"), _("Verification URL")]
    rows = [[c.holder_name, c.course_title, c.training_title,
             "; ".join(str(mod.get("title", "")) for mod in c.modules or []), f"{c.hours:g}",
             c.issued_at.date().isoformat(), c.organisation, c.lang,
             _("revoked on %(date)s", date=c.revoked_at.date().isoformat()) if c.revoked_at else _("valid"),
             certs.verify_url(c)] for c in certs.holders(session.context_id)]
    return csv_response(header, rows, "certificates.csv")


@instructor_required
def revoke(cert_id: int) -> Response:
    """Trainers and administrators: revoke a certificate of this course."""
    certs.revoke(current_session(), cert_id)
    db.session.commit()
    return redirect(turl("training.certificates", revoked="1"), code=303)

