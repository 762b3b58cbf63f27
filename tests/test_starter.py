"""`csw init` writes a csw.toml and a recipients.csv that fit together: a first try of csw, as a new
user makes it, plans and composes every kind of message with no warning."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import yaml

from csw.core.locale_formats import and_list
from csw.people.recipients import load_recipients
from csw.settings.config_file import load_config

STRICT = policy.default.clone(raise_on_defect=True)
WEEK_KINDS = {"proclamation", "kickoff", "daily", "thanks", "wrapup"}


def warnings(*outputs: str) -> list[str]:
    return [line for output in outputs for line in output.splitlines() if line.startswith("warning:")]


def test_init_plan_and_preview_compose_every_kind_with_no_warning(csw, tmp_path: Path) -> None:
    init = csw("init")
    assert init.exit_code == 0, init.stderr
    plan = csw("plan", "2025")
    assert plan.exit_code == 0, plan.stderr
    preview = csw("email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv")
    assert preview.exit_code == 0, preview.stderr
    outputs = (init.stdout, init.stderr, plan.stdout, plan.stderr, preview.stdout, preview.stderr)
    assert warnings(*outputs) == []
    assert "changed:" not in preview.stderr

    config = load_config(tmp_path / "csw.toml")
    expected = WEEK_KINDS | ({"monthly"} if config.year_round.enabled else set())
    outbox = sorted((tmp_path / "csw-2025" / "outbox").glob("*.eml"))
    messages: list[EmailMessage] = []
    for path in outbox:
        message = message_from_bytes(path.read_bytes(), policy=STRICT)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    kinds = Counter(str(m["X-CSW-Kind"]) for m in messages)
    assert set(kinds) == expected, kinds

    people, _ = load_recipients(tmp_path / "recipients.csv")
    by_address = {p.email: p for p in people}
    to = {
        kind: sorted(str(m["To"].addresses[0].addr_spec) for m in messages if m["X-CSW-Kind"] == kind)
        for kind in kinds
    }
    assert to["proclamation"] == [parseaddr(config.email.sponsor or "")[1]]
    thanked = {
        str(m["To"].addresses[0].addr_spec): str(m["Subject"])
        for m in messages
        if m["X-CSW-Kind"] == "thanks"
    }
    assert sorted(by_address[a].team or "" for a in thanked) == sorted(config.team.departments)
    team = sorted(p.email for p in people if p.team == config.organization.team)
    assert to["kickoff"] == to["wrapup"] == team
    assert kinds["daily"] == len(team) * len(config.week.days)
    assert {str(m["From"]) for m in messages} == {config.email.from_}


def test_the_starter_files_say_the_same_people(tmp_path: Path, csw) -> None:
    assert csw("init").exit_code == 0
    config = load_config(tmp_path / "csw.toml")
    people, found = load_recipients(tmp_path / "recipients.csv")
    assert found == []
    role = Counter((p.role or "").casefold() for p in people)

    # the coordinator is the sender, the sponsor row is email.sponsor: the same name and address
    (coordinator,) = [p for p in people if p.role == "coordinator"]
    assert coordinator.address == config.email.from_ == "Pat Lee <pat@acme.example>"
    assert config.email.username == coordinator.email
    (sponsor,) = [p for p in people if p.role == "sponsor"]
    assert sponsor.address == config.email.sponsor == "Dana Ruiz <dana@acme.example>"

    # two shifts of reps, at least three on each, and a lead
    shifts = [shift.name for shift in config.team.shifts]
    assert shifts == ["day", "evening"]
    reps = Counter(p.shift for p in people if p.role == "rep")
    assert set(reps) == set(shifts) and min(reps.values()) >= 3
    assert role["lead"] == 1
    assert all(p.shift in shifts for p in people if p.team == config.organization.team)

    # one contact for each department thanked, its name in the team column, on no shift
    contacts = Counter(p.team for p in people if p.team in config.team.departments)
    assert contacts == dict.fromkeys(config.team.departments, 1)
    assert not [p for p in people if p.team in config.team.departments and p.shift]

    # the roster the plan sizes its waves from is this very file
    assert config.team.roster == "recipients.csv"


def test_the_starter_week_sent_then_sent_again_sends_nothing_and_reports_no_change(
    csw, tmp_path: Path
) -> None:
    # a rep's own wave ("your wave") and the lead's or the coordinator's view of it share a UID:
    # one version of an event, one digest, whoever holds it
    from tests.smtp_server import Recorder, serve

    assert csw("init").exit_code == 0
    config = tmp_path / "csw.toml"
    with serve(Recorder()) as server:
        smtp = f'host = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        text = config.read_text(encoding="utf-8")
        kept = [
            line
            for line in text.splitlines()
            if not line.startswith(("host", "port", "security", "username", "password_env"))
        ]
        config.write_text("\n".join(kept).replace("[email]\n", "[email]\n" + smtp) + "\n", encoding="utf-8")
        assert csw("plan", "2025").exit_code == 0
        first = csw("email", "send", "csw-2025/plan.yaml", "--yes")
        assert first.exit_code == 0, first.stderr
        sent = len(server.handler.received)
        again = csw("email", "send", "csw-2025/plan.yaml", "--yes")
    assert again.exit_code == 0 and "Nothing to send" in again.stdout, again.stdout
    assert "changed:" not in again.stderr, again.stderr
    assert sent > 0 and len(server.handler.received) == sent


def starter_in(csw, folder: Path, timezone: str, locale: str, currency: str) -> None:
    """`csw init`'s starter for a team in another zone, locale and currency (the rate uncommented)."""
    assert csw("init").exit_code == 0
    config = folder / "csw.toml"
    text = config.read_text(encoding="utf-8")
    for key, value in (("timezone", timezone), ("locale", locale), ("currency", currency)):
        text = re.sub(rf"(?m)^{key} = \S+", f'{key} = "{value}"', text)
    config.write_text(re.sub(r"(?m)^# usd_rate = ", "usd_rate = ", text), encoding="utf-8")


