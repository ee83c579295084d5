"""Every fictional person is named once across all packages: the NAMES.yaml registry and its check."""

from __future__ import annotations

from pathlib import Path

import yaml

from lti_tool.content.names import FIRST_NAMES, REGISTRY, check_names

from .conftest import edit

SHIPPED = Path(__file__).resolve().parents[2] / "content_packages"
CHAPTER = "demo-manual/chapters/01-first-steps.md"


def _messages(tree: Path) -> list[str]:
    return [str(issue) for issue in check_names(tree)]


def test_the_shipped_packages_name_every_person_once() -> None:
    assert _messages(SHIPPED) == []
    people = yaml.safe_load((SHIPPED / REGISTRY).read_text(encoding="utf-8"))["people"]
    names = [p["name"] for p in people]
    assert len(names) == len(set(names)) > 70
    # The names the review found reused now belong to one person each, and the cases keep theirs.
    files = {p["name"]: p["files"] for p in people}
    for name in ("Ines", "Viktor", "Marta", "Jonas", "Kevin", "Leila"):
        assert any(f.startswith("r2com-cases/") for f in files[name]), name
    assert all(f == "r2com-manual/chapters/03-before-release.md" for f in files["Tomasz"])
    assert files["Yusuf"] == ["r2com-course/modules/m07-ideology-identity/03-meaning-and-belonging.md"]
    assert "Noor" not in files and "Tomas" not in files  # "Tomas" was too close to "Tomasz"


def test_the_fixture_tree_passes(tree: Path) -> None:
    assert _messages(tree) == []


def test_a_second_person_with_a_registered_name_is_reported(tree: Path) -> None:
    edit(tree / CHAPTER, "Meet the person at the gate", "Alex, 40, is another client. Meet the person at the gate")
    assert _messages(tree) == [
        f"{CHAPTER}: names 'Alex', but NAMES.yaml gives that name to 'the person in the fixture case c01, used by "
        "the m01 activity' in other files: if this is another person, give them a name no one else has"]


def test_two_entries_with_one_name_are_reported(tree: Path) -> None:
    registry = tree / REGISTRY
    registry.write_text(registry.read_text(encoding="utf-8") + (
        "  - name: Alex\n    who: a practitioner\n    files:\n      - " + CHAPTER + "\n"), encoding="utf-8")
    edit(tree / CHAPTER, "Meet the person at the gate", "Alex, a practitioner, says: meet the person at the gate")
    messages = _messages(tree)
    assert len(messages) == 1 and messages[0].startswith("NAMES.yaml: Alex: the name 'Alex' is used for 2 different people")


def test_a_common_first_name_without_an_entry_is_reported(tree: Path) -> None:
    assert "Marta" in FIRST_NAMES
    edit(tree / CHAPTER, "Meet the person at the gate", "Marta, 39, is a client. Meet the person at the gate")
    assert _messages(tree) == [f"{CHAPTER}: names 'Marta', who has no entry in NAMES.yaml: add one (or choose a name "
                               "no one else has)"]


def test_a_case_person_needs_an_entry_and_stale_files_are_reported(tree: Path) -> None:
    (tree / REGISTRY).write_text("people:\n  - name: Alex\n    who: a client\n    files:\n      - " + CHAPTER + "\n",
                                 encoding="utf-8")
    messages = _messages(tree)
    assert "demo-cases/cases/c01-alex.yaml: person.pseudonym: 'Alex' has no entry in NAMES.yaml that lists this case" \
        in messages
    assert f"NAMES.yaml: Alex: {CHAPTER} does not name 'Alex' (any more): remove it from the entry" in messages
    assert any(m.startswith("demo-course/modules/m01-basics/activity.md: names 'Alex', but") for m in messages)


def test_a_missing_or_malformed_registry_is_reported(tree: Path) -> None:
    (tree / REGISTRY).write_text("people:\n  - name: Alex\n", encoding="utf-8")
    assert "NAMES.yaml: people[0]: each entry needs a name, a one-line 'who' and a list of files" in _messages(tree)
    (tree / REGISTRY).unlink()
    assert _messages(tree)[0].startswith("NAMES.yaml: the registry of fictional names is missing")


def test_validate_fails_on_a_reused_name(content_app, tree: Path) -> None:
    edit(tree / CHAPTER, "Meet the person at the gate", "Alex, 40, is another client. Meet the person at the gate")
    result = content_app.test_cli_runner().invoke(args=["content", "validate"])
    assert result.exit_code == 1
    assert f"{CHAPTER}: names 'Alex', but NAMES.yaml gives that name to" in result.output


def test_a_translation_names_the_people_of_its_source_file(tree: Path) -> None:
    # The fixture case c01's person is Alex; a French case file keeps the person and needs no registry entry.
    source = tree / "demo-cases/cases/c01-alex.yaml"
    translated = tree / "demo-cases/i18n/fr/cases/c01-alex.yaml"
    translated.parent.mkdir(parents=True)
    translated.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert _messages(tree) == []
    # A person the source file does not name is still a second person with that name.
    chapter_fr = tree / "demo-manual/i18n/fr" / CHAPTER.split("/", 1)[1]
    chapter_fr.parent.mkdir(parents=True)
    chapter_fr.write_text("---\nid: first-steps\ntitle: Premiers pas\n---\n\nAlex, 40, est un autre client.\n",
                          encoding="utf-8")
    assert _messages(tree) == [
        f"demo-manual/i18n/fr/{CHAPTER.split('/', 1)[1]}: names 'Alex', but NAMES.yaml gives that name to 'the person "
        "in the fixture case c01, used by the m01 activity' in other files: if this is another person, give them a "
        "name no one else has"]
