"""Marshmallow schemas for every content file (FORMAT.md). Unknown fields are errors everywhere."""

from __future__ import annotations

from typing import Any, Mapping

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .profile_schemas import CaseSchema, InstrumentSchema
from .schema_fields import (ID_PATTERN, LANGUAGE_PATTERN, PACKAGE_KINDS, QUESTION_TYPES, REF_TARGET_PATTERN,
                            SCALE_VALUES, SCORED_TYPES, SEMVER_PATTERN, FileName, Flag, Id, RefTarget, Strict, Text,
                            TextList, Whole, one_of)

__all__ = ["CaseSchema", "InstrumentSchema", "ID_PATTERN", "LANGUAGE_PATTERN", "PACKAGE_KINDS", "QUESTION_TYPES",
           "REF_TARGET_PATTERN", "SCALE_VALUES", "SCORED_TYPES", "SEMVER_PATTERN", "Schema"]


# -- package.yaml --------------------------------------------------------------------------------
class AuthorSchema(Strict):
    """An author entry of package.yaml."""

    name = Text()
    role = fields.String(required=True, validate=one_of(("author", "reviewer", "translator", "editor")))


class TranslationSchema(Strict):
    """A translation entry of package.yaml."""

    language = fields.String(required=True, validate=validate.Regexp(LANGUAGE_PATTERN, error="must be a BCP 47 "
                                                                     "language code such as 'pt' or 'ar'"))
    status = fields.String(required=True, validate=one_of(("complete", "partial", "machine", "planned")))
    reviewed_by = Text(required=False)


class PackageSchema(Strict):
    """package.yaml (every package)."""

    id = Id()
    kind = fields.String(required=True, validate=one_of(PACKAGE_KINDS))
    version = fields.String(required=True, validate=validate.Regexp(
        SEMVER_PATTERN, error="must be a semantic version MAJOR.MINOR.PATCH such as 1.0.0 (not {input!r})"))
    title = Text()
    summary = Text()
    language = fields.String(required=True, validate=validate.Regexp(LANGUAGE_PATTERN, error="must be a BCP 47 "
                                                                     "language code such as 'en'"))
    license = Text()
    authors = fields.List(fields.Nested(AuthorSchema), required=True,
                          validate=validate.Length(min=1, error="needs at least one author"))
    translations = fields.List(fields.Nested(TranslationSchema), load_default=list)


# -- course --------------------------------------------------------------------------------------
class CourseSchema(Strict):
    """course.yaml: course text and module order."""

    title = Text()
    introduction = Text()
    modules = fields.List(Id(), required=True, validate=validate.Length(min=1, error="needs at least one module"))


class ModuleSchema(Strict):
    """module.yaml of one course module."""

    id = Id()
    number = Whole(1, required=True)
    title = Text()
    summary = Text()
    duration_minutes = Whole(1, required=True)
    objectives = TextList(1, required=True)
    content_notes = TextList(load_default=list)
    pages = fields.List(FileName(".md"), required=True,
                        validate=validate.Length(min=1, error="needs at least one page"))
    activity = FileName(".md", required=True)
    quiz = FileName(".yaml", required=True)
    related = fields.List(RefTarget(), load_default=list)
    #: One plain-words statement for the learner's confidence self-assessment ("... to <statement>").
    confidence = Text(required=False, load_default="")


class PageFrontSchema(Strict):
    """Front matter of a learning page."""

    id = Id()
    title = Text()
    content_note = Text(required=False)


class ActivityFrontSchema(PageFrontSchema):
    """Front matter of a module activity."""

    reflection_prompts = TextList(1, required=True)
    case = RefTarget(load_default=None, allow_none=True)
    #: Markdown model answer or commentary, shown once the learner has saved their reflection.
    debrief = Text(required=False)


class ChapterFrontSchema(PageFrontSchema):
    """Front matter of a manual chapter."""

    number = Whole(1, required=True)
    summary = Text()
    related = fields.List(RefTarget(), load_default=list)


# -- quiz ----------------------------------------------------------------------------------------
class OptionSchema(Strict):
    """An option of a choice question."""

    id = Id()
    text = Text()
    correct = Flag(required=True)
    feedback = Text()


class ItemSchema(Strict):
    """An item of an ordering question."""

    id = Id()
    text = Text()


class PairSchema(Strict):
    """A pair of a matching question."""

    id = Id()
    left = Text()
    right = Text()


class QuestionBase(Strict):
    """Fields every scored question has."""

    id = Id()
    type = fields.String(required=True, validate=one_of(QUESTION_TYPES))
    prompt = Text()
    points = Whole(1, load_default=1)
    #: True when the question sets out a practice situation (the bank should be mostly scenarios).
    scenario = Flag(load_default=False)


