"""Reps who share their sessions share one composed body, filled in with each one's details: csw's
own templates are trusted to use the reader only through those details, so each message is not
rendered again to be checked; a copy of the same templates, as a user's, is checked message by
message, and both make the same bytes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from csw.core.resources import builtin_dir
from tests.test_email_personal import CONFIG, roster_text


def test_csws_email_templates_use_the_reader_only_for_the_first_name() -> None:
    used = set()
    for template in (builtin_dir("templates") / "email").glob("*.md.j2"):
        used |= set(re.findall(r"\brecipient\b(?:\.\w+|\[[^\]]*\])?", template.read_text(encoding="utf-8")))
    assert used == {"recipient.first_name"}


def hybrid_roster() -> str:
    lines = roster_text().splitlines()
    rows = [lines[0] + ",remote"]
    rows += [f"{line},{'yes' if n % 3 == 0 else 'no'}" for n, line in enumerate(lines[1:])]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("invites", [False, True], ids=["calendars", "invitations"])
def test_trusted_and_checked_message_by_message_make_the_same_bytes(
    csw, write, tmp_path: Path, invites: bool
) -> None:
    write("csw.toml", CONFIG.replace('mode = "onsite"', 'mode = "hybrid"'))
    write("team.csv", hybrid_roster())
    assert csw("plan", "2025", "--roster", "team.csv").exit_code == 0
    plan = tmp_path / "csw-2025" / "plan.yaml"
    shutil.copytree(builtin_dir("templates"), tmp_path / "same")
    outbox = plan.parent / "outbox"
    composed = []
    for templates in ((), ("--templates", "same")):
        shutil.rmtree(outbox, ignore_errors=True)
        more = ("--invites",) if invites else ()
        result = csw("email", "preview", plan, "--recipients", "team.csv", *templates, *more)
        assert result.exit_code == 0, result.stderr
        composed.append({path.name: path.read_bytes() for path in sorted(outbox.glob("*.eml"))})
    trusted, checked = composed
    assert len(trusted) > 60 and trusted == checked
