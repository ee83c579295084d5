"""``flask --app wsgi content ...``: validate packages and show what is installed."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .errors import ContentPackageError
from .library import ContentLibrary, PackageCounts, check_tree

content_cli = AppGroup("content", help="Content packages: the course, the manual, the instrument and the cases.")


def _content_dir() -> Path:
    return Path(current_app.config["R2COM"]["CONTENT_DIR"])


@content_cli.command("validate")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
def validate_command(path: Path | None) -> None:
    """Check every package in PATH (default: CONTENT_DIR), or one package folder; list every problem."""
    started = time.perf_counter()
    target = path or _content_dir()
    library, issues = check_tree(target, _content_dir())
    elapsed = (time.perf_counter() - started) * 1000
    if issues:
        for issue in issues:
            click.echo(str(issue))
        files = len({issue.file for issue in issues})
        click.echo(f"\n{len(issues)} problem{'s' if len(issues) != 1 else ''} in {files} "
                   f"file{'s' if files != 1 else ''}. The app will not start until they are fixed.", err=True)
        raise SystemExit(1)
    assert library is not None
    from .names import REGISTRY, check_names
    from .quality import check_quality, report_lines, translated_quiz_issues

    quality = check_quality(library.packages())
    single = (target / "package.yaml").is_file()
    problems = [i for i in [*quality.issues, *translated_quiz_issues(library)]
                if not single or i.file.split("/", 1)[0] == target.name]
    # Names are checked across the whole tree: one person per name in every package together.
    # A lone package folder is checked with the tree it sits in, or else with the installed tree.
    names_root = target if not single else target.parent if (target.parent / REGISTRY).is_file() else _content_dir()
    problems += [i for i in check_names(names_root)
                 if not single or i.file.split("/", 1)[0] in (target.name, REGISTRY)]
    if problems:
        for line in report_lines(quality):
            click.echo(line)
        for issue in problems:
            click.echo(str(issue))
        click.echo(f"\n{len(problems)} training-quality problem{'s' if len(problems) != 1 else ''}: the packages "
                   "load, but fix these before publishing them.", err=True)
        raise SystemExit(1)
    if single:
        package = library.package(target.name)
        others = ", ".join(p.id for p in library.packages() if p.id != package.id) or "none"
        click.echo(f"OK: {package.id} {package.version} is valid (references checked against: {others}) in "
                   f"{elapsed:.0f} ms.")
    else:
        packages = ", ".join(f"{p.id} {p.version}" for p in library.packages())
        click.echo(f"OK: {len(library.packages())} packages valid ({packages}) in {elapsed:.0f} ms.")
    for line in report_lines(quality):
        click.echo(line)
    _report_translations(target, library)


def _report_translations(target: Path, library: ContentLibrary) -> None:
    """Per package and language: the files missing, out of date or not stamped, then the texts a partial
    translation leaves to the source language and the instrument's client texts."""
    from .coverage import coverage
    from .freshness import check_tree as translations

    results = translations(target)
    if not results:
        return
    details = {(report.package, report.language): list(report.lines())
               for package in library.packages() for report in coverage(library.loaded(package.id))}
    click.echo("Translations (against the current source files):")
    for result in results:
        for line in [*result.lines(), *details.get((result.package, result.language), [])]:
            click.echo(line)
        if result.status == "complete" and not result.whole:
            click.echo("    declared complete: translate or stamp the files above, or set status: partial")


@content_cli.command("stamp")
@click.argument("package")
@click.argument("language")
@click.argument("files", nargs=-1)
def stamp_command(package: str, language: str, files: tuple[str, ...]) -> None:
    """Record that LANGUAGE's translation of PACKAGE follows the current source (every translated file, or FILES).

    PACKAGE is a package id in CONTENT_DIR or a package folder. Run it when a translated file has been checked
    against its source; `content validate` then reports the file as out of date when the source changes.
    """
    from .freshness import stamp

    folder = Path(package) if (Path(package) / "package.yaml").is_file() else _content_dir() / package
    if not (folder / "package.yaml").is_file():
        raise click.ClickException(f"{package}: no package.yaml there (give a package id or a package folder)")
    if not (folder / "i18n" / language).is_dir():
        raise click.ClickException(f"{folder.name}: no translation folder i18n/{language}/")
    try:
        stamped = stamp(folder, language, list(files) or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Stamped {len(stamped)} file{'s' if len(stamped) != 1 else ''} of {folder.name} in {language} "
               f"(i18n/{language}.yaml).")


@content_cli.command("list")
def list_command() -> None:
    """Show each package with its kind, version, languages and counts."""
    from .setup import get_library

    try:
        library: ContentLibrary = get_library(current_app)
    except ContentPackageError as exc:
        raise click.ClickException(f"{exc}\n") from exc
    click.echo(f"{'PACKAGE':18} {'KIND':11} {'VERSION':8} {'LANGUAGES':10} CONTENTS")
    for counts in library.counts():
        click.echo(f"{counts.id:18} {counts.kind:11} {counts.version:8} {','.join(counts.languages):10} "
                   f"{summary(counts)}")
        for item, details in counts.rows:
            click.echo(f"    {item:40} {details}".rstrip())


def summary(counts: PackageCounts) -> str:
    """Return the one-line summary of a package's counts."""
    n = counts.numbers
    if counts.kind == "course":
        return f"{n['modules']} modules, {n['pages']} pages, {n['words']:,} words, {n['questions']} questions"
    if counts.kind == "manual":
        return f"{n['chapters']} chapters, {n['words']:,} words, {n['glossary_terms']} glossary terms"
    if counts.kind == "instrument":
        return f"{n['domains']} (+{n['optional_domains']}) domains"
    return f"{n['cases']} cases ({n['fictional']} fictional)"
