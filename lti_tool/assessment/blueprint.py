"""The URL map of casework, training and the casework JSON API, in one place."""

from __future__ import annotations

from flask import Blueprint

from . import (
    views_api,
    views_clients,
    views_concerns,
    views_occasions,
    views_org,
    views_plan,
    views_rights,
    views_selfaccess,
    views_training,
)
from .views_common import template_helpers

bp = Blueprint("assessment", __name__, url_prefix="/assessment", template_folder="templates",
               static_folder="static", static_url_path="/static")
api = Blueprint("assessment_api", __name__, url_prefix="/api/assessment")
bp.context_processor(template_helpers)

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

_RULES = (
    # workspace and organisation
    ("/", "caseload", views_clients.caseload, GET),
    ("/organisation", "settings", views_org.settings, BOTH),
    ("/organisation/start", "org_start", views_org.start, GET),
    ("/organisation/roles", "grant", views_org.grant, POST),
    ("/organisation/documents", "documents", views_org.documents, GET),
    ("/organisation/documents/<name>", "document", views_org.document, GET),
    ("/organisation/documents/<name>.<fmt>", "document_file", views_org.document, GET),
    ("/organisation/roles/<int:grant_id>/revoke", "revoke", views_org.revoke, POST),
    ("/directory", "directory", views_org.directory_list, GET),
    ("/directory/new", "directory_new", views_org.directory_edit, BOTH),
    ("/directory/<int:service_id>", "directory_edit", views_org.directory_edit, BOTH),
    # client record
    ("/clients/new", "new_client", views_clients.new_client, BOTH),
    ("/clients/<client_id>", "client", views_clients.client, GET),
    ("/clients/<client_id>/information", "information", views_clients.information, BOTH),
    ("/clients/<client_id>/language", "client_language", views_clients.language, POST),
    ("/clients/<client_id>/texts", "client_text", views_clients.client_text, GET),
    ("/clients/<client_id>/texts/pdf", "client_text_pdf", views_clients.client_text_pdf, GET),
    ("/clients/<client_id>/consents/new", "consent_form", views_clients.consent_form, GET),
    ("/clients/<client_id>/consents", "add_consent", views_clients.add_consent, POST),
    ("/clients/<client_id>/consents/<consent_id>/withdraw", "withdraw_consent", views_clients.withdraw_consent, POST),
    ("/clients/<client_id>/identity", "identity", views_clients.identity, BOTH),
    ("/clients/<client_id>/close", "close", views_clients.close, POST),
    ("/clients/<client_id>/restrict", "restrict", views_clients.restrict, POST),
    ("/clients/<client_id>/erase", "erase", views_clients.erase, BOTH),
    ("/clients/<client_id>/requests", "requests", views_rights.requests, BOTH),
    ("/clients/<client_id>/legal-conditions", "legal_conditions", views_selfaccess.legal, POST),
    ("/clients/<client_id>/self-access", "new_code", views_selfaccess.new_code, POST),
    ("/clients/<client_id>/self-access/<access_id>/revoke", "revoke_code", views_selfaccess.revoke_code, POST),
    # the person's own page (a self-access code, no LMS session)
    ("/my", "my_record", views_selfaccess.my_record, BOTH),
    ("/clients/<client_id>/requests/<request_id>/decide", "decide_request", views_rights.decide, POST),
    # occasions, profile, change
    ("/clients/<client_id>/occasions/new", "new_occasion", views_occasions.new_occasion, BOTH),
    ("/occasions/<occasion_id>", "occasion", views_occasions.occasion, BOTH),
    ("/clients/<client_id>/profile", "profile", views_occasions.profile, GET),
    ("/clients/<client_id>/change", "change", views_occasions.change, GET),
    # support plan, exports, referrals
    ("/clients/<client_id>/plan", "plan", views_plan.plan, BOTH),
    ("/clients/<client_id>/plan/actions/<action_id>", "update_action", views_plan.update_action, POST),
    ("/clients/<client_id>/plan/print", "print_plan", views_plan.print_plan, GET),
    ("/clients/<client_id>/plan/pdf", "plan_pdf", views_plan.plan_pdf, GET),
    ("/clients/<client_id>/export", "client_export", views_plan.client_export, GET),
    ("/clients/<client_id>/referrals", "referrals", views_plan.referrals, BOTH),
    ("/referrals/<referral_id>/letter", "referral_letter", views_plan.referral_letter, GET),
    ("/referrals/<referral_id>/letter/pdf", "referral_pdf", views_plan.referral_pdf, GET),
    # concerns for consultation, audit
    ("/clients/<client_id>/concerns/new", "new_concern", views_concerns.new_concern, BOTH),
    ("/concerns", "concerns", views_concerns.concerns, GET),
    ("/concerns/<concern_id>", "concern", views_concerns.concern, BOTH),
    ("/audit", "audit", views_concerns.audit_log, GET),
    # training on fictional cases
    ("/training", "training", views_training.home, GET),
    ("/training/cases/<case_id>", "training_case", views_training.case, GET),
    ("/training/attempts/<int:attempt_id>", "training_attempt", views_training.attempt, BOTH),
    ("/training/attempts/<int:attempt_id>/result", "training_result", views_training.result, GET),
)

_API_RULES = (
    ("/clients", "clients", views_api.clients, GET),
    ("/clients/<client_id>/profile", "profile", views_api.profile, GET),
    ("/clients/<client_id>/change", "change", views_api.change, GET),
    ("/clients/<client_id>/plan", "plan", views_api.plan, GET),
    ("/occasions/<occasion_id>/draft", "occasion_draft", views_occasions.occasion_draft, POST),
    ("/training/attempts/<int:attempt_id>/draft", "training_draft", views_training.attempt_draft, POST),
)

for _rule, _endpoint, _view, _methods in _RULES:
    bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)
for _rule, _endpoint, _view, _methods in _API_RULES:
    api.add_url_rule(_rule, _endpoint, _view, methods=_methods)
