"""Certificates of completion: earned, issued, verified by anyone, revoked by the organisation.

A learner earns a certificate in a course when the kept attempt of every required module's quiz is a pass.
The required modules are the modules the trainer placed in the course (deep linking, links set up in the
tool, or custom parameters seen at launch); when no module is placed, the whole course is required.

A certificate stores exactly what it shows (name as the LMS sent it, the course, the modules, the hours, the
date, the issuing organisation, the language) so it reads the same later, whatever changes in the course or the
content. The verification page shows that and whether it is valid or revoked, nothing more; it is found by a
random code of 128 bits, so certificates cannot be listed by guessing.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Optional

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..content import model as m
from ..db import Base, created_at, utcnow
from ..errors import NotFound
from ..extensions import db
from ..lti.models import Context, Deployment, LtiUser, Platform
from ..lti.session import ToolSession
from .catalog import package_of
from .constants import ItemKind
from .models import QuizAttempt
from .placements import placed_items

log = logging.getLogger(__name__)


class Certificate(Base):
    """A certificate of completion of one learner in one course. At most one per learner and course."""

    __tablename__ = "learning_certificate"
    __table_args__ = (UniqueConstraint("context_id", "user_id"), Index("ix_learning_certificate_ctx", "context_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The random code in the verification URL.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: The learner's name as the LMS sent it when the certificate was issued.
    holder_name: Mapped[str] = mapped_column(String(200))
    #: The LMS course the training was taken in.
    course_title: Mapped[str] = mapped_column(String(400))
    #: The training course (content package) title.
    training_title: Mapped[str] = mapped_column(String(400))
    #: "selected" (the modules the trainer placed) or "course" (every module).
    scope: Mapped[str] = mapped_column(String(20))
    #: [{"id", "number", "title"}] of the modules passed, in course order.
    modules: Mapped[list[Any]] = mapped_column(default=list)
    #: The modules' declared study time.
    hours: Mapped[float]
    #: Who issues it: the deployment's label, else the platform registration's name.
    organisation: Mapped[str] = mapped_column(String(200))
    #: The language the certificate is written in.
    lang: Mapped[str] = mapped_column(String(20))
    package_id: Mapped[str] = mapped_column(String(100))
    package_version: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[created_at]
    revoked_at: Mapped[Optional[dt.datetime]]
    revoked_by: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))

    @property
    def revoked(self) -> bool:
        """Tell whether the organisation revoked it."""
        return self.revoked_at is not None


@dataclass(frozen=True)
class Standing:
    """Where a learner stands towards a certificate in a course.

    Attributes:
        scope: "selected" or "course".
        required: The modules to pass, in course order.
        passed: The ids of those passed (kept attempt passed).
    """

    scope: str
    required: tuple[m.Module, ...]
    passed: frozenset[str]

    @property
    def earned(self) -> bool:
        """Tell whether every required module is passed."""
        return bool(self.required) and all(mod.id in self.passed for mod in self.required)

    @property
    def missing(self) -> tuple[m.Module, ...]:
        """Return the required modules not passed yet."""
        return tuple(mod for mod in self.required if mod.id not in self.passed)


def required_modules(context_id: int, course: m.Course) -> tuple[str, tuple[m.Module, ...]]:
    """Return the scope and the modules a certificate in this course needs, in course order."""
    placed = {p.item.id for p in placed_items(context_id) if p.item.kind == ItemKind.MODULE}
    chosen = tuple(mod for mod in course.modules if mod.id in placed)
    if chosen:
        return "selected", chosen
    return "course", tuple(course.modules)


def standing(context_id: int, user_id: int, lang: str | None = None) -> Standing:
    """Return a learner's standing towards the certificate of a course."""
    course: m.Course = package_of("course", lang).body  # type: ignore[assignment]
    scope, required = required_modules(context_id, course)
    passed = set(db.session.execute(select(QuizAttempt.module_id).where(
        QuizAttempt.context_id == context_id, QuizAttempt.user_id == user_id, QuizAttempt.kept.is_(True),
        QuizAttempt.passed.is_(True))).scalars())
    return Standing(scope, required, frozenset(passed))


