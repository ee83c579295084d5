"""Platforms, deployments, login states and what a launch creates (users, contexts, links)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, bool_false, bool_true, created_at


class Platform(Base):
    """One registration of the tool in an LMS: an (issuer, client_id) pair.

    Canvas cloud gives every school the same issuer, so the client_id is part of the key.
    """

    __tablename__ = "lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human name shown to admins, e.g. "City NGO Moodle".
    name: Mapped[str] = mapped_column(String(200))
    #: The platform's ``iss`` value.
    issuer: Mapped[str] = mapped_column(String(400))
    #: The client_id the platform gave this tool.
    client_id: Mapped[str] = mapped_column(String(400))
    #: OIDC authorization endpoint of the platform.
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    #: OAuth2 token endpoint (for AGS and NRPS access tokens).
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    #: ``aud`` for our client assertions when it differs from the token URL (Moodle, Canvas: empty).
    auth_audience: Mapped[Optional[str]] = mapped_column(String(1000))
    #: Where the platform publishes its public keys.
    key_set_url: Mapped[str] = mapped_column(String(1000))
    #: "moodle", "canvas" or "other", from dynamic registration or the admin.
    product: Mapped[str] = mapped_column(String(40), default="other")
    #: A disabled platform cannot launch; its data stays.
    active: Mapped[bool_true]
    #: How it was registered: "manual", "dynamic" or "development".
    source: Mapped[str] = mapped_column(String(20), default="manual")
    #: What a signed launch from a deployment id the tool has not seen does: "auto" records it and goes on
    #: (Canvas creates a deployment per install), "approve" records it as pending until the operator approves.
    deployment_policy: Mapped[str] = mapped_column(String(10), default="approve", server_default="approve")
    #: Hosts besides those of the three URLs above where the platform's grade and roster services may live,
    #: space separated; ``*.example.org`` allows the subdomains (Canvas cloud: the school's own domain).
    service_hosts: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[created_at]

    deployments: Mapped[list["Deployment"]] = relationship(back_populates="platform", cascade="all, delete-orphan")


class Deployment(Base):
    """A deployment of the tool inside a platform (a Moodle tool type, a Canvas installation)."""

    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    #: The platform's ``deployment_id`` claim.
    deployment_id: Mapped[str] = mapped_column(String(400))
    #: Optional label, e.g. the organisation using this deployment.
    name: Mapped[Optional[str]] = mapped_column(String(200))
    #: Only active deployments launch. A pending one is inactive until the operator approves it.
    active: Mapped[bool_true]
    #: Seen in a signed launch under the "approve" policy and not yet approved by the operator.
    pending: Mapped[bool_false]
    #: How the tool learnt of it: "manual", "registration" (dynamic registration) or "launch".
    source: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    created_at: Mapped[created_at]

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class RegistrationInvite(Base):
    """A one-time, expiring permission to register a platform by dynamic registration."""

    __tablename__ = "lti_registration_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the invite token; the token itself is only ever shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Free note from the admin, e.g. "Moodle of NGO X".
    note: Mapped[Optional[str]] = mapped_column(String(200))
    created_at: Mapped[created_at]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[Optional[dt.datetime]]
    #: Registration attempts with this invite that failed; after a few the invite is spent.
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The platform this invite registered.
    platform_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_platform.id", ondelete="SET NULL"))


class LoginState(Base):
    """Server-side OIDC login state: binds the state, the nonce and the platform; single use."""

    __tablename__ = "lti_login_state"

    #: The ``state`` value sent to the platform (random, 43 characters).
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The nonce the id_token must carry.
    nonce: Mapped[str] = mapped_column(String(64))
    #: Secret held by the browser that started the login (cookie or platform storage).
    binding: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    #: The login request parameters, to offer "open in a new window" when cookies are blocked.
    params: Mapped[dict[str, Any]]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    #: When the launch consumed this state; kept until expiry so a replay is recognised as one.
    used_at: Mapped[Optional[dt.datetime]]


class LtiUser(Base):
    """A person as known to one platform: keyed by (platform, sub). Least data: no email."""

    __tablename__ = "lti_user"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"))
    #: The platform's stable user id.
    sub: Mapped[str] = mapped_column(String(255))
    #: Display name, only when the platform sends one (for the trainer's roster).
    name: Mapped[Optional[str]] = mapped_column(String(200))
    #: Preferred locale from the launch, e.g. "pt-PT".
    locale: Mapped[Optional[str]] = mapped_column(String(20))
    #: The interface language the person chose in the tool's language switcher (None: follow the platform).
    ui_locale: Mapped[Optional[str]] = mapped_column(String(20))
    #: The platform's locale when they chose it: once the platform sends another, the platform's wins again.
    ui_locale_under: Mapped[Optional[str]] = mapped_column(String(35))
    created_at: Mapped[created_at]


class Context(Base):
    """A course (or other context) of one deployment of one platform."""

    __tablename__ = "lti_context"
    __table_args__ = (UniqueConstraint("deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("lti_deployment.id", ondelete="CASCADE"))
    #: The platform's context id; empty when the launch carried no context claim.
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[Optional[str]] = mapped_column(String(400))
    label: Mapped[Optional[str]] = mapped_column(String(200))
    #: Last seen NRPS memberships URL.
    memberships_url: Mapped[Optional[str]] = mapped_column(String(1000))
    #: Last seen AGS line-item container URL and scopes.
    lineitems_url: Mapped[Optional[str]] = mapped_column(String(1000))
    ags_scopes: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[created_at]


class ResourceLink(Base):
    """A placement of the tool in a context (an activity in Moodle, an assignment/module item in Canvas)."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[Optional[str]] = mapped_column(String(400))
    #: Custom parameters of the link (what content it opens).
    custom: Mapped[Optional[dict[str, Any]]]
    #: The line item URL from the launch's AGS claim, if any.
    lineitem_url: Mapped[Optional[str]] = mapped_column(String(1000))
    created_at: Mapped[created_at]


class Membership(Base):
    """A user's roles in a context, as of their last launch."""

    __tablename__ = "lti_membership"
    __table_args__ = (UniqueConstraint("context_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: Our role: "learner", "instructor" or "administrator".
    role: Mapped[str] = mapped_column(String(20))
    #: The platform's role URIs, space separated.
    lti_roles: Mapped[str] = mapped_column(Text, default="")
    last_launch_at: Mapped[Optional[dt.datetime]]


class LaunchSession(Base):
    """What a verified launch allows for the following requests; referenced by the signed tool session."""

    __tablename__ = "lti_launch_session"
    __table_args__ = (Index("ix_lti_launch_session_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    context_id: Mapped[int] = mapped_column(ForeignKey("lti_context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lti_resource_link.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    message_type: Mapped[str] = mapped_column(String(60))
    #: Claims needed later (deep-linking settings, AGS endpoint, return URL, custom parameters).
    data: Mapped[dict[str, Any]]
    expires_at: Mapped[dt.datetime]
