"""Field-level translations: a partial YAML file is laid over its source; the instrument's client texts in nine
languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.content.catalog import scan
from lti_tool.content.coverage import client_paths, client_texts, coverage
from lti_tool.content.library import load_library
from lti_tool.content.overlay import show_path, value_at
from lti_tool.content.rules import FORBIDDEN_LABEL_WORDS
from lti_tool.content.sources import parse_yaml
from lti_tool.wordlists import LANGUAGES
from support import drop_app, make_app

from .conftest import edit, issues_of

SHIPPED = Path(__file__).resolve().parents[2] / "content_packages"
FILE = "demo-instrument/i18n/fr/instrument.yaml"
PARTIAL = """\
client_title: Mon plan d'accompagnement
scales:
  client_view:
    - {value: "3", label: J'ai besoin d'aide maintenant}
domains:
  - id: income
    client_prompt: Comment ça va pour l'argent ?
"""


def _translate(tree: Path, text: str, status: str = "partial") -> None:
    edit(tree / "demo-instrument/package.yaml", "translations: []",
         f"translations:\n  - {{language: fr, status: {status}}}")
    target = tree / FILE
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")


# -- the merge ---------------------------------------------------------------------------------------
def test_a_partial_file_is_laid_over_its_source(tree: Path) -> None:
    _translate(tree, PARTIAL)
    library = load_library(tree)  # raises if there is any issue
    fr = library.instrument("fr")
    assert fr.client_title == "Mon plan d'accompagnement"
    assert fr.title == "Demo profile" and fr.statement == "This is a support plan agreed with the person."
    income = fr.domain("income")
    assert income.client_prompt == "Comment ça va pour l'argent ?"
    assert (income.client_title, income.title, income.need_prompts) == ("About income", "Domain income",
                                                                        ("One?", "Two?", "Three?"))
    assert [d.id for d in fr.domains] == ["housing", "income", "children-caring"]  # the source's order and ids
    assert fr.domain("housing").client_prompt == "How is housing for you?"
    labels = [v.label for v in fr.scales["client_view"].values]
    assert labels[3] == "J'ai besoin d'aide maintenant" and labels[0] == "This is fine for me now"
    assert len(fr.domain("income").suggestions) == 2


@pytest.mark.parametrize(("text", "expected"), [
    (PARTIAL.replace("id: income", "id: incomes"),
     f"{FILE}:6: domains[incomes].id: id 'incomes' is not in the source file (translations keep the source ids)"),
    (PARTIAL.replace("    client_prompt:", "    client_promt:"),
     f"{FILE}:7: domains[income].client_promt: unknown key 'client_promt': the source file has no such field here "
     "(translations keep the source keys)"),
    (PARTIAL + "subtitle: Profil\n",
     f"{FILE}:8: subtitle: unknown key 'subtitle': the source file has no such field here (translations keep the "
     "source keys)"),
    (PARTIAL.replace('value: "3"', 'value: "4"'),
     f"{FILE}:4: scales.client_view[1].value: value '4' is not in the source file (translations keep the source "
     "ids)"),
    (PARTIAL + "  - id: income\n    client_title: Argent\n",
     f"{FILE}:8: domains[income].id: id 'income' is translated twice in this list"),
    (PARTIAL + "    number: 7\n",
     f"{FILE}:8: domains[income].number: must stay 2 as in the source file (translations change only text)"),
    (PARTIAL.replace("client_title: Mon plan d'accompagnement", "client_title: [Mon plan]"),
     f"{FILE}:1: client_title: must be a single value (text), as in the source file"),
    (PARTIAL + "occasion_types: {id: pre-release, label: Avant}\n",
     f"{FILE}:8: occasion_types: must be a list, as in the source file"),
    (PARTIAL + "    suggestions:\n      - need: [\"3\"]\n",
     f"{FILE}:8: domains[income].suggestions: has 1 entries; the source file has 2"),
])
def test_a_wrong_id_key_or_shape_names_the_file_and_field(tree: Path, text: str, expected: str) -> None:
    _translate(tree, text)
    issues = issues_of(tree)
    assert expected in issues, issues


def test_a_complete_translation_must_give_every_text(tree: Path) -> None:
    _translate(tree, PARTIAL, status="complete")
    issues = issues_of(tree)
    assert f"{FILE}:1: id 'housing' of the source file is missing from the translation" in issues
    assert f"{FILE}:1: statement: is not translated: a translation that is not declared status: partial gives " \
           "every text of its source file" in issues
    assert f"{FILE}:1: domains[income].guidance: is not translated: a translation that is not declared status: " \
           "partial gives every text of its source file" in issues


def test_coverage_names_missing_client_texts(tree: Path) -> None:
    _translate(tree, PARTIAL)
    (report,) = coverage(scan(tree).packages["demo-instrument"])
    assert (report.language, report.status, report.missing_files) == ("fr", "partial", ())
    assert report.client_missing == (
        "statement", "scales.client_view[0].label", "scales.client_view[1].label", "scales.client_view[2].label",
        "scales.client_view[prefer_not_to_say].label", "scales.client_view[not_asked].label",
        "domains[housing].client_title", "domains[housing].client_prompt", "domains[income].client_title",
        "domains[children-caring].client_title", "domains[children-caring].client_prompt")
    lines = list(report.lines())
    assert lines[0].startswith("    instrument.yaml: 3 of ")
    texts = client_texts(scan(tree).packages["demo-instrument"], "fr")
    assert texts["client_title"] == ("Mon plan d'accompagnement", "fr")
    assert texts["statement"] == ("This is a support plan agreed with the person.", "en")


def test_validate_reports_what_each_translation_leaves_in_english(content_app, tree: Path) -> None:
    _translate(tree, PARTIAL)
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("  demo-instrument fr (partial): 1 of 1 files translated")
    assert lines[at + 1] == "    not stamped (1): instrument.yaml"
    assert lines[at + 2].startswith("    instrument.yaml: 3 of ")
    assert lines[at + 3].startswith("    client texts missing: statement, scales.client_view[0].label")


@pytest.fixture
def app_with(tmp_path: Path, tree: Path):
    """Start an app on the fixture tree once the test has written its translation."""
    apps = []

    def start():
        apps.append(make_app(tmp_path, CONTENT_DIR=str(tree)))
        return apps[-1]

    yield start
    for app in apps:
        drop_app(app)


def test_practitioners_never_get_a_partial_instrument(app_with, tree: Path) -> None:
    from lti_tool.assessment import instrument as inst

    _translate(tree, PARTIAL)
    with app_with().app_context():
        assert inst.get_instrument("fr").client_title == "My support plan"  # partial: the English instrument
        assert inst.get_instrument().client_title == "My support plan"
        assert inst.client_texts("fr-FR")["client_title"] == ("Mon plan d'accompagnement", "fr")
        assert inst.client_texts("fr")["domains[housing].client_prompt"] == ("How is housing for you?", "en")
        assert inst.client_texts("de")["client_title"] == ("My support plan", "en")


def test_practitioners_get_a_complete_instrument_in_their_language(app_with, tree: Path) -> None:
    from lti_tool.assessment import instrument as inst

    full = (tree / "demo-instrument/instrument.yaml").read_text(encoding="utf-8")
    _translate(tree, full.replace("client_title: My support plan", "client_title: Mon plan d'accompagnement"),
               status="complete")
    with app_with().app_context():
        assert inst.get_instrument("fr").client_title == "Mon plan d'accompagnement"
        assert inst.get_instrument().client_title == "My support plan"


# -- the shipped instrument ------------------------------------------------------------------------
def _shipped_raw(rel: str) -> object:
    return parse_yaml((SHIPPED / "r2com-instrument" / rel).read_text(encoding="utf-8"))[0]


def test_every_client_text_of_the_instrument_is_in_the_nine_languages() -> None:
    source = _shipped_raw("instrument.yaml")
    paths = client_paths(source)
    assert len(paths) == 2 + 6 + 2 * 12  # title, statement, six client_view labels, two texts per domain
    loaded = scan(SHIPPED).packages["r2com-instrument"]
    assert set(LANGUAGES) == {loaded.package.language, *loaded.translations}, "a client language is not declared"
    missing = {report.language: report.client_missing for report in coverage(loaded)}
    for lang in LANGUAGES:
        if lang == loaded.package.language:
            assert all(str(value_at(source, p)[1] or "").strip() for p in paths)
            continue
        assert missing[lang] == (), f"{lang}: no client text for {', '.join(missing[lang])}"
        texts = client_texts(loaded, lang)
        english = client_texts(loaded, "en")
        same = [field for field, (text, written_in) in texts.items()
                if written_in != lang or text == english[field][0]]
        assert not same, f"{lang}: still English: {same}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_client_texts_pass_the_stigma_label_check(lang: str) -> None:
    # The statement says the plan "is not a risk assessment": it names the word to deny it, so it is exempt.
    loaded = scan(SHIPPED).packages["r2com-instrument"]
    flagged = {field: match.group(0) for field, (text, _) in client_texts(loaded, lang).items()
               if field != "statement" and (match := FORBIDDEN_LABEL_WORDS.search(text))}
    assert not flagged


def test_the_full_translations_are_complete() -> None:
    loaded = scan(SHIPPED).packages["r2com-instrument"]
    reports = {r.language: r for r in coverage(loaded)}
    for lang in ("fr", "pt"):
        assert reports[lang].status == "complete"
        assert not reports[lang].missing_files and not reports[lang].partly_translated
    for lang in ("it", "sq", "sv", "bg", "hu", "ar"):
        assert reports[lang].status == "partial"
        translated = _shipped_raw(f"i18n/{lang}/instrument.yaml")
        given = {show_path(p) for p in client_paths(_shipped_raw("instrument.yaml")) if value_at(translated, p)[0]}
        assert len(given) == 32