class ChoiceQuestionSchema(QuestionBase):
    """single_choice and multiple_choice questions."""

    options = fields.List(fields.Nested(OptionSchema), required=True,
                          validate=validate.Length(min=2, error="needs at least 2 options"))

    @validates_schema(skip_on_field_errors=False)
    def _check_correct(self, data: dict[str, Any], **_: Any) -> None:
        options = data.get("options")
        if not options or any("correct" not in o for o in options):
            return
        correct = sum(1 for o in options if o["correct"])
        if data.get("type") == "single_choice" and correct != 1:
            raise ValidationError(f"a single_choice question needs exactly one correct option (found {correct})",
                                  "options")
        if data.get("type") == "multiple_choice" and correct < 1:
            raise ValidationError("a multiple_choice question needs at least one correct option", "options")


class TrueFalseQuestionSchema(QuestionBase):
    """A true_false question."""

    answer = Flag(required=True)
    explanation = Text()


class OrderingQuestionSchema(QuestionBase):
    """An ordering question (items in the correct order)."""

    items = fields.List(fields.Nested(ItemSchema), required=True,
                        validate=validate.Length(min=3, error="needs at least 3 items"))
    feedback = Text()


class MatchingQuestionSchema(QuestionBase):
    """A matching question."""

    pairs = fields.List(fields.Nested(PairSchema), required=True,
                        validate=validate.Length(min=3, error="needs at least 3 pairs"))
    feedback = Text()


class ShortAnswerQuestionSchema(Strict):
    """A short_answer question (self-marked, never scored)."""

    id = Id()
    type = fields.String(required=True, validate=one_of(QUESTION_TYPES))
    prompt = Text()
    model_answer = Text()
    scenario = Flag(load_default=False)


_QUESTION_SCHEMAS: dict[str, Schema] = {
    "single_choice": ChoiceQuestionSchema(), "multiple_choice": ChoiceQuestionSchema(),
    "true_false": TrueFalseQuestionSchema(), "ordering": OrderingQuestionSchema(),
    "matching": MatchingQuestionSchema(), "short_answer": ShortAnswerQuestionSchema(),
}


class QuestionField(fields.Field):
    """A question, validated by the schema of its ``type``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ValidationError("Invalid input type.")
        schema = _QUESTION_SCHEMAS.get(value.get("type"))  # type: ignore[arg-type]
        if schema is None:
            if "type" not in value:
                raise ValidationError({"type": ["Missing data for required field."]})
            raise ValidationError({"type": [f"must be one of: {', '.join(QUESTION_TYPES)} (not {value['type']!r})"]})
        return schema.load(value)


class AttemptsSchema(Strict):
    """Attempt rules of a quiz."""

    max = Whole(1, required=True, allow_none=True)
    keep = fields.String(load_default="highest", validate=one_of(("highest", "latest")))


class QuizSchema(Strict):
    """quiz.yaml of one module."""

    id = Id()
    title = Text()
    pass_mark = fields.Float(required=True, validate=validate.Range(
        min=0, max=1, min_inclusive=False, error="must be a fraction above 0 and at most 1, e.g. 0.7 (not {input})"))
    attempts = fields.Nested(AttemptsSchema, required=True)
    time_limit_minutes = Whole(1, load_default=None, allow_none=True)
    shuffle = Flag(load_default=True)
    #: How many scored questions each attempt draws from the bank (null: every question, every time).
    draw = Whole(1, load_default=None, allow_none=True)
    questions = fields.List(QuestionField(), required=True)

    @validates_schema(skip_on_field_errors=True)
    def _check_draw(self, data: dict[str, Any], **_: Any) -> None:
        draw = data.get("draw")
        scored = sum(1 for q in data.get("questions", []) if q.get("type") in SCORED_TYPES)
        if draw is not None and draw > scored:
            raise ValidationError(f"draws {draw} questions but the bank has only {scored} scored questions", "draw")


# -- manual --------------------------------------------------------------------------------------
class ManualSchema(Strict):
    """manual.yaml: manual text and chapter order."""

    title = Text()
    introduction = Text()
    chapters = fields.List(FileName(".md"), required=True,
                           validate=validate.Length(min=1, error="needs at least one chapter"))


class TermSchema(Strict):
    """A glossary term."""

    id = Id()
    term = Text()
    definition = Text()


class GlossarySchema(Strict):
    """glossary.yaml."""

    terms = fields.List(fields.Nested(TermSchema), required=True)
