"""`csw ideas`: list, show and check the idea bank."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from csw.cli.app import ConfigOption, IdeasOption, ideas_app, load
from csw.cli.choices import CATEGORIES, IDEA_KINDS, MODES, SPANS, completer, one_of
from csw.cli.completion import idea_ids
from csw.cli.terminal import console, table

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@ideas_app.command("list")
def ideas_list(
    category: Annotated[
        str | None,
        typer.Option(
            metavar="CATEGORY",
            autocompletion=completer(CATEGORIES),
            help="Only this category: " + ", ".join(CATEGORIES) + ".",
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            metavar=one_of(MODES), autocompletion=completer(MODES), help="Only ideas that work this way."
        ),
    ] = None,
    span: Annotated[
        str | None,
        typer.Option(metavar=one_of(SPANS), autocompletion=completer(SPANS), help="Only ideas this long."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            metavar=one_of(IDEA_KINDS),
            autocompletion=completer(IDEA_KINDS),
            help="Only this side of the version-1 split.",
        ),
    ] = None,
    as_json: JsonOption = False,
    config_path: ConfigOption = None,
    ideas: IdeasOption = None,
) -> None:
    """The idea bank as a table."""
    from csw.ideas.catalog import cost_text, filter_ideas

    found = filter_ideas(_bank(config_path, ideas), category=category, mode=mode, kind=kind, span=span)
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in found], indent=2, ensure_ascii=False))
        return
    out = console()
    grid = table(out, ("ID", "Title", "Category", "Runs", "Format", "Modes", "Cost"))
    for idea in found:
        modes = "all" if len(set(idea.modes)) == 3 else ",".join(m.value for m in idea.modes)
        modes += " +remote form" if idea.remote else ""
        runs = idea.span.value + (f" ({idea.role.value})" if idea.role else "")
        grid.add_row(
            idea.id, idea.title, idea.category.value, runs, idea.format.value, modes, cost_text(idea)
        )
    out.print(grid)
    out.print(f"{len(found)} ideas")


@ideas_app.command("show")
def ideas_show(
    idea_id: Annotated[str, typer.Argument(metavar="ID", autocompletion=idea_ids, help="The idea's id.")],
    as_json: JsonOption = False,
    config_path: ConfigOption = None,
    ideas: IdeasOption = None,
) -> None:
    """One idea in full: what it is, how to run it, cost and prep."""
    from csw.ideas.catalog import describe_idea

    bank = _bank(config_path, ideas)
    idea, origin = bank.get(idea_id), bank.origin[idea_id]
    if as_json:
        where = {"defined_at": origin.removeprefix("built-in "), "builtin": origin.startswith("built-in ")}
        typer.echo(json.dumps({**idea.model_dump(mode="json"), **where}, indent=2, ensure_ascii=False))
        return
    typer.echo(describe_idea(idea, origin))


@ideas_app.command("check")
def ideas_check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(metavar="PATH", help="Files or folders (default: every bank in use)."),
    ] = None,
    as_json: JsonOption = False,
    config_path: ConfigOption = None,
) -> None:
    """Validate idea banks, and find text that contradicts an idea's fields; list every problem
    with file:line, and how to upgrade version-1 ideas; exit 1 if any."""
    from csw.ideas.bank import problem_count
    from csw.ideas.lint import check_bank
    from csw.ideas.report import check_report

    if paths:
        checked = list(paths)
    else:
        config = load(config_path)
        checked = [config.resolve(p) for p in config.ideas.paths]
    bank, problems = check_bank(checked, builtin_too=not paths)
    if as_json:
        report = check_report(checked, bank, problems, builtin=not paths)
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        if problems:
            raise typer.Exit(1)
        return
    for problem in problems:
        typer.echo(problem)
    if problems:
        count = problem_count(problems)
        typer.echo(f"{count:,} problem{'s' * (count != 1)} found.", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(bank.ideas)} ideas, no problems.")


def _bank(config_path: Path | None, ideas: list[Path] | None) -> Any:
    from csw.ideas.bank import load_valid_bank

    config = load(config_path)
    return load_valid_bank([*(config.resolve(p) for p in config.ideas.paths), *(ideas or ())])
