"""`csw init`: a commented csw.toml and an example recipients.csv to start from."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from csw.core.files import refuse_overwrite, write_atomic

STARTER_FILES = ("csw.toml", "recipients.csv")


def write_starter(folder: Path, *, force: bool = False) -> list[Path]:
    """Write the starter files into `folder`; refuse to replace either unless `force`."""
    targets = [folder / name for name in STARTER_FILES]
    refuse_overwrite(targets, force)
    for target in targets:
        write_atomic(target, (files("csw.starter") / target.name).read_bytes())
    return targets
