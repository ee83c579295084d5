"""The instrument and the fictional case set, read through the content library.

The content library (``app.extensions["r2com"]["content"]``) loads and validates the packages at
startup; these helpers are the assessment's only way in, so views never touch raw YAML.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app, g, has_app_context
from markupsafe import Markup

from ..errors import NotFound


def _library() -> Any:
    return current_app.extensions["r2com"]["content"]


def instrument_package(lang: str | None = None) -> Any:
    """The instrument's package (in ``lang`` where translated): its ``lang`` marks the instrument's texts shown
    on an interface page in another language (``{{ text|content(instrument_package) }}``)."""
    lib = _library()
    for package in lib.packages():
        if package.kind == "instrument":
            return lib.package(package.id, lang)
    return None


def get_instrument(lang: str | None = None) -> Any:
    """Return the instrument; its client-facing texts in ``lang``, or in the person's language while rendering
    something for them (see :func:`.client_language.speaking`).

    The structure (domains, scales, values, ids) is always the source package's; only the texts the person reads
    come from the translation, field by field, with the source text wherever the translation lacks one.
    """
    lang = lang or (g.get("client_language") if has_app_context() else None)
    source = _library().instrument()
    if not lang:
        return source
    translated = _library().instrument(lang)
    if translated is source:
        return source
    key = (id(source), id(translated))
    hit = _MERGED.get(key)
    if hit is None or hit[0] is not source or hit[1] is not translated:  # a reloaded library has new objects
        if len(_MERGED) > 32:
            _MERGED.clear()
        hit = _MERGED[key] = (source, translated, _merged(source, translated))
    return hit[2]


#: (source, translation) object ids -> (source, translation, merged instrument); labels ask for it many times a page.
_MERGED: dict[tuple[int, int], tuple[Any, Any, Any]] = {}


def _text(ours: Any, theirs: Any) -> Any:
    return theirs if isinstance(theirs, str) and theirs.strip() else ours


def _texts(ours: Any, theirs: Any, *names: str) -> Any:
    """``ours`` with the named text fields taken from ``theirs`` where it has them (``theirs`` may be None)."""
    if theirs is None:
        return ours
    return dataclasses.replace(ours, **{name: _text(getattr(ours, name), getattr(theirs, name)) for name in names})


def _merged(source: Any, translated: Any) -> Any:
    """The source instrument with the translation's client-facing texts laid over it, field by field."""
    def values(ours: tuple[Any, ...], theirs: tuple[Any, ...]) -> tuple[Any, ...]:
        by_value = {str(v.value): v for v in theirs}
        return tuple(_texts(v, by_value.get(str(v.value)), "label", "description") for v in ours)

    t_domains = {d.id: d for d in translated.domains}
    t_types = {o.id: o for o in translated.occasion_types}
    t_scales = translated.scales
    return dataclasses.replace(
        _texts(source, translated, "client_title", "statement"),
        domains=tuple(_texts(d, t_domains.get(d.id), "title", "client_title", "client_prompt") for d in source.domains),
        scales={name: scale if name not in t_scales else dataclasses.replace(
            scale, values=values(scale.values, t_scales[name].values)) for name, scale in source.scales.items()},
        occasion_types=tuple(_texts(o, t_types.get(o.id), "label") for o in source.occasion_types),
        information_sources=values(source.information_sources, translated.information_sources))


def reading_language() -> str | None:
    """The language a learner reads the fictional cases in: the interface's (the case set's source where the case
    set has no such translation)."""
    from flask import has_request_context

    from ..i18n import interface_language

    return interface_language() if has_request_context() else None


def get_cases(lang: str | None = None) -> dict[str, Any]:
    """Return the fictional cases by id, in file order, in ``lang`` where the case set has that translation."""
    return {c.id: c for c in _library().case_set(lang).cases}


def get_case(case_id: str, lang: str | None = None) -> Any:
    """Return one fictional case (in ``lang`` where translated) or raise NotFound."""
    case = get_cases(lang).get(str(case_id))
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
