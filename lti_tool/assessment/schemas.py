"""Form drafts, answer validation and the JSON shapes of the casework API.

The occasion form (and the training form, which is the same) uses field names
``<domain id>.<field>`` plus the occasion-level ``formulation``, ``language`` and
``interpreter_used``. A draft is a plain ``{field name: value}`` mapping, saved as typed; only
completing an occasion validates it. Output schemas list their fields explicitly and hold no total,
average, level or risk (DP-7).
"""

from __future__ import annotations

import functools
from typing import Any, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from . import instrument as inst

DOMAIN_FIELDS = ("need", "strength", "evidence_note", "information_sources", "client_view", "client_view_text",
                 "agreement", "discussed", "key_strength", "priority", "declined_note", "revisit")
#: The only fields an area the person chose not to discuss may hold (besides ``discussed``).
DECLINED_FIELDS = ("declined_note", "revisit")
DECLINED = "client_declined"
OCCASION_FIELDS = ("formulation", "language", "interpreter_used")
MULTI_FIELDS = ("information_sources",)
FLAG_FIELDS = ("key_strength", "priority", "interpreter_used")
TEXT_LIMIT = 4000
FORMULATION_LIMIT = 8000
DEFAULTS = {"need": "not_known", "strength": "not_known", "client_view": "not_asked", "discussed": "not_yet",
            "agreement": "", "evidence_note": "", "client_view_text": "", "information_sources": [],
            "key_strength": False, "priority": False, "declined_note": "", "revisit": ""}
REVISIT_LIMIT = 200


def field_name(domain_id: str, name: str) -> str:
    """Return the form field name of one answer."""
    return f"{domain_id}.{name}"


def draft_fields() -> list[str]:
    """Return every field name a draft may hold."""
    return list(OCCASION_FIELDS) + [field_name(d, f) for d in inst.domain_ids() for f in DOMAIN_FIELDS]


def step_fields(step: str) -> list[str]:
    """Return the field names one step of the stepwise form posts: one area's, or the occasion's own."""
    if step in inst.domain_ids():
        return [field_name(step, f) for f in DOMAIN_FIELDS]
    return list(OCCASION_FIELDS)


def merge_step(draft: dict[str, Any], form: Mapping[str, Any], step: str) -> None:
    """Apply one step's whole form to the draft; a field of that step the form does not send is emptied
    (an unticked checkbox, or a rating hidden because the person chose not to discuss the area)."""
    for name in step_fields(step):
        if _is_multi(name):
            draft[name] = [_clip(v) for v in form.getlist(name)]  # type: ignore[attr-defined]
        else:
            draft[name] = _clip(form.get(name, "") or "")


def _is_multi(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in MULTI_FIELDS


def _clip(value: str) -> str:
    return value[:FORMULATION_LIMIT]


def draft_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """Read the whole form (the no-JavaScript Save button): absent checkboxes mean unticked."""
    draft: dict[str, Any] = {}
    for name in draft_fields():
        if _is_multi(name):
            draft[name] = [_clip(v) for v in form.getlist(name)]  # type: ignore[attr-defined]
        else:
            draft[name] = _clip(form.get(name, "") or "")
    return draft


def merge_touched(draft: dict[str, Any], form: Mapping[str, Any]) -> list[str]:
    """Apply the fields named in ``touched`` (autosave); return the names applied. Unknown names are ignored."""
    allowed = set(draft_fields())
    applied = []
    for name in form.getlist("touched"):  # type: ignore[attr-defined]
        if name not in allowed:
            continue
        draft[name] = ([_clip(v) for v in form.getlist(name)] if _is_multi(name)  # type: ignore[attr-defined]
                       else _clip(form.get(name, "") or ""))
        applied.append(name)
    return applied


def draft_from_answers(answers: Mapping[str, Mapping[str, Any]], occasion: Mapping[str, Any]) -> dict[str, Any]:
    """Turn stored answers back into a draft, to edit a completed occasion."""
    draft: dict[str, Any] = {k: ("1" if k in FLAG_FIELDS and v else ("" if v is False else v))
                             for k, v in occasion.items() if k in OCCASION_FIELDS}
    for domain_id, values in answers.items():
        for name in DOMAIN_FIELDS:
            value = values.get(name, DEFAULTS[name])
            if name in FLAG_FIELDS:
                value = "1" if value else ""
            draft[field_name(domain_id, name)] = value
    return draft


# The schema class is built once and used in every language: its messages are lazy (translated when shown).
_REQUIRED = {"required": _l("Choose an answer."), "null": _l("Choose an answer.")}
_ONE_OF = _l("Choose one of the answers offered.")
_TOO_LONG = _l("This text is too long: write at most {max} characters.")


@functools.lru_cache(maxsize=8)
def _answers_schema(need_values: tuple[str, ...], strength_values: tuple[str, ...], view_values: tuple[str, ...],
                    agreement_values: tuple[str, ...], discussed_values: tuple[str, ...],
                    sources: tuple[str, ...]) -> type[Schema]:
    class DomainAnswersSchema(Schema):
        """One domain's answers; evidence is required for need >= 2 or a clear strength."""

        need = fields.String(required=True, error_messages=_REQUIRED, validate=validate.OneOf(need_values, error=_ONE_OF))
        strength = fields.String(required=True, error_messages=_REQUIRED,
                                 validate=validate.OneOf(strength_values, error=_ONE_OF))
        evidence_note = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMIT, error=_TOO_LONG))
        information_sources = fields.List(fields.String(validate=validate.OneOf(sources, error=_ONE_OF)),
                                          load_default=list)
        client_view = fields.String(required=True, error_messages=_REQUIRED,
                                    validate=validate.OneOf(view_values, error=_ONE_OF))
        client_view_text = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMIT, error=_TOO_LONG))
        agreement = fields.String(load_default="", validate=validate.OneOf(("",) + agreement_values, error=_ONE_OF))
        discussed = fields.String(required=True, error_messages=_REQUIRED,
                                  validate=validate.OneOf(discussed_values, error=_ONE_OF))
        key_strength = fields.Boolean(load_default=False)
        priority = fields.Boolean(load_default=False)
        declined_note = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMIT))
        revisit = fields.String(load_default="", validate=validate.Length(max=REVISIT_LIMIT))

        @validates_schema
        def _declined(self, data: dict[str, Any], **_kwargs: Any) -> None:
            # Rating what a person declined to discuss goes against a person-led assessment: such an area
            # holds only why it was not discussed and when to come back to it.
            if data.get("discussed") != DECLINED:
                return
            extra = [name for name in DOMAIN_FIELDS if name not in DECLINED_FIELDS + ("discussed",)
                     and data.get(name, DEFAULTS[name]) != DEFAULTS[name]]
            if extra:
                raise ValidationError(_("The person chose not to discuss this area, so it takes no ratings, notes "
                                        "or flags. Clear them, or change the answer to “Discussed”."),
                                      field_name="discussed")

        @validates_schema
        def _evidence(self, data: dict[str, Any], **_kwargs: Any) -> None:
            needs_note = data.get("need") in ("2", "3") or data.get("strength") == "2"
            if needs_note and not data.get("evidence_note", "").strip():
                raise ValidationError(_("Write a short evidence note: it is needed when the need is 2 or more, "
                                        "or when there is a clear strength."), field_name="evidence_note")

    return DomainAnswersSchema


