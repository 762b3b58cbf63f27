"""Composing streams: messages come one at a time and only a light record of each is kept; a
compose that fails half-way leaves the outbox as it was; `csw email preview --json` reports what
was composed, parsed and checked against the outbox itself."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import fields
from email import policy
from email.parser import BytesParser
from pathlib import Path

from csw.exports.render import environment
from csw.mail.compose import Composed, compose_plan
from csw.people.recipients import load_recipients
from csw.plan.file import load_plan
from csw.settings.config_file import load_config
from tests.smtp_server import Recorder, serve
from tests.test_email_compose import RECIPIENTS
from tests.test_email_compose import plan_acme as planned
from tests.test_email_send import configure


def outbox_bytes(plan: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((plan.parent / "outbox").iterdir())}


def test_compose_yields_one_message_at_a_time_and_its_record_holds_no_bytes(csw, write, tmp_path) -> None:
    plan_file = planned(csw, write, tmp_path)
    config = load_config(tmp_path / "csw.toml")
    people, _ = load_recipients(tmp_path / "recipients.csv")
    messages, _ = compose_plan(
        load_plan(plan_file), people, config.email, config.team.departments, environment()
    )
    assert iter(messages) is messages, "an iterator, not a list of every message"
    record, data = next(messages)
    assert isinstance(record, Composed) and BytesParser(policy=policy.default).parsebytes(data)["Message-ID"]
    assert not any(isinstance(getattr(record, f.name), bytes | tuple) for f in fields(record))
    assert record.message_id == str(BytesParser(policy=policy.default).parsebytes(data)["Message-ID"])


def test_a_compose_that_fails_half_way_leaves_the_outbox_as_it_was(csw, write, tmp_path) -> None:
    plan_file = planned(csw, write, tmp_path)
    assert csw("email", "preview", plan_file, "--recipients", "recipients.csv").exit_code == 0
    before = outbox_bytes(plan_file)
    # the wrap-up, composed last, fails for one reader only: every earlier message was composed
    write(
        "mine/email/wrapup.md.j2",
        "---\nsubject: Thanks\n---\n{% if recipient.email.startswith('sam') %}{{ 1 // 0 }}{% endif %}Hi\n",
    )
    write("recipients.csv", RECIPIENTS.replace("Sam Ortiz", "Samuel Ortiz"))  # every sam file changes
    failed = csw("email", "preview", plan_file, "--recipients", "recipients.csv", "--templates", "mine")
    failed.assert_clean_error()
    assert outbox_bytes(plan_file) == before, "nothing written, renamed or removed; no staging left"


def test_preview_json_counts_what_is_in_the_outbox(csw, write, tmp_path) -> None:
    plan_file = planned(csw, write, tmp_path)
    result = csw("email", "preview", plan_file, "--recipients", "recipients.csv", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)  # stdout is the JSON alone
    outbox = plan_file.parent / "outbox"
    kinds = Counter(
        str(BytesParser(policy=policy.default).parsebytes(p.read_bytes())["X-CSW-Kind"])
        for p in outbox.glob("*.eml")
    )
    assert report["format"] == 1 and Path(report["outbox"]).resolve() == outbox.resolve()
    assert report["composed"] == report["selected"] == sum(kinds.values()) and report["sent"] == 0
    assert report["by_kind"] == dict(kinds)
    assert sum(row["messages"] for row in report["by_due"]) == report["selected"]
    assert any("HR department" in w for w in report["warnings"]) and report["changed"] == []
    assert "warning:" in result.stderr

    only = json.loads(
        csw(
            "email", "preview", plan_file, "--recipients", "recipients.csv", "--only", "daily", "--json"
        ).stdout
    )
    assert only["selected"] == kinds["daily"] and set(only["by_kind"]) == {"daily"}
    assert [row["due"] for row in only["by_due"]] == sorted(row["due"] for row in only["by_due"])


def test_preview_json_counts_what_the_journal_has_sent(csw, write, tmp_path) -> None:
    plan_file = planned(csw, write, tmp_path)
    with serve(Recorder()) as server:
        configure(write, server.port)
        sent = csw("email", "send", plan_file, "--recipients", "recipients.csv", "--only", "kickoff", "--yes")
        assert sent.exit_code == 0, sent.stderr
        report = json.loads(
            csw("email", "preview", plan_file, "--recipients", "recipients.csv", "--json").stdout
        )
    assert report["sent"] == len(server.handler.received) == report["by_kind"]["kickoff"]