def test_a_daily_item_keeps_its_time_all_week_in_the_agenda_and_the_plan(csw, tmp_path: Path) -> None:
    starter_in(csw, tmp_path, "Europe/London", "en_GB", "GBP")
    for seed in ("2025", "6"):  # two weeks whose prize draw moved from day to day
        result = csw("plan", "2025", "--seed", seed, "--out", f"s{seed}")
        assert result.exit_code == 0, result.stderr
        plan = yaml.safe_load((tmp_path / f"s{seed}" / "plan.yaml").read_text(encoding="utf-8"))
        starts: dict[tuple[str, str], set[str]] = {}
        for day in plan["days"]:
            for activity in day["activities"]:
                for session in activity["sessions"]:
                    if session["wave"] == 1:
                        starts.setdefault((activity["idea"], session["shift"]), set()).add(session["start"])
        every_day = {
            key: times
            for key, times in starts.items()
            if len(plan["days"]) == sum(key[0] == a["idea"] for d in plan["days"] for a in d["activities"])
        }
        assert every_day and all(len(times) == 1 for times in every_day.values()), every_day
        agenda = (tmp_path / f"s{seed}" / "agenda.md").read_text(encoding="utf-8")
        lines = set(re.findall(r"(?m)^As every day: .*$", agenda))
        assert len(lines) == 1, lines  # the same words on each day
        headings = re.findall(r"(?m)^### (.+?) · ", agenda.split("## Every day", 1)[1].split("\n## ", 1)[0])
        assert headings and all(heading in next(iter(lines)) for heading in headings), (headings, lines)
        for (_, shift), times in every_day.items():  # each shift's time, named by its shift
            assert f"{next(iter(times))} ({shift})" in next(iter(lines)), (shift, lines)


def test_each_reader_meets_a_days_activities_in_the_order_of_their_own_times(csw, tmp_path: Path) -> None:
    starter_in(csw, tmp_path, "Europe/Berlin", "de_DE", "EUR")  # its evening shift met 16:00 before 12:30
    assert csw("plan", "2025").exit_code == 0
    preview = csw("email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv")
    assert preview.exit_code == 0, preview.stderr
    items = 0
    for path in sorted((tmp_path / "csw-2025" / "outbox").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=STRICT)
        assert isinstance(message, EmailMessage)
        if message["X-CSW-Kind"] not in ("kickoff", "daily"):
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content().replace("\r\n", "\n")
        for section in re.split(r"\n(?=[^\n]+\n-{3,}\n)", text):  # at each heading
            if " shift)" in section and message["X-CSW-Kind"] == "daily":
                continue  # the coordinator's daily: each activity once, with every shift's time
            times = re.findall(r"(?m)^- (\d\d):(\d\d) ", section)
            assert times == sorted(times), (path.name, section[:400])
            items += len(times)
    assert items > 50, "the kickoffs and dailies list their times, in 24-hour clock"


