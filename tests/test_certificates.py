"""`csw certificates --roster`: a name is all a certificate needs; the sponsor gets none."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from csw.exports.certificates import CertificatesPage, honoured
from csw.people.recipients import Recipient, RecipientsError, load_recipients


class Pages(HTMLParser):
    """The certificates of a certificates.html: the name and the award on each page."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[dict[str, str]] = []
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "section" and "page" in classes:
            self.pages.append({})
        elif tag == "p" and {"name", "award"} & set(classes):
            self._field = "name" if "name" in classes else "award"

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self.pages[-1][self._field] = self.pages[-1].get(self._field, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._field = None


def pages(path: Path) -> list[dict[str, str]]:
    parser = Pages()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.pages


@pytest.fixture
def planned(csw) -> Path:
    assert csw("plan", "2025", "--format", "md").exit_code == 0
    return Path("csw-2025/plan.yaml")


def test_a_names_only_roster_gives_one_certificate_per_name(
    csw, write, planned: Path, tmp_path: Path
) -> None:
    write("roster.csv", "name,award\nSam Ortiz,\nJo Kim,Chat Wizard\nAli Khan,\n")
    result = csw("certificates", planned, "--roster", "roster.csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Wrote csw-2025/certificates.html: 3 certificates, one page each.\n"
    assert pages(tmp_path / "csw-2025" / "certificates.html") == [
        {"name": "Sam Ortiz", "award": "Customer Champion"},
        {"name": "Jo Kim", "award": "Chat Wizard"},
        {"name": "Ali Khan", "award": "Problem Solver of the Year"},
    ]


def test_the_same_csv_rules_as_the_recipients(csw, write, planned: Path, tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" in a ';' locale: a BOM, CRLF, a header in other case, a name with a ';'.
    (tmp_path / "roster.csv").write_bytes(
        '\ufeff Name ;Team\r\n"Nguyễn; Thị";Care\r\n\r\nJo   Kim;Care\r\n'.encode()
    )
    result = csw("certificates", planned, "--roster", "roster.csv")
    assert result.exit_code == 0, result.stderr
    assert [page["name"] for page in pages(tmp_path / "csw-2025" / "certificates.html")] == [
        "Nguyễn; Thị",
        "Jo Kim",
    ]


def test_rows_with_an_email_work_as_before_and_the_sponsor_gets_none(
    csw, write, planned: Path, tmp_path: Path
) -> None:
    write(
        "roster.csv",
        "email,name,shift,role\n"
        "sam@acme.example,Sam Ortiz,day,rep\n"
        ",Jo Kim,evening,rep\n"
        "dana@acme.example,Dana Ruiz,,Sponsor\n"
        "pat@acme.example,Pat Lee,day,coordinator\n"
        ",Jo Kim,day,rep\n",  # another Jo Kim: no address to tell them apart, so both are kept
    )
    result = csw("certificates", planned, "--roster", "roster.csv")
    assert result.exit_code == 0, result.stderr
    assert "4 certificates, one page each" in result.stdout
    names = [page["name"] for page in pages(tmp_path / "csw-2025" / "certificates.html")]
    assert names == ["Sam Ortiz", "Jo Kim", "Pat Lee", "Jo Kim"]


@pytest.mark.parametrize(
    ("roster", "expected"),
    [
        ("name,award\nSam Ortiz,\n,Chat Wizard\n", "roster.csv:3: the name is empty; fill it in"),
        ("email,award\nsam@acme.example,\n", "roster.csv:1: missing column name (found 'email', 'award');"),
        (
            "email,name\nsam@acme.example,Sam\nnot-an-address,Jo Kim\n",
            "roster.csv:3: 'not-an-address' is not a valid",
        ),
        ('name,note\nSam,"fine\x07"\n', "roster.csv:2: control characters are not allowed in column 'note'"),
        ("name\n", "roster.csv:1: no recipients: the header has no rows below it; add one row per person"),
        ("", "roster.csv:1: the file is empty; its first line must name the columns, at least name"),
        ("name,role\nDana Ruiz,sponsor\n", "roster.csv: nobody on the roster gets a certificate"),
    ],
)
def test_a_bad_roster_is_a_clear_error_with_its_line(
    csw, write, planned: Path, roster: str, expected: str
) -> None:
    write("roster.csv", roster)
    result = csw("certificates", planned, "--roster", "roster.csv")
    result.assert_clean_error()
    assert expected in result.stderr
    assert not Path("csw-2025/certificates.html").exists()


def test_a_missing_roster_names_the_option(csw, planned: Path) -> None:
    result = csw("certificates", planned, "--roster", "nobody.csv")
    result.assert_clean_error()
    assert "nobody.csv: no such roster file" in result.stderr and "--roster" in result.stderr


def test_names_only_is_asked_for_and_recipients_still_need_an_email(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,email\nSam Ortiz,\nJo Kim,JO@acme.example\nJo Kim,jo@acme.example\n")
    people, warnings = load_recipients(path, require_email=False)
    assert [(p.name, p.email, p.line) for p in people] == [
        ("Sam Ortiz", "", 2),
        ("Jo Kim", "JO@acme.example", 3),
    ]
    assert warnings == [f"{path}:4: duplicate of line 3 (JO@acme.example), merged"]
    with pytest.raises(RecipientsError, match=r"people.csv:2: the email is empty"):
        load_recipients(path)
    path.write_text("name\nSam Ortiz\n")
    with pytest.raises(RecipientsError, match=r"people.csv:1: missing column email \(found 'name'\)"):
        load_recipients(path)


def test_what_the_command_says_when_the_sponsor_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("name,role\nSam Ortiz,rep\nDana Ruiz,sponsor\n")
    chosen, skipped = honoured(path)
    assert [p.name for p in chosen] == ["Sam Ortiz"] and [p.name for p in skipped] == ["Dana Ruiz"]
    page = CertificatesPage("<html></html>", 1, tuple(skipped))
    assert page.summary(Path("csw-2025/certificates.html")) == (
        "Wrote csw-2025/certificates.html: 1 certificate, one page each. None for Dana Ruiz (sponsor)."
    )
    many = tuple(Recipient("", f"Sponsor {n}", role="sponsor") for n in range(5))
    assert (
        page.__class__("", 2, many)
        .summary(Path("c.html"))
        .endswith("None for Sponsor 0 (sponsor), Sponsor 1 (sponsor), Sponsor 2 (sponsor) and 2 more.")
    )
