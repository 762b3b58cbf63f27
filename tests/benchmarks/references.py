"""The reference programs every figure is compared with, written to files and run like csw.

How to start the two fairly: both run as `python FILE ARGS` with the same interpreter, from the
same kind of empty working folder. For csw, FILE is a two-line shim doing what the `csw` console
script does (`from csw.cli import main; main()`, minus the console script's argv[0] clean-up, a
regular expression on one string). `python -m csw` would add runpy's module lookup, and the
console script would add `import re`; a shim keeps both programs on the same path: the
interpreter starts, runs a small file, and everything else is imports and work.
"""

from __future__ import annotations

from pathlib import Path

MINIMAL_APP = "minimal_app.py"
CSW_SHIM = "csw_main.py"

# The reference: the smallest program built on the same two libraries as csw's command line.
MINIMAL_APP_SOURCE = """\
import typer
from rich import print

app = typer.Typer()


@app.command()
def main():
    print("hello")


app()
"""

CSW_SHIM_SOURCE = """\
from csw.cli import main

main()
"""


def write_programs(folder: Path) -> None:
    """Write the reference app and the csw shim into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MINIMAL_APP).write_text(MINIMAL_APP_SOURCE, encoding="utf-8")
    (folder / CSW_SHIM).write_text(CSW_SHIM_SOURCE, encoding="utf-8")


FAIRNESS_NOTE = (
    "csw and the reference are started the same way: `python FILE ARGS` with the venv's Python,"
    " in an empty working folder (no csw.toml), stdout to /dev/null. For csw, FILE is the shim"
    " `from csw.cli import main; main()` (what the `csw` console script runs); for the reference, a"
    " minimal Typer + Rich app whose one command prints 'hello' with rich.print. Each benchmark"
    " runs its commands in alternating rounds (order reversed every other round); a ratio is the"
    " median of the per-round ratios, so the drift of a shared machine cancels out. For times the"
    " ratio is csw's time over the reference's (lower is better); for msg/s rows it is csw's rate"
    " over the reference's (higher is better)."
)
