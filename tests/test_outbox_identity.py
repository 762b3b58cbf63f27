"""Exactly once, whatever the coordinator edits: after a send to a real aiosmtpd server, renaming the
team, changing the domain or the case of an address sends nothing new, and no sent .eml file is
rewritten, renamed or deleted; adding a rep adds only that rep's files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from csw.mail.identity import mailbox_key
from tests.smtp_server import Recorder, Server, serve
from tests.test_email_personal import CONFIG, DAY_REPS, LATE_REPS, parse, roster_text


@pytest.fixture
def sent_week(csw, write, tmp_path: Path) -> Iterator[tuple[Path, Server[Recorder]]]:
    """A rostered team's whole week sent to a real server, which keeps running."""
    with serve(Recorder()) as server:
        smtp = f'host = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\nretry_seconds = 0.01\n'
        write("csw.toml", CONFIG + smtp)
        write("team.csv", roster_text())
        planned = csw("plan", "2025", "--roster", "team.csv")
        assert planned.exit_code == 0, planned.stderr
        plan = tmp_path / "csw-2025" / "plan.yaml"
        sent = send(csw, plan)
        assert sent.exit_code == 0, sent.stderr
        assert len(server.handler.received) > len(DAY_REPS) + len(LATE_REPS)
        yield plan, server


def send(csw: Any, plan: Path) -> Any:
    return csw("email", "send", plan, "--recipients", "team.csv", "--yes")


def outbox_files(plan: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((plan.parent / "outbox").glob("*.eml"))}


def journal_ids(plan: Path) -> list[str]:
    lines = (plan.parent / "outbox" / "sent.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["message_id"] for line in lines if '"status"' in line]


def edit_plan(plan: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    change(data)
    plan.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def assert_nothing_new(
    csw: Any, plan: Path, server: Server[Recorder], before: dict[str, bytes], changed: bool = False
) -> Any:
    """A send after the edit: the server gets nothing, the journal grows by nothing, every sent file
    is still there with the same bytes, and a change is reported only if `changed`. Returns the run."""
    received, journal = len(server.handler.received), journal_ids(plan)
    again = send(csw, plan)
    assert again.exit_code == 0, again.stderr
    assert "Nothing to send" in again.stdout, again.stdout
    assert ("changed:" in again.stderr + again.stdout) == changed, again.stderr
    assert len(server.handler.received) == received
    assert journal_ids(plan) == journal
    after = outbox_files(plan)
    assert {name: after.get(name) for name in before} == before
    return again


def test_a_rerun_after_a_clean_send_sends_nothing_and_reports_no_change(csw, sent_week) -> None:
    # a rep's own wave ("your wave") and the lead's view of it share a UID: one version, one digest
    plan, server = sent_week
    assert_nothing_new(csw, plan, server, outbox_files(plan))


def test_the_json_report_of_a_rerun_counts_what_was_sent_before(csw, sent_week) -> None:
    plan, _ = sent_week
    result = csw("email", "send", plan, "--recipients", "team.csv", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    counts = json.loads(result.stdout)["counts"]
    assert counts["selected"] == counts["already_sent"] == len(journal_ids(plan)) > 0
    assert counts["sent"] == counts["failed"] == counts["remaining"] == 0


def test_a_team_rename_resends_nothing_and_rewrites_no_sent_file(csw, sent_week) -> None:
    plan, server = sent_week
    before = outbox_files(plan)
    edit_plan(plan, lambda data: data["organization"].update(team="Client Happiness"))
    assert csw("render", plan, "--roster", "team.csv").exit_code == 0
    assert_nothing_new(csw, plan, server, before, changed=True)  # the messages name the team: said, not sent


def test_a_domain_change_resends_nothing(csw, sent_week) -> None:
    plan, server = sent_week
    before = outbox_files(plan)
    edit_plan(plan, lambda data: data["organization"].update(domain="acme-support.example"))
    assert csw("render", plan, "--roster", "team.csv").exit_code == 0
    assert_nothing_new(csw, plan, server, before)


def test_an_address_in_another_case_is_the_same_reader(csw, write, sent_week) -> None:
    plan, server = sent_week
    before = outbox_files(plan)
    write("team.csv", roster_text().replace("day1@acme.example", "Day1@ACME.example"))
    assert_nothing_new(csw, plan, server, before)


def test_a_rep_added_after_the_send_gets_new_files_and_no_sent_file_moves(csw, write, sent_week) -> None:
    plan, server = sent_week
    before = outbox_files(plan)
    write(
        "team.csv", roster_text().replace("\nlee@", "\nnew@acme.example,New Rep,day,Customer Care,rep\nlee@")
    )
    preview = csw("email", "preview", plan, "--recipients", "team.csv")
    assert preview.exit_code == 0, preview.stderr
    after = outbox_files(plan)
    assert {name: after.get(name) for name in before} == before, "no sent file renamed or rewritten"
    added = {name: parse(data) for name, data in after.items() if name not in before}
    assert added and {str(m["To"].addresses[0].addr_spec) for m in added.values()} == {"new@acme.example"}
    received = len(server.handler.received)
    assert send(csw, plan).exit_code == 0
    reached = {r.rcpt_tos[0] for r in server.handler.received[received:]}
    assert reached == {"new@acme.example"} and len(server.handler.received) - received == len(added)


def test_file_names_say_what_the_message_is_and_never_collide() -> None:
    from datetime import date

    from csw.mail.audience import Draft
    from csw.mail.identity import file_name
    from csw.people.recipients import Recipient

    def name(address: str, kind: str = "daily") -> str:
        return file_name(2025, Draft(kind, date(2025, 10, 6), Recipient(email=address, name="X")))

    assert name("Pat.Lee@Example.com") == "2025-10-06-daily-pat.lee-at-example.com.eml"
    assert name("pat.lee@example.com") == name("PAT.LEE@EXAMPLE.COM")
    # addresses whose plain form would read two ways, or lose a character, get a digest too
    odd = ["a-at@at-b.example", "a@at-at-b.example", "a+b@x.example", "a-b@x.example", "a_b@x.example"]
    names = {name(address) for address in odd}
    assert len(names) == len(odd) and all(len(n) < 200 for n in names)


@given(st.from_regex(r"[A-Za-z0-9_+.-]{1,20}@[A-Za-z0-9.-]{1,20}", fullmatch=True))
def test_a_plain_address_is_keyed_as_the_validator_normalises_it(address: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=True)
        expected = (valid.ascii_email or valid.normalized).casefold()
    except EmailNotValidError:
        expected = address.strip().casefold()
    assert mailbox_key(address) == expected
