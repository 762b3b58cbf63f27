"""csw.toml: found, validated, and every error naming the file, the line and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csw.settings.config import Config
from csw.settings.config_file import load_config, toml_key_lines


def test_no_config_at_all_works(csw) -> None:
    result = csw("week", "2025")
    assert result.exit_code == 0


def test_config_option_and_local_file(csw, write, tmp_path: Path) -> None:
    write("elsewhere/my.toml", '[week]\ndays = ["mon"]\n')
    record = json.loads(csw("week", "2025", "--json", "--config", "elsewhere/my.toml").stdout)[0]
    assert record["days"] == ["2025-10-06"]
    write("csw.toml", '[week]\ndays = ["tue", "mon"]\n')
    record = json.loads(csw("week", "2025", "--json").stdout)[0]
    assert record["days"] == ["2025-10-06", "2025-10-07"], "./csw.toml is read, days in week order"


def test_missing_config_file_is_named(csw) -> None:
    result = csw("week", "--config", "nope.toml")
    result.assert_clean_error()
    assert "nope.toml: no such config file" in result.stderr
    assert "csw init" in result.stderr


BAD_CONFIGS = {
    "malformed TOML": (
        '[organization]\nname = "Acme\n',
        "csw.toml:2:",
        "invalid TOML",
    ),
    "unknown key with a suggestion": (
        "[team]\nheadcount = 40\nheadcont = 41\n",
        "csw.toml:3:",
        "team.headcont: unknown key 'headcont'; did you mean 'headcount'?",
    ),
    "a key of another table": (
        '[team]\nheadcount = 40\nname = "day"\n',
        "csw.toml:3:",
        "team.name: unknown key 'name' here: it belongs in another table",
    ),
    "unknown section": (
        '[organisation]\nname = "Acme"\n',
        "csw.toml:1:",
        "unknown key 'organisation'; did you mean 'organization'?",
    ),
    "bad time zone": (
        '[organization]\nname = "Acme"\ntimezone = "Mars/Olympus"\n',
        "csw.toml:3:",
        "organization.timezone: is not an IANA time zone",
    ),
    "wrong type": (
        '[team]\nmode = "remote"\nheadcount = "forty"\n',
        "csw.toml:3:",
        "team.headcount: Input should be a valid integer",
    ),
    "negative budget": (
        "[team]\nbudget = -5\n",
        "csw.toml:2:",
        "team.budget: Input should be greater than or equal to 0",
    ),
    "bad mode": (
        '[team]\nmode = "hybird"\n',
        "csw.toml:2:",
        "team.mode: Input should be 'onsite', 'remote' or 'hybrid' (found 'hybird')",
    ),
    "shift that ends before it starts": (
        '[team]\nheadcount = 9\n[[team.shifts]]\nname = "day"\nstart = "08:00"\nend = "16:00"\n'
        '[[team.shifts]]\nname = "night"\nstart = "22:00"\nend = "06:00"\n',
        "csw.toml:10:",
        "team.shifts[1].end: must be after the start (22:00)",
    ),
    "bad clock": (
        '[[team.shifts]]\nname = "day"\nstart = "8am"\nend = "16:00"\n',
        "csw.toml:3:",
        "team.shifts[0].start: is not a time of day",
    ),
    "a password in the file": (
        '[email]\nhost = "smtp.example"\npassword = "hunter2"\n',
        "csw.toml:1:",
        "a password never goes in csw.toml",
    ),
    "bad weekday": (
        '[week]\ndays = ["monday"]\n',
        "csw.toml:2:",
        "week.days[0]: Input should be 'mon'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_exits_2_naming_file_line_and_field(csw, write, case: str) -> None:
    text, place, message = BAD_CONFIGS[case]
    write("csw.toml", text)
    result = csw("week", "2025")
    result.assert_clean_error()
    assert f"csw: {place}" in result.stderr or f"\n{place}" in result.stderr, result.stderr
    assert message in result.stderr
    assert "hunter2" not in result.stderr


def test_every_error_of_a_config_is_reported_at_once(csw, write) -> None:
    write("csw.toml", '[team]\nheadcount = 0\nmode = "x"\n')
    result = csw("week", "2025")
    result.assert_clean_error()
    assert "csw.toml:2: team.headcount" in result.stderr
    assert "csw.toml:3: team.mode" in result.stderr


def test_debug_shows_the_exception(csw, write) -> None:
    write("csw.toml", "[team]\nheadcount = 0\n")
    from csw.core.errors import ConfigError

    with pytest.raises(ConfigError):
        csw("week", "2025", env={"CSW_DEBUG": "1"})


def test_key_lines_follow_tables_arrays_and_dotted_keys() -> None:
    text = 'a = 1\n[team]\nx = 2\n[[team.shifts]]\nname = "a"\n[[team.shifts]]\nname = "b"\nweek.days = []\n'
    lines = toml_key_lines(text)
    assert lines[("a",)] == 1
    assert lines[("team", "x")] == 3
    assert lines[("team", "shifts", 1, "name")] == 7
    assert lines[("team", "shifts", 1, "week", "days")] == 8


def test_init_writes_a_valid_commented_config_and_recipients(csw, tmp_path: Path) -> None:
    result = csw("init", "starter")
    assert result.exit_code == 0
    config_text = (tmp_path / "starter" / "csw.toml").read_text()
    assert config_text.count("#") > 20, "fully commented"
    config = load_config(tmp_path / "starter" / "csw.toml")
    assert config.team.mode.value == "hybrid" and len(config.team.shifts) == 2
    assert config.email.password_env == "CSW_SMTP_PASSWORD"
    header = (tmp_path / "starter" / "recipients.csv").read_text().splitlines()[0]
    assert header.startswith("email,name")
    # the commented-out keys are valid too once uncommented
    uncommented = config_text.replace("# theme =", "theme =").replace("# start =", "start =")
    uncommented = uncommented.replace("# headcount = 30", "headcount = 30").replace("# 2027 =", "2027 =")
    (tmp_path / "starter" / "csw.toml").write_text(uncommented)
    config = load_config(tmp_path / "starter" / "csw.toml")
    assert config.organization.theme == "Everyday Heroes" and config.themes == {2027: "Our Own Theme"}


def test_init_refuses_to_overwrite_without_force(csw, tmp_path: Path) -> None:
    (tmp_path / "csw.toml").write_text("# mine\n")
    result = csw("init")
    result.assert_clean_error()
    assert "csw.toml already exists" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "csw.toml").read_text() == "# mine\n"
    assert not (tmp_path / "recipients.csv").exists(), "nothing written when one file is refused"
    assert csw("init", "--force").exit_code == 0
    assert (tmp_path / "csw.toml").read_text() != "# mine\n"


def test_defaults_are_complete() -> None:
    config = Config()
    assert config.organization.timezone == "UTC"
    assert config.team.shifts[0].start == "09:00"
