"""The cases added for issue 12 item 6 reward judgement and name people used nowhere else.

A file may mention a case's person only if it links to that case (``ref:r2com-cases/<case-id>``).

The scoring rule is the one documented in FORMAT.md §6 for case exercises: per domain, need 2 points for the
reference value and 1 for one step away on 0-3 ("not known" only matches itself), strengths 1 point for the
reference value, evidence note up to 3 points. A profile with the same need and strength in every domain and
empty notes must score under 40 % of the maximum.
"""

from __future__ import annotations

import itertools
import re

import pytest

from lti_tool.config import PROJECT_ROOT
from lti_tool.content.library import load_library

SHIPPED = PROJECT_ROOT / "content_packages"
NEW_CASES = ("c06-mimoza", "c07-tibor", "c08-etienne", "c09-krasimir")
UNIFORM_LIMIT = 0.4


def uniform_share(profile, need: str, strength: str) -> float:
    points = 0
    for rating in profile.values():
        if need == rating.need:
            points += 2
        elif need.isdigit() and rating.need.isdigit() and abs(int(need) - int(rating.need)) == 1:
            points += 1
        points += int(strength == rating.strength)
    return points / (6 * len(profile))


@pytest.fixture(scope="module")
def library():
    return load_library(SHIPPED)


@pytest.mark.parametrize("case_id", NEW_CASES)
def test_a_uniform_answer_scores_under_40_percent(library, case_id: str) -> None:
    case = library.case(case_id)
    instrument = library.instrument()
    needs = instrument.scales["need"].value_ids
    strengths = instrument.scales["strength"].value_ids
    shares = {(n, s): uniform_share(case.reference_profile, n, s) for n, s in itertools.product(needs, strengths)}
    best = max(shares, key=shares.__getitem__)
    assert shares[best] < UNIFORM_LIMIT, f"{case_id}: need {best[0]} / strength {best[1]} everywhere scores {shares[best]:.0%}"


def test_the_uniform_check_can_fail(library) -> None:
    profile = library.case("c06-mimoza").reference_profile
    flat = {k: type(v)("2", "1", v.key_facts, v.reason) for k, v in profile.items()}
    assert uniform_share(flat, "2", "1") == 0.5


@pytest.mark.parametrize("case_id", NEW_CASES)
def test_reference_profiles_show_judgement(library, case_id: str) -> None:
    case = library.case(case_id)
    profile = case.reference_profile
    required = [d.id for d in library.instrument().domains if not d.optional]
    assert all(d in profile for d in required)
    assert all(r.reason for r in profile.values()), "every domain says what the reference saw and why"
    assert any("not_known" in (r.need, r.strength) for r in profile.values()), "silence in the story is 'not known'"
    assert len({r.need for r in profile.values()}) >= 3 and len({r.strength for r in profile.values()}) >= 3
    assert case.fictional and 400 <= case.words <= 900


def test_each_new_case_is_offered_as_a_graded_exercise(tmp_path) -> None:
    """The picker and the training home list every case of the case set as a fictional-case exercise."""
    from support import drop_app, make_app

    from lti_tool.training.catalog import describe
    from lti_tool.training.constants import Item, ItemKind

    app = make_app(tmp_path, CONTENT_DIR=str(SHIPPED))
    try:
        with app.test_request_context():
            for case_id in NEW_CASES:
                title, summary = describe(Item(ItemKind.CASE_EXERCISE, case_id))
                assert title.startswith("Fictional case exercise:") and summary
    finally:
        drop_app(app)


@pytest.mark.parametrize("case_id", NEW_CASES)
def test_new_case_names_are_used_for_no_one_else(library, case_id: str) -> None:
    case = library.case(case_id)
    names = {case.person.pseudonym} | set(re.findall(r"(?:partner|son|daughter|wife), ([A-Z][a-z]+),", case.story_html))
    own = SHIPPED / "r2com-cases" / case.file
    translations = set((SHIPPED / "r2com-cases" / "i18n").glob(f"*/{case.file}"))  # the same case, translated
    for path in SHIPPED.rglob("*"):
        if path.suffix not in (".md", ".yaml") or path == own or path in translations or path.name == "NAMES.yaml":
            continue  # NAMES.yaml is the registry that lists every name once (tests/content/test_names.py)
        text = path.read_text(encoding="utf-8")
        if f"ref:r2com-cases/{case_id}" in text:
            continue  # the file talks about this case (trainer notes) and links to it
        for name in names:
            assert not re.search(rf"\b{re.escape(name)}\b", text), f"{name} ({case_id}) is also used in {path}"
