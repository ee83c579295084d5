"""Field helpers and constants shared by the content schemas."""

from __future__ import annotations

from typing import Any, Mapping

from marshmallow import RAISE, Schema, fields, validate

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SEMVER_PATTERN = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
REF_TARGET_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$"
PACKAGE_KINDS = ("course", "manual", "instrument", "case-set")
QUESTION_TYPES = ("single_choice", "multiple_choice", "true_false", "ordering", "matching", "short_answer")
SCORED_TYPES = frozenset(QUESTION_TYPES) - {"short_answer"}
LEVELS = ("individual", "relationship", "community", "societal")
CASE_CONTEXTS = ("far-right", "islamist", "far-left", "single-issue", "unclear", "mixed")
#: The values each instrument scale must have, in this order (the assessment code relies on them).
SCALE_VALUES: Mapping[str, tuple[str, ...]] = {
    "need": ("0", "1", "2", "3", "not_known"),
    "strength": ("0", "1", "2", "not_known"),
    "client_view": ("0", "1", "2", "3", "prefer_not_to_say", "not_asked"),
    "agreement": ("agree", "partly", "disagree"),
    "discussed": ("discussed", "not_yet", "client_declined"),
}


def one_of(choices: tuple[str, ...]) -> validate.OneOf:
    """Return a OneOf validator whose message lists the choices."""
    return validate.OneOf(choices, error="must be one of: " + ", ".join(choices) + " (not {input!r})")


def Id(**kwargs: Any) -> fields.String:
    """Return a required id field (lower-case a-z0-9 and single hyphens)."""
    return fields.String(required=True, validate=validate.Regexp(
        ID_PATTERN, error="must be lower-case letters, digits and single hyphens, e.g. 'release-day' (not {input!r})"),
        **kwargs)


def Text(required: bool = True, **kwargs: Any) -> fields.String:
    """Return a text field that may not be blank."""
    if not required:
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
    return fields.String(required=required, validate=validate.Length(min=1, error="must not be empty"), **kwargs)


def Whole(minimum: int | None = None, maximum: int | None = None, **kwargs: Any) -> fields.Integer:
    """Return a strict integer field (``"3"`` in quotes is refused)."""
    rng = validate.Range(min=minimum, max=maximum, error="must be between {min} and {max} (not {input})"
                         if maximum is not None else "must be at least {min} (not {input})")
    return fields.Integer(strict=True, validate=rng, **kwargs)


def Flag(**kwargs: Any) -> fields.Boolean:
    """Return a boolean that accepts only YAML true/false."""
    return fields.Boolean(truthy={True}, falsy={False}, **kwargs)


def FileName(suffix: str, **kwargs: Any) -> fields.String:
    """Return a file name field: a plain name in the same folder, with the given suffix."""
    pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*\." + suffix.lstrip(".") + "$"
    return fields.String(validate=validate.Regexp(
        pattern, error=f"must be a file name in the same folder ending in {suffix} (not {{input!r}})"), **kwargs)


def RefTarget(**kwargs: Any) -> fields.String:
    """Return a ``package-id/item-id`` reference field."""
    return fields.String(validate=validate.Regexp(
        REF_TARGET_PATTERN, error="must be package-id/item-id, e.g. r2com-manual/release-day (not {input!r})"),
        **kwargs)


def TextList(minimum: int = 0, **kwargs: Any) -> fields.List:
    """Return a list of non-empty texts with at least ``minimum`` entries."""
    if minimum:
        kwargs["validate"] = validate.Length(min=minimum, error=f"needs at least {minimum} entries")
    return fields.List(Text(), **kwargs)


class Strict(Schema):
    """Base: unknown fields are errors."""

    class Meta:
        unknown = RAISE