def test_an_activity_with_more_waves_in_one_shift_says_so(csw, tmp_path: Path) -> None:
    starter_in(csw, tmp_path, "Europe/London", "en_GB", "GBP")  # its evening shift is the smaller
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    plan = yaml.safe_load((tmp_path / "csw-2025" / "plan.yaml").read_text(encoding="utf-8"))
    poster = (tmp_path / "csw-2025" / "poster.html").read_text(encoding="utf-8")
    items = re.findall(r'<li class="activity">(.*?)</li>', poster, re.S)
    uneven = 0
    for day in plan["days"]:
        for activity in day["activities"]:
            waves: dict[str, int] = {}
            for session in activity["sessions"]:
                waves[session["shift"]] = max(waves.get(session["shift"], 0), session["wave"])
            if len(set(waves.values())) < 2 or min(waves.values()) < 1:
                continue
            uneven += 1
            idea = plan["ideas"][activity["idea"]]
            (item,) = [i for i in items if f">{idea['title']}<" in i]
            if idea["format"] == "waves":  # the poster counts waves, not booked slots
                assert f"in {' / '.join(map(str, waves.values()))} waves<" in item, item
            low, high = min(waves.values()), max(waves.values())
            assert f"({low}-{high} " in result.stdout, (activity["idea"], waves)
    assert uneven, "the week has an activity with more waves in the day shift than in the evening"


