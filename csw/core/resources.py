"""Where the built-in idea bank and templates are, in a wheel and in a source checkout alike."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def builtin_dir(name: str) -> Path:
    """The folder of built-in `ideas` or `templates`.

    A wheel carries them inside the package (`csw/_data/NAME`); an editable install or a checkout
    reads them from the top of the repository, where they are maintained.
    """
    packaged = Path(str(files("csw") / "_data" / name))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name
