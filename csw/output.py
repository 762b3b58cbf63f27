"""Writing a plan and its exports into the output folder, all or nothing per file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from csw.errors import OutputError, UsageError
from csw.files import write_atomic
from csw.plan import Plan, plan_text, was_edited

PLAN_FILE = "plan.yaml"


def _json(plan: Plan) -> str:
    return json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


# format name -> (file name, renderer)
EXPORTS: dict[str, tuple[str, Callable[[Plan], str]]] = {
    "json": ("plan.json", _json),
}
DEFAULT_FORMATS: tuple[str, ...] = tuple(name for name in EXPORTS if name != "json")


def parse_formats(text: str | None) -> tuple[str, ...]:
    """`md,ics` -> ('md', 'ics'); None -> the default formats."""
    if text is None:
        return DEFAULT_FORMATS
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in EXPORTS]
    if unknown:
        raise UsageError(
            f"--format {text}: unknown format '{unknown[0]}'.",
            hint=f"Choose from {', '.join(EXPORTS)}, separated by commas.",
        )
    return names


def check_plan_overwrite(path: Path, force: bool) -> None:
    """Refuse to replace a plan.yaml the coordinator edited since csw wrote it, unless `force`."""
    if force or not path.exists():
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OutputError(f"{path}: cannot read the existing plan: {error}.") from None
    if was_edited(text):
        raise OutputError(
            f"{path} was edited since csw wrote it; planning again would lose those edits.",
            hint=f"Run `csw render {path}` to re-render from it, or add --force to replace it.",
        )


def render_exports(plan: Plan, formats: tuple[str, ...]) -> dict[str, str]:
    """Every requested export as text, by file name; nothing is written yet."""
    return {EXPORTS[name][0]: EXPORTS[name][1](plan) for name in formats}


def write_plan(plan: Plan, out: Path, formats: tuple[str, ...], *, force: bool = False) -> list[Path]:
    """plan.yaml and the exports into `out`. Everything is rendered before the first file is
    written, and each file is replaced atomically, so a failure leaves the old files intact."""
    target = out / PLAN_FILE
    check_plan_overwrite(target, force)
    files = {PLAN_FILE: plan_text(plan), **render_exports(plan, formats)}
    written = []
    for name, text in files.items():
        write_atomic(out / name, text)
        written.append(out / name)
    return written