def test_a_daily_speaks_to_where_its_reader_works(csw, tmp_path: Path) -> None:
    assert csw("init").exit_code == 0
    assert csw("plan", "2025").exit_code == 0
    assert csw("email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv").exit_code == 0
    people, _ = load_recipients(tmp_path / "recipients.csv")
    where = {p.email: p.field("remote") for p in people if (p.role or "") == "rep"}
    assert set(where.values()) == {"yes", "no"}, "the starter has reps on site and at home"
    leads = {p.email for p in people if (p.role or "") in ("lead", "coordinator")}
    told = 0  # a lead's or the coordinator's messages that say what remote reps get
    for path in (tmp_path / "csw-2025" / "outbox").glob("*-*-*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=STRICT)
        assert isinstance(message, EmailMessage)
        reader = parseaddr(str(message["To"]))[1]
        if reader in leads and message["X-CSW-Kind"] in ("kickoff", "daily"):
            text = " ".join(str(message.get_body(preferencelist=("plain",)).get_content()).split())
            assert "From home:" not in text and "Working from home?" not in text, path.name
            told += "Remote reps get" in text
        if reader not in where or message["X-CSW-Kind"] not in ("kickoff", "daily"):
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = " ".join(body.get_content().split())
        assert "Working from home?" not in text, path.name  # a rep's roster row says where they work
        if where[reader] == "no":
            assert "From home:" not in text, path.name
        else:
            assert "for the reps on site" not in text, path.name
    assert leads and told, "the lead and the coordinator read what remote reps get"
    kickoffs = (tmp_path / "csw-2025" / "outbox").glob("*-kickoff-*.eml")
    for path in kickoffs:
        body = message_from_bytes(path.read_bytes(), policy=STRICT).get_body(preferencelist=("plain",))
        assert body is not None
        assert ": from home:" not in " ".join(body.get_content().split()), path.name  # one colon


def items(text: str) -> dict[str, str]:
    """A plain-text list's items by title: '- 8:00 AM Title, the finale: rest' gives Title: rest."""
    joined = re.sub(r"\n  +", " ", text.replace("\r\n", "\n"))
    found = re.findall(
        r"(?m)^- \d\d?:\d\d(?: [AP]M)? (.+?)(?: \(it opens the week\)| \(the finale\))?: (.*)$", joined
    )
    return {title.removesuffix(" (every day)"): rest for title, rest in found}


def test_a_remote_reps_kickoff_and_dailies_say_the_same_of_each_activity(csw, tmp_path: Path) -> None:
    assert csw("init").exit_code == 0
    assert csw("plan", "2025").exit_code == 0
    assert csw("email", "preview", "csw-2025/plan.yaml", "--recipients", "recipients.csv").exit_code == 0
    people, _ = load_recipients(tmp_path / "recipients.csv")
    outbox = tmp_path / "csw-2025" / "outbox"
    compared = 0
    for person in (p for p in people if p.field("remote") == "yes" and p.role == "rep"):
        mailbox = person.email.replace("@", "-at-")
        (kickoff,) = outbox.glob(f"*-kickoff-{mailbox}.eml")
        week = message_from_bytes(kickoff.read_bytes(), policy=STRICT).get_body(preferencelist=("plain",))
        assert week is not None
        days = re.split(r"\n(?=[^\n]+\n-{3,}\n)", week.get_content().replace("\r\n", "\n"))
        for daily in sorted(outbox.glob(f"*-daily-{mailbox}.eml")):
            body = message_from_bytes(daily.read_bytes(), policy=STRICT).get_body(preferencelist=("plain",))
            assert body is not None
            day = date.fromisoformat(daily.name[:10])
            (section,) = [d for d in days if f"{day:%B} {day.day}:" in d.split("\n", 1)[0]]
            planned = items(section)
            for title, said in items(body.get_content()).items():
                if title in planned and "(" not in said:  # the daily gives the home form alone
                    assert planned[title] == said, (person.email, day, title)
                    compared += 1
    assert compared, "a remote rep reads some activity's home form"


def test_the_wrapup_thanks_for_costumes_only_after_a_dress_up_day(csw, tmp_path: Path) -> None:
    assert csw("init").exit_code == 0
    for pins, costumes in (((), False), (("--pin", "tue=pajama-day"), True)):
        out = f"week{len(pins)}"
        assert csw("plan", "2025", "--out", out, *pins).exit_code == 0
        plan = yaml.safe_load((tmp_path / out / "plan.yaml").read_text(encoding="utf-8"))
        themes = {plan["ideas"][day["theme"]]["category"] for day in plan["days"]}
        assert ("dress-up" in themes) is costumes, themes
        preview = csw(
            "email", "preview", f"{out}/plan.yaml", "--recipients", "recipients.csv", "--only", "wrapup"
        )
        assert preview.exit_code == 0, preview.stderr
        wrapup = next((tmp_path / out / "outbox").glob("*-wrapup-*.eml"))
        body = message_from_bytes(wrapup.read_bytes(), policy=STRICT).get_body(preferencelist=("plain",))
        assert body is not None
        assert ("costumes" in " ".join(body.get_content().split())) is costumes


def test_a_small_team_is_told_when_live_sessions_seat_a_rep_or_two(csw, tmp_path: Path) -> None:
    assert csw("init").exit_code == 0
    result = csw("plan", "2025")
    assert result.exit_code == 0, result.stderr
    plan = yaml.safe_load((tmp_path / "csw-2025" / "plan.yaml").read_text(encoding="utf-8"))
    live = {
        plan["ideas"][a["idea"]]["title"]: max(s["reps"] for s in a["sessions"])
        for day in plan["days"]
        for a in day["activities"]
        if plan["ideas"][a["idea"]]["format"] == "live"
    }
    assert live and max(live.values()) < 3, "the starter's 4 reps a shift seat a rep or two live"
    (note,) = [n for n in plan["notes"] if n.startswith("Live sessions seat")]
    assert and_list(["1 of the 4 day-shift reps", "1 of the 4 evening-shift reps"]) in note  # Babel's "and"
    assert all(title in note for title in live) and "team.max_off_phones" in note
    assert note in " ".join(result.stdout.split()), "csw plan says it too"
    agenda = (tmp_path / "csw-2025" / "agenda.md").read_text(encoding="utf-8")
    assert "up to 1 rep in the room or on the stream while the rest cover the phones;" in agenda, "hybrid"
    # (40 reps seat 10 a session, and say nothing: the README's plan output, held by test_docs)
