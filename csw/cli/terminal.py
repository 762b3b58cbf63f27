"""What the commands print on a terminal or into a pipe: the console, tables, plain text."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def console() -> Console:
    """Rich output on a terminal; plain text (no colour, no box drawing) in a pipe or with NO_COLOR."""
    from rich.console import Console

    # No markup, no emoji codes: everything printed is the user's text, and Rich would read the
    # brackets of a team "Support [EMEA]" as a style tag and the ":vs:" of a title as an emoji
    out = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, no_color=no_color())
    if not out.is_terminal:
        # a pipe or a file has no width to respect: wide enough that ids and times never wrap
        out = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, width=200, no_color=True)
    elif no_color():
        # no colour and no bold either (Rich keeps bold under its own no_color): plain text
        out = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, color_system=None)
    return out


def no_color() -> bool:
    """NO_COLOR asks for plain output when it is set to anything but the empty string (no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def plain(out: Console) -> bool:
    return not out.is_terminal or no_color()


def table(
    out: Console, columns: tuple[str, ...], *, right: tuple[str, ...] = (), title: str | None = None
) -> Table:
    """A table that draws its lines on a terminal and is plain, space-aligned text in a pipe."""
    from rich import box
    from rich.table import Table

    grid = Table(title=title, box=None if plain(out) else box.SIMPLE_HEAD)
    for name in columns:
        grid.add_column(name, justify="right" if name in right else "left", no_wrap=name == "ID")
    return grid


# Rich lays a table out cell by cell: a thousand teams' table took it half a second. In a pipe,
# where the table is plain text anyway, a big one is written directly, laid out the same way.
PLAIN_TABLE_FROM = 100


def _print_plain_table(
    out: Console, title: str, columns: tuple[str, ...], rows: list[Any], right: tuple[str, ...]
) -> bool:
    """Print the table as Rich would; False (nothing printed) when Rich would wrap it."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=True)]
    if not len(title) <= _table_width(widths) <= out.width:
        return False

    def line(cells: tuple[str, ...] | list[str]) -> str:
        parts = (
            str(cell).rjust(width) if name in right else str(cell).ljust(width)
            for cell, width, name in zip(cells, widths, columns, strict=True)
        )
        return "".join(f" {part} " for part in parts)

    margin = _table_width(widths) - len(title)
    heading = " " * (margin // 2) + title + " " * (margin - margin // 2)  # as Rich centres it
    text = [heading, line(columns), *(line(row) for row in rows)]
    out.file.write("\n".join(text) + "\n")
    return True


def _table_width(widths: list[int]) -> int:
    return sum(widths) + 2 * len(widths)  # a space either side of every cell


def print_teams(plans: list[Any]) -> None:
    from csw.exports.views import team_rows

    out = console()
    title = f"Customer Service Week {plans[0][1].year}: {len(plans)} teams"
    columns, right = ("Team", "Folder", "Time zone", "Reps", "Mode", "Themes", "Spend"), ("Reps", "Spend")
    rows = list(team_rows(plans))
    big_in_a_pipe = plain(out) and len(rows) > PLAIN_TABLE_FROM
    if not (big_in_a_pipe and _print_plain_table(out, title, columns, rows, right)):
        grid = table(out, columns, right=right, title=title)
        for row in rows:
            grid.add_row(*row)
        out.print(grid)
    for folder, plan in plans:
        for note in plan.notes:
            out.print(f"{folder}: {note}")


def print_plan(result: Any) -> None:
    from csw.exports.views import plan_rows, plan_summary

    out = console()
    title = f"Customer Service Week {result.year}"
    if result.theme:
        title += f": {result.theme}"
    grid = table(out, ("Day", "Theme", "Activities", "Cost"), right=("Cost",), title=title)
    grid.show_lines = not plain(out)
    for row in plan_rows(result):
        grid.add_row(*row)
    out.print(grid)
    for line in plan_summary(result):
        out.print(line)
