"""Rules that look across fields: duplicate ids, the instrument's no-scoring rules, cases, translations."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from ..wordlists import INFIX_LANGUAGES, STIGMA_LABEL_STEMS, all_words

Report = Callable[[tuple[Any, ...], str], None]

FORBIDDEN_FIELD_PARTS = ("score", "total", "risk", "level_of_risk", "weight", "average")
#: DP-17: words a scale label must not contain, in every partner language (see lti_tool.wordlists).
FORBIDDEN_LABEL_WORDS = re.compile(
    r"(?:\b(?:%s)|(?:%s))\w*" % (
        "|".join(re.escape(w) for lang, w in all_words(STIGMA_LABEL_STEMS) if lang not in INFIX_LANGUAGES),
        "|".join(re.escape(w) for lang, w in all_words(STIGMA_LABEL_STEMS) if lang in INFIX_LANGUAGES)),
    re.IGNORECASE)
#: Values a translation must keep exactly as in the source file (everything else is text).
NON_TEXT_KEYS = frozenset({
    "id", "type", "number", "correct", "answer", "points", "pass_mark", "max", "keep", "time_limit_minutes",
    "shuffle", "draw", "scenario", "optional", "level", "need", "strength", "value", "fictional", "context", "age", "pages",
    "activity", "quiz", "related", "case", "modules", "chapters", "max_priorities",
})


def check_sibling_ids(data: Any, report: Report, path: tuple[Any, ...] = ()) -> None:
    """Report list items whose ``id`` repeats an earlier item of the same list."""
    if isinstance(data, dict):
        for key, value in data.items():
            check_sibling_ids(value, report, path + (key,))
    elif isinstance(data, list):
        seen: dict[str, int] = {}
        for index, item in enumerate(data):
            item_id = item.get("id") if isinstance(item, dict) else None
            if isinstance(item_id, str):
                if item_id in seen:
                    report(path + (index, "id"), f"duplicate id {item_id!r} (also used by item {seen[item_id] + 1} "
                                                 "of this list)")
                else:
                    seen[item_id] = index
            check_sibling_ids(item, report, path + (index,))


def check_forbidden_fields(data: Any, report: Report, path: tuple[Any, ...] = ()) -> None:
    """Report any field whose name is or contains score, total, risk, level_of_risk, weight or average."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = str(key).lower()
            bad = [part for part in FORBIDDEN_FIELD_PARTS if part in name]
            if bad and not path[-1:] == ("reference_profile",):
                report(path + (key,), f"field name {key!r} is not allowed: the profile never scores, totals, weighs "
                                      f"or rates risk (contains {bad[0]!r})")
            check_forbidden_fields(value, report, path + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            check_forbidden_fields(item, report, path + (index,))


def check_instrument(raw: Any, report: Report) -> None:
    """Apply FORMAT.md §5: no scoring fields, neutral scale labels, need values from the scale, <= 1 optional."""
    check_forbidden_fields(raw, report)
    scales = raw.get("scales") if isinstance(raw, dict) else None
    need_values: set[str] = set()
    if isinstance(scales, dict):
        for name, rows in scales.items():
            for index, row in enumerate(rows if isinstance(rows, list) else []):
                label = row.get("label") if isinstance(row, dict) else None
                if isinstance(label, str) and (match := FORBIDDEN_LABEL_WORDS.search(label)):
                    report(("scales", name, index, "label"), f"scale label {label!r} must not contain the word "
                                                             f"{match.group(0)!r}: labels describe support needed")
                if name == "need" and isinstance(row, dict) and isinstance(row.get("value"), str):
                    need_values.add(row["value"])
    domains = raw.get("domains") if isinstance(raw, dict) else None
    if not isinstance(domains, list):
        return
    optional = [i for i, d in enumerate(domains) if isinstance(d, dict) and d.get("optional") is True]
    for index in optional[1:]:
        report(("domains", index, "optional"), "only one domain may be optional (the children-and-caring domain); "
                                               f"{len(optional)} are")
    numbers: dict[Any, int] = {}
    for d_index, domain in enumerate(domains):
        if not isinstance(domain, dict):
            continue
        if domain.get("number") in numbers:
            report(("domains", d_index, "number"), f"number {domain.get('number')} is used twice")
        numbers[domain.get("number")] = d_index
        suggestions = domain.get("suggestions")
        for s_index, row in enumerate(suggestions if isinstance(suggestions, list) else []):
            needs = row.get("need") if isinstance(row, dict) else None
            for n_index, value in enumerate(needs if isinstance(needs, list) else []):
                if need_values and value not in need_values:
                    report(("domains", d_index, "suggestions", s_index, "need", n_index),
                           f"{value!r} is not a value of the need scale ({', '.join(sorted(need_values))})")


def check_case_profile(raw: Any, domains: dict[str, bool], need: Iterable[str], strength: Iterable[str],
                       report: Report) -> None:
    """Check a case's reference profile against the instrument: every required domain, values from the scales."""
    check_forbidden_fields(raw, report)
    profile = raw.get("reference_profile") if isinstance(raw, dict) else None
    if not isinstance(profile, dict):
        return
    missing = [d for d, optional in domains.items() if not optional and d not in profile]
    if missing:
        report(("reference_profile",), f"no rating for instrument domain(s) {', '.join(missing)}: the reference "
                                       "profile covers every domain that is not optional")
    need, strength = tuple(need), tuple(strength)
    for key, rating in profile.items():
        if key not in domains:
            report(("reference_profile", key), f"{key!r} is not a domain of the instrument "
                                               f"({', '.join(domains)})")
            continue
        if not isinstance(rating, dict):
            continue
        for field, scale in (("need", need), ("strength", strength)):
            value = rating.get(field)
            if isinstance(value, str) and value not in scale:
                report(("reference_profile", key, field), f"{value!r} is not a value of the {field} scale "
                                                          f"({', '.join(scale)})")


def collect_ids(data: Any) -> list[str]:
    """Return every value of an ``id`` key, depth first."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "id" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(collect_ids(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(collect_ids(item))
    return found


def check_translation(source: Any, translated: Any, report: Report) -> None:
    """Check that a translated file keeps every id and every non-text value of its source."""
    source_ids, translated_ids = collect_ids(source), collect_ids(translated)
    for item_id in source_ids:
        if item_id not in translated_ids:
            report((), f"id {item_id!r} of the source file is missing from the translation")
    for item_id in translated_ids:
        if item_id not in source_ids:
            report((), f"id {item_id!r} is not in the source file (translations keep the source ids)")
    _compare(source, translated, report, ())


def _compare(source: Any, translated: Any, report: Report, path: tuple[Any, ...]) -> None:
    if isinstance(source, dict) and isinstance(translated, dict):
        for key, value in translated.items():
            if key not in source:
                continue
            if key == "id":
                continue  # ids are compared as sets above
            if key in NON_TEXT_KEYS and value != source[key]:
                report(path + (key,), f"must stay {source[key]!r} as in the source file (translations change only "
                                      "text)")
            elif key not in NON_TEXT_KEYS:
                _compare(source[key], value, report, path + (key,))
    elif isinstance(source, list) and isinstance(translated, list):
        if len(source) != len(translated) and any(isinstance(item, dict) for item in source):
            report(path, f"has {len(translated)} entries; the source file has {len(source)}")
        for index, (a, b) in enumerate(zip(source, translated)):
            _compare(a, b, report, path + (index,))
