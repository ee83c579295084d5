"""Schemas of the instrument and case files (FORMAT.md §5 and §6)."""

from __future__ import annotations

from typing import Any, Mapping

from marshmallow import ValidationError, fields, validate, validates_schema

from .schema_fields import CASE_CONTEXTS, LEVELS, SCALE_VALUES, Flag, Id, Strict, Text, TextList, Whole, one_of


class ScaleValueSchema(Strict):
    """A value of a scale or list, with its label."""

    value = fields.String(required=True, validate=validate.Length(min=1, error="must not be empty"))
    label = Text()
    description = Text(required=False)


class ChoiceSchema(Strict):
    """An id with a label (occasion types)."""

    id = Id()
    label = Text()


class ScalesSchema(Strict):
    """The five rating scales, with the values the assessment code relies on."""

    need = fields.List(fields.Nested(ScaleValueSchema), required=True)
    strength = fields.List(fields.Nested(ScaleValueSchema), required=True)
    client_view = fields.List(fields.Nested(ScaleValueSchema), required=True)
    agreement = fields.List(fields.Nested(ScaleValueSchema), required=True)
    discussed = fields.List(fields.Nested(ScaleValueSchema), required=True)

    @validates_schema(skip_on_field_errors=False)
    def _check_values(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        for name, expected in SCALE_VALUES.items():
            rows = data.get(name)
            if rows is None or any("value" not in row for row in rows):
                continue
            values = tuple(row["value"] for row in rows)
            if values != expected:
                errors[name] = [f"values must be {', '.join(expected)} in this order (found {', '.join(values)})"]
        if errors:
            raise ValidationError(errors)


class LevelField(fields.Field):
    """One level or a list of levels (individual, relationship, community, societal)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[str, ...]:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values:
            raise ValidationError(f"must be one of {', '.join(LEVELS)} or a list of them")
        bad = [v for v in values if v not in LEVELS]
        if bad:
            raise ValidationError(f"must be one of: {', '.join(LEVELS)} (not {', '.join(map(repr, bad))})")
        return tuple(values)


class ActionSchema(Strict):
    """A suggested support action."""

    id = Id()
    text = Text()


class SuggestionSchema(Strict):
    """A row of a domain's suggestion table."""

    need = fields.List(fields.String(), required=True, validate=validate.Length(min=1, error="needs a need value"))
    actions = fields.List(fields.Nested(ActionSchema), required=True,
                          validate=validate.Length(min=1, error="needs at least one action"))


class DomainSchema(Strict):
    """An instrument domain."""

    id = Id()
    number = Whole(1, required=True)
    title = Text()
    client_title = Text()
    level = LevelField(required=True)
    optional = Flag(required=True)
    guidance = Text()
    need_prompts = TextList(3, required=True)
    strength_prompts = TextList(3, required=True)
    client_prompt = Text()
    suggestions = fields.List(fields.Nested(SuggestionSchema), required=True)


class InstrumentSchema(Strict):
    """instrument.yaml (FORMAT.md §5)."""

    id = Id()
    title = Text()
    client_title = Text()
    statement = Text()
    introduction = Text()
    occasion_types = fields.List(fields.Nested(ChoiceSchema), required=True,
                                 validate=validate.Length(min=1, error="needs at least one occasion type"))
    scales = fields.Nested(ScalesSchema, required=True)
    information_sources = fields.List(fields.Nested(ScaleValueSchema), required=True,
                                      validate=validate.Length(min=1, error="needs at least one source"))
    max_priorities = Whole(1, required=True)
    domains = fields.List(fields.Nested(DomainSchema), required=True,
                          validate=validate.Length(min=1, error="needs at least one domain"))


# -- case set ------------------------------------------------------------------------------------
class PersonSchema(Strict):
    """The fictional person of a case."""

    pseudonym = Text()
    age = Whole(0, 120, required=True)
    gender = Text()
    background = Text()


class RatingSchema(Strict):
    """The reference rating of one domain."""

    need = fields.String(required=True)
    strength = fields.String(required=True)
    key_facts = fields.List(Text(), required=True, validate=validate.Length(
        min=2, max=4, error="needs 2 to 4 key facts"))
    #: What the reference saw in the story and why it rated the domain so (shown as feedback).
    reason = Text(required=False)


class RatingsField(fields.Field):
    """A mapping of domain id to rating, each validated by :class:`RatingSchema`."""

    _schema = RatingSchema()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping) or not value:
            raise ValidationError("must map each instrument domain id to a rating")
        out: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, rating in value.items():
            try:
                out[str(key)] = self._schema.load(rating)
            except ValidationError as exc:
                errors[key] = exc.messages
        if errors:
            raise ValidationError(errors)
        return out


class CaseSchema(Strict):
    """A case file (FORMAT.md §6)."""

    id = Id()
    fictional = Flag(required=True, validate=validate.Equal(True, error="must be true: cases are fictional and for "
                                                                      "training only"))
    title = Text()
    summary = Text()
    context = fields.String(required=True, validate=one_of(CASE_CONTEXTS))
    person = fields.Nested(PersonSchema, required=True)
    content_notes = TextList(load_default=list)
    story = Text()
    reference_profile = RatingsField(required=True)