def certificate_of(context_id: int, user_id: int) -> Certificate | None:
    """Return the learner's certificate in a course, valid or revoked."""
    return db.session.execute(select(Certificate).where(Certificate.context_id == context_id,
                                                        Certificate.user_id == user_id)).scalar()


def organisation_name(context_id: int) -> str:
    """Return the issuing organisation of a course: its deployment's label, else the platform's name."""
    row = db.session.execute(select(Deployment.name, Platform.name).join(Platform).join(
        Context, Context.deployment_id == Deployment.id).where(Context.id == context_id)).first()
    if row is None:
        return ""
    return row[0] or row[1] or ""


def issue_if_earned(session: ToolSession, lang: str | None = None) -> Certificate | None:
    """Issue the learner's certificate when they have just earned it; return it (new or existing). Flushes.

    Nothing is issued without a name from the LMS (a certificate must say whose it is), and a revoked
    certificate is not issued again automatically.
    """
    existing = certificate_of(session.context_id, session.user_id)
    if existing is not None:
        return existing
    if session.is_instructor:
        return None
    now = standing(session.context_id, session.user_id, lang)
    if not now.earned:
        return None
    user = db.session.get(LtiUser, session.user_id)
    name = (user.name or "").strip() if user else ""
    if not name:
        log.info("user %s earned a certificate in context %s but the LMS sent no name", session.user_id,
                 session.context_id)
        return None
    package = package_of("course", lang)
    context = db.session.get(Context, session.context_id)
    cert = Certificate(code=secrets.token_urlsafe(16), context_id=session.context_id, user_id=session.user_id,
                       holder_name=name[:200], course_title=((context.title or context.label or "") if context
                                                             else "")[:400],
                       training_title=package.body.title[:400], scope=now.scope,  # type: ignore[union-attr]
                       modules=[{"id": mod.id, "number": mod.number, "title": mod.title} for mod in now.required],
                       hours=round(sum(mod.duration_minutes for mod in now.required) / 60, 1),
                       organisation=organisation_name(session.context_id)[:200], lang=package.lang,
                       package_id=package.id, package_version=package.version)
    try:
        with db.session.begin_nested():
            db.session.add(cert)
    except IntegrityError:  # issued a moment ago by a parallel request
        return certificate_of(session.context_id, session.user_id)
    log.info("certificate %s issued to user %s in context %s", cert.id, session.user_id, session.context_id)
    return cert


class CertificateNotFound(NotFound):
    """No certificate has this code (or none in this course)."""

    code = "certificate_not_found"
    title = _l("We could not find this certificate")
    hint = _l("Check the address: copy it in full from the certificate, or scan its QR code again.")


def by_code(code: str) -> Certificate:
    """Return a certificate by its verification code.

    Raises:
        CertificateNotFound: No certificate has that code.
    """
    cert = db.session.execute(select(Certificate).where(Certificate.code == code[:40])).scalar()
    if cert is None:
        raise CertificateNotFound(_l("No certificate has this verification code."))
    return cert


def holders(context_id: int) -> list[Certificate]:
    """Return the certificates of a course, newest first."""
    return list(db.session.execute(select(Certificate).where(Certificate.context_id == context_id)
                                   .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).scalars())


def revoke(session: ToolSession, cert_id: int) -> Certificate:
    """Revoke a certificate of the session's course (trainers and administrators). Flushes.

    Raises:
        NotFound: No such certificate in this course.
    """
    cert = db.session.get(Certificate, cert_id)
    if cert is None or cert.context_id != session.context_id:
        raise CertificateNotFound(_l("There is no such certificate in this course."))
    if cert.revoked_at is None:
        cert.revoked_at, cert.revoked_by = utcnow(), session.user_id
        db.session.flush()
        log.info("certificate %s revoked by user %s", cert.id, session.user_id)
    return cert


def verify_url(cert: Certificate) -> str:
    """Return the public verification URL of a certificate (absolute, on the tool's base URL)."""
    base = current_app.config["R2COM"]["BASE_URL"].rstrip("/")
    return f"{base}/training/verify/{cert.code}"


def qr_svg(url: str) -> str:
    """Return an inline SVG QR code of ``url`` (dark on white, with a quiet zone), labelled for screen readers."""
    return segno.make(url, error="m").svg_inline(scale=3, dark="#000", light="#fff", omitsize=False)