def answers_schema() -> Schema:
    """Return the answers schema for the loaded instrument."""
    return _answers_schema(*(tuple(inst.values(n)) for n in ("need", "strength", "client_view", "agreement",
                                                              "discussed", "information_sources")))()


def _domain_input(draft: Mapping[str, Any], domain_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in DOMAIN_FIELDS:
        value = draft.get(field_name(domain_id, name), DEFAULTS[name])
        if name in FLAG_FIELDS:
            value = value in ("1", "on", "true", True)
        elif value in ("", None) and name in ("need", "strength", "client_view", "discussed"):
            value = DEFAULTS[name]
        data[name] = value
    return data


def _load_area(schema: Schema, draft: Mapping[str, Any], domain_id: str
               ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        loaded = schema.load(_domain_input(draft, domain_id))
    except ValidationError as exc:
        errors = {}
        for name, messages in exc.messages_dict.items():
            key = field_name(domain_id, name if name != "_schema" else "need")
            errors[key] = " ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
        return None, errors
    if loaded["discussed"] != DECLINED:  # why and when to revisit belong to a declined area only
        loaded.update(declined_note="", revisit="")
    return loaded, {}


def validate_area(draft: Mapping[str, Any], domain_id: str) -> dict[str, str]:
    """Validate one area of a draft (a step of the stepwise form); return errors by field name."""
    return _load_area(answers_schema(), draft, domain_id)[1]


#: The states of an area in the stepwise form's list of areas.
AREA_DONE, AREA_DECLINED, AREA_NOT_YET = "done", "declined", "not_yet"


def area_state(draft: Mapping[str, Any], domain_id: str) -> str:
    """Return whether an area of a draft is done (discussed), not discussed at the person's wish, or not yet."""
    discussed = draft.get(field_name(domain_id, "discussed"))
    return AREA_DONE if discussed == "discussed" else AREA_DECLINED if discussed == DECLINED else AREA_NOT_YET


def validate_draft(draft: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, str]]:
    """Validate a whole draft.

    Returns:
        ``(answers by domain, occasion fields, errors by field name)``; errors are empty when valid.
    """
    schema = answers_schema()
    answers: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for domain_id in inst.domain_ids():
        loaded, area_errors = _load_area(schema, draft, domain_id)
        errors.update(area_errors)
        if loaded is not None:
            answers[domain_id] = loaded
    limit = inst.get_instrument().max_priorities
    if sum(1 for a in answers.values() if a.get("priority")) > limit:
        errors["priorities"] = _("Choose at most %(n)d agreed priorities.", n=limit)
    occasion = {
        "formulation": str(draft.get("formulation", "") or "")[:FORMULATION_LIMIT],
        "language": str(draft.get("language", "") or "")[:40],
        "interpreter_used": draft.get("interpreter_used") in ("1", "on", "true", True),
    }
    return answers, occasion, errors


class ProfileRowSchema(Schema):
    """One domain row of a client's profile: need, strengths and the client's view side by side."""

    domain_id = fields.String()
    domain_title = fields.String()
    need = fields.String()
    need_label = fields.String()
    strength = fields.String()
    strength_label = fields.String()
    client_view = fields.String()
    client_view_label = fields.String()
    client_view_text = fields.String()
    agreement = fields.String()
    agreement_label = fields.String()
    discussed = fields.String()
    discussed_label = fields.String()
    key_strength = fields.Boolean()
    priority = fields.Boolean()
    declined_note = fields.String()
    revisit = fields.String()


class OccasionSummarySchema(Schema):
    """An occasion as listed in the API (no ratings)."""

    id = fields.String()
    occasion_type = fields.String()
    occasion_date = fields.Date()
    status = fields.String()


class ProfileSchema(Schema):
    """A client's profile at one occasion; rows only, never a combined figure."""

    client_id = fields.String()
    occasion = fields.Nested(OccasionSummarySchema)
    rows = fields.List(fields.Nested(ProfileRowSchema))
    formulation = fields.String()
    statement = fields.String()


class ClientListItemSchema(Schema):
    """A client in the caseload list."""

    id = fields.String()
    pseudonym = fields.String()
    status = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
