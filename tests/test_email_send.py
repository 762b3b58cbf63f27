"""`csw email send` end to end: a real aiosmtpd server on 127.0.0.1, the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import SMTP

from tests.configs import TO_RECIPIENTS
from tests.smtp_server import (
    Authenticator,
    Recorder,
    SignalsTheSender,
    make_certificate,
    serve,
    server_tls_context,
)
from tests.test_email_compose import CONFIG, RECIPIENTS, plan_acme

ALL = 16  # 1 proclamation, 2 kickoffs, 10 dailies, 1 thanks, 2 wrap-ups


def configure(write, port: int, security: str = "none", extra: str = "") -> None:
    email = CONFIG.split("[email]")[1]
    body = CONFIG.split("[email]")[0]
    write(
        "csw.toml",
        f'{body}[email]{email}host = "127.0.0.1"\nport = {port}\nsecurity = "{security}"\n'
        f"retry_seconds = 0.01\ntimeout = 5\n{extra}",
    )


def send_due_today(csw, plan_file: Path, env: dict[str, str]):
    """The daily cron job's run, at the moment env's CSW_NOW says."""
    return csw(
        "email", "send", plan_file, "--recipients", "recipients.csv", "--due", "today", "--yes", env=env
    )


@pytest.fixture
def plan_file(csw, write, tmp_path: Path) -> Path:
    return plan_acme(csw, write, tmp_path)


def test_send_delivers_each_message_once_and_a_rerun_sends_nothing(csw, write, plan_file: Path) -> None:
    with serve(Recorder()) as server:
        configure(write, server.port)
        result = csw("email", "send", plan_file, "--recipients", "recipients.csv", "--yes")
        assert result.exit_code == 0, result.stderr
        assert f"About to send {ALL} messages" in result.stdout
        assert "Sent 16 messages over 1 connection(s)." in result.stdout
        assert server.connections == 1
        ids = server.handler.message_ids()
        assert len(ids) == ALL and set(ids.values()) == {1}
        kickoff = next(r for r in server.handler.received if r.message["X-CSW-Kind"] == "kickoff")
        assert kickoff.mail_from == "pat@acme.example" and kickoff.rcpt_tos[0] in (
            "sam@acme.example",
            "jo@acme.example",
        )
        assert [p.get_filename() for p in kickoff.message.iter_attachments()] == ["schedule.ics"]
        lines = (plan_file.parent / "outbox" / "sent.jsonl").read_text().splitlines()
        journal = [line for line in lines if '"status"' in line]  # not the in-flight lines
        assert len(journal) == ALL and {json.loads(line)["status"] for line in journal} == {"sent"}

        again = csw("email", "send", plan_file, "--recipients", "recipients.csv", "--yes")
        assert again.exit_code == 0
        assert "Nothing to send: all 16 selected messages are already in the journal." in again.stdout
        assert len(server.handler.received) == ALL


def test_send_asks_first_and_refuses_without_a_terminal(csw, write, plan_file: Path) -> None:
    with serve(Recorder()) as server:
        configure(write, server.port)
        result = csw("email", "send", plan_file, "--recipients", "recipients.csv")
        result.assert_clean_error()
        assert "there is no terminal to ask whether to send" in result.stderr and "--yes" in result.stderr
        assert server.handler.received == []


def test_due_today_sends_what_is_due_and_catches_up_on_what_was_missed(csw, write, plan_file: Path) -> None:
    def send_due(day: str) -> list[str]:
        server.handler.received.clear()
        clock = {"CSW_NOW": f"{day}T11:00:00Z"}  # 06:00 in Chicago
        result = send_due_today(csw, plan_file, clock)
        assert result.exit_code == 0, result.stderr
        return sorted(str(r.message["X-CSW-Kind"]) for r in server.handler.received)

    with serve(Recorder()) as server:
        configure(write, server.port)
        assert send_due("2025-09-22") == ["proclamation"]
        # the cron job did not run on kickoff day, nor on Monday: Tuesday's run sends what it missed
        assert send_due("2025-10-07") == ["daily"] * 4 + ["kickoff"] * 2
        assert send_due("2025-10-08") == ["daily", "daily", "thanks"]
        assert send_due("2025-10-08") == []


def test_a_rep_added_late_gets_the_kickoff_and_its_calendar_first(csw, write, plan_file: Path) -> None:
    with serve(Recorder()) as server:
        configure(write, server.port)
        monday = {"CSW_NOW": "2025-10-06T11:00:00Z"}
        first = send_due_today(csw, plan_file, monday)
        assert first.exit_code == 0, first.stderr
        server.handler.received.clear()
        write("recipients.csv", RECIPIENTS + "lee@acme.example,Lee Park,day,Customer Care,rep,Austin\n")
        tuesday = {"CSW_NOW": "2025-10-07T11:00:00Z"}
        result = send_due_today(csw, plan_file, tuesday)
    assert result.exit_code == 0, result.stderr
    # Monday's daily for Lee is 22 hours late at 06:00 on Tuesday: only the kickoff is a day late
    assert "1 of them is more than a day late (1 kickoff due Mon 2025-09-29)." in result.stdout
    to_lee = [r for r in server.handler.received if r.rcpt_tos == ("lee@acme.example",)]
    assert [str(r.message["X-CSW-Kind"]) for r in to_lee] == ["kickoff", "daily", "daily"]
    attached = [p.get_filename() for p in to_lee[0].message.iter_attachments()]
    assert attached == ["schedule.ics"]
    others = [r for r in server.handler.received if r not in to_lee]
    # the others: Tuesday's, and Sam's update (Lee joined his shift's waves)
    assert sorted(str(r.message["X-CSW-Kind"]) for r in others) == ["daily", "daily", "update"]


class RejectsJo(Recorder):
    async def on_rcpt(self, server: SMTP, address: str) -> str | None:
        return "550 5.1.1 no such user" if address.startswith("jo@") else None


def test_a_rejected_recipient_is_reported_the_rest_delivered_exit_1(csw, write, plan_file: Path) -> None:
    with serve(RejectsJo()) as server:
        configure(write, server.port)
        result = csw("email", "send", plan_file, "--recipients", "recipients.csv", "--yes")
        assert result.exit_code == 1
        jo_messages = 1 + 5 + 1  # kickoff, dailies, wrap-up
        assert len(server.handler.received) == ALL - jo_messages
        assert f"{jo_messages} failed." in result.stdout and "550" in result.stdout
        failed = (plan_file.parent / "outbox" / "failed.csv").read_text().splitlines()
        assert failed[0].startswith("email,name") and failed[0].endswith("error_code,error")
        assert len(failed) == 1 + jo_messages and all(
            line.startswith("jo@acme.example,Jo Kim") for line in failed[1:]
        )


def test_starttls_auth_and_a_wrong_password(csw, write, plan_file: Path, tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    recorder = Recorder()
    options = {
        "tls_context": server_tls_context(cert, key),
        "require_starttls": True,
        "authenticator": Authenticator(recorder, "pat", "s3cret"),
        "auth_require_tls": True,
    }
    with serve(recorder, **options) as server:
        extra = f'username = "pat"\npassword_env = "CSW_TEST_PW"\nca_file = "{cert}"\n'
        configure(write, server.port, "starttls", extra)
        wrong = csw("email", "send", plan_file, *TO_RECIPIENTS, "--yes", env={"CSW_TEST_PW": "guess"})
        wrong.assert_clean_error()
        assert "authentication failed" in wrong.stderr and "guess" not in wrong.stderr + wrong.stdout
        assert recorder.received == []
        right = csw("email", "send", plan_file, *TO_RECIPIENTS, "--yes", env={"CSW_TEST_PW": "s3cret"})
        assert right.exit_code == 0, right.stderr
        assert len(recorder.received) == ALL and recorder.logins


def test_missing_password_variable_is_named(csw, write, plan_file: Path) -> None:
    configure(write, 2525, "none", 'username = "pat"\npassword_env = "CSW_NOT_SET"\n')
    result = csw("email", "send", plan_file, "--recipients", "recipients.csv", "--yes")
    result.assert_clean_error()
    assert "CSW_NOT_SET" in result.stderr


def test_a_name_with_a_line_break_is_rejected_before_anything_is_sent(csw, write, plan_file: Path) -> None:
    with serve(Recorder()) as server:
        configure(write, server.port)
        write("recipients.csv", RECIPIENTS + 'eve@acme.example,"Eve\r\nBcc: everyone@acme.example"\n')
        result = csw("email", "send", plan_file, "--recipients", "recipients.csv", "--yes")
        result.assert_clean_error()
        assert "recipients.csv:5:" in result.stderr
        assert server.handler.received == [] and server.handler.mails == 0


class KillsTheSender(SignalsTheSender):
    """SIGKILLs the sending process when it starts message `number`: the one before is journaled."""

    async def on_mail(self, server: SMTP, address: str) -> str | None:
        if self.pid is not None and self.mails == self.number:
            os.kill(self.pid, signal.SIGKILL)
            self.pid = None
            return "421 4.3.0 going away"
        return None


def send_command(plan_file: Path, *more: str) -> list[str]:
    """`csw email send PLAN --recipients recipients.csv` as a process of its own runs it."""
    return [
        sys.executable,
        "-m",
        "csw",
        "email",
        "send",
        str(plan_file),
        "--recipients",
        "recipients.csv",
        *more,
    ]


def test_a_sender_killed_between_messages_then_rerun_sends_each_exactly_once(
    write, plan_file: Path, tmp_path: Path
) -> None:
    handler = KillsTheSender(number=6)
    with serve(handler) as server:
        configure(write, server.port)
        command = send_command(plan_file, "--yes")
        env = {**os.environ, "CSW_DEBUG": ""}
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        handler.pid = process.pid
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
        assert len(handler.received) == 5
        rerun = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
        assert "Sent 11 messages" in rerun.stdout
        ids = handler.message_ids()
        assert len(ids) == ALL and set(ids.values()) == {1}, "none lost, none twice"


# --- the Date of each message is the moment it is sent ----------------------------------------------

LATE_SEND = "2025-10-01T09:45:00-05:00"  # the kickoffs were due Mon 29 Sep at 07:30 in Chicago


def test_each_message_is_dated_when_it_goes_and_one_two_days_late_is_told(
    csw, write, plan_file: Path
) -> None:
    clock = {"CSW_NOW": LATE_SEND}
    with serve(Recorder()) as server:
        configure(write, server.port)
        preview = csw("email", "preview", plan_file, "--recipients", "recipients.csv", env=clock)
        assert preview.exit_code == 0, preview.stderr
        outbox = plan_file.parent / "outbox"
        before = {path.name: path.read_bytes() for path in outbox.glob("*.eml")}
        result = csw("email", "send", plan_file, *TO_RECIPIENTS, "--only", "kickoff", "--yes", env=clock)
    assert result.exit_code == 0, result.stderr
    assert (
        "2 messages went out more than a day after they were due (2 kickoff due Mon 2025-09-29)."
        in result.stdout.splitlines()
    )
    assert {path.name: path.read_bytes() for path in outbox.glob("*.eml")} == before, "the outbox unchanged"
    composed = {str(strict(data)["Message-ID"]): data for data in before.values()}
    received = server.handler.received
    assert len(received) == 2
    for item in received:
        message = strict(item.data)
        assert message["Date"].datetime == datetime.fromisoformat(LATE_SEND)
        original = composed[str(message["Message-ID"])]  # the Message-ID as composed
        due = strict(original)["Date"].datetime
        assert due == datetime(2025, 9, 29, 7, 30, tzinfo=ZoneInfo("America/Chicago"))
        # the Date line is all that differs between what was composed and what the server got
        sent_line = b"Date: Wed, 01 Oct 2025 09:45:00 -0500\r\n"
        assert item.data.replace(sent_line, b"Date: Mon, 29 Sep 2025 07:30:00 -0500\r\n") == original
    journal = (plan_file.parent / "outbox" / "sent.jsonl").read_text().splitlines()
    assert {json.loads(line)["at"] for line in journal if '"status"' in line} == {LATE_SEND}


def test_messages_sent_a_few_hours_before_they_are_due_are_not_flagged(csw, write, plan_file: Path) -> None:
    clock = {"CSW_NOW": "2025-10-07T09:00:00Z"}  # 04:00 in Chicago: a daily cron job
    with serve(Recorder()) as server:
        configure(write, server.port)
        monday = {"CSW_NOW": "2025-10-06T09:00:00Z"}
        assert (
            csw(
                "email", "send", plan_file, *TO_RECIPIENTS, "--due", "2025-10-06", "--yes", env=monday
            ).exit_code
            == 0
        )
        server.handler.received.clear()
        result = send_due_today(csw, plan_file, clock)
    assert result.exit_code == 0, result.stderr
    assert "went out" not in result.stdout
    received = server.handler.received
    assert sorted(str(item.message["X-CSW-Kind"]) for item in received) == ["daily", "daily"]
    for item in received:
        date = strict(item.data)["Date"].datetime
        assert date == datetime(2025, 10, 7, 9, 0, tzinfo=UTC) and date.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize("pinned", ["2025-10-01", "2025-10-01T09:45:00", "yesterday"])
def test_a_csw_now_without_a_time_and_offset_is_refused_before_anything_is_sent(
    csw, write, plan_file: Path, pinned: str
) -> None:
    with serve(Recorder()) as server:
        configure(write, server.port)
        result = csw(
            "email", "send", plan_file, "--recipients", "recipients.csv", "--yes", env={"CSW_NOW": pinned}
        )
        result.assert_clean_error()
        assert f"CSW_NOW={pinned!r} is not a date and time with its offset" in result.stderr
        assert server.handler.mails == 0
    assert not (plan_file.parent / "outbox").exists()


def strict(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default.clone(raise_on_defect=True))
    assert isinstance(message, EmailMessage)
    return message
