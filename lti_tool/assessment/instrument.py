"""The instrument and the fictional case set, read through the content library.

The content library (``app.extensions["r2com"]["content"]``) loads and validates the packages at
startup; these helpers are the assessment's only way in, so views never touch raw YAML.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import Markup

from ..errors import NotFound


def _library() -> Any:
    return current_app.extensions["r2com"]["content"]


def get_instrument(lang: str | None = None) -> Any:
    """Return the instrument for the practitioner's screens: in ``lang`` only where that translation is complete.

    A partial translation (the client texts only, FORMAT.md "Translations") leaves its guidance, prompts and
    scale labels in English; shown as the instrument "in" that language it would pass English off as
    translated, so practitioners get the source (English) instrument instead. Without ``lang``: the source.
    """
    library = _library()
    instrument = library.instrument(lang)
    if lang and library.package(_package_id(), lang).status not in ("source", "complete"):
        return library.instrument()
    return instrument


def client_texts(lang: str | None) -> dict[str, tuple[str, str]]:
    """Return what the client reads of the instrument, in ``lang``: field path -> (text, its language).

    The paths are ``client_title``, ``statement``, ``domains[<id>].client_title``, ``domains[<id>].client_prompt``
    and ``scales.client_view[<value>].label``. A text the translation does not give comes back in the source
    language with that language's code, so a printout can mark it with its own ``lang``.
    """
    from ..content.coverage import client_texts as texts

    library = _library()
    loaded = library.loaded(_package_id())
    pick = lang if lang in loaded.translations else (lang or "").split("-", 1)[0]
    return texts(loaded, pick)


def _package_id() -> str:
    return next(p.id for p in _library().packages() if p.kind == "instrument")


def get_cases() -> dict[str, Any]:
    """Return the fictional cases by id, in file order."""
    return {c.id: c for c in _library().case_set().cases}


def get_case(case_id: str) -> Any:
    """Return one fictional case or raise NotFound."""
    case = get_cases().get(str(case_id))
    if case is None or not case.fictional:
        raise NotFound(code="case_not_found")
    return case


def domain_ids() -> list[str]:
    """Return the instrument's domain ids in interview order."""
    return [d.id for d in get_instrument().domains]


def scale(name: str) -> tuple[Any, ...]:
    """Return the values of a scale (need, strength, client_view, agreement, discussed)."""
    return tuple(get_instrument().scales[name].values)


def values(name: str) -> list[str]:
    """Return the allowed values of a scale, or of ``information_sources``."""
    if name == "information_sources":
        return [str(o.value) for o in get_instrument().information_sources]
    return [str(o.value) for o in scale(name)]


def label(name: str, value: Any) -> str:
    """Return the label of a scale value (or of an occasion type / information source)."""
    if name == "occasion_types":
        options: Any = get_instrument().occasion_types
        return next((o.label for o in options if o.id == value), str(value))
    options = get_instrument().information_sources if name == "information_sources" else scale(name)
    return next((o.label for o in options if str(o.value) == str(value)), "")


def html(fragment: str) -> Markup:
    """Return a content HTML fragment (already sanitised by the library) ready for a template."""
    return _library().html(fragment)
