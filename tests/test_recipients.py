"""The recipients CSV: Excel exports, every bad row reported at once with its line, no header injection."""

from __future__ import annotations

import contextlib
import csv
import email
import email.policy
import io
import re
from collections.abc import Callable
from email.headerregistry import AddressHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csw.core.errors import CswError
from csw.people.recipients import Recipient, RecipientsError, load_recipients, sniff_delimiter

Write = Callable[[str, str], Path]
HINT = "Fix the recipients file and run the command again."


def problems(path: Path) -> list[str]:
    """The problem lines of loading `path`, which must fail."""
    with pytest.raises(RecipientsError) as caught:
        load_recipients(path)
    assert caught.value.hint == HINT
    assert str(caught.value) == "\n".join(caught.value.problems) + f"\n  {HINT}"
    return caught.value.problems


def put_bytes(tmp_path: Path, data: bytes, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- reading Excel exports ---------------------------------------------------------------------------


def test_plain_comma_file(write: Write) -> None:
    path = write(
        "people.csv",
        """
        email,name,shift,team,role
        pat.lee@acme.example,Pat Lee,day,Customer Care,coordinator
        sam.ortiz@acme.example,Sam Ortiz,evening,,
        """,
    )
    recipients, warnings = load_recipients(path)
    assert warnings == []
    assert recipients == [
        Recipient("pat.lee@acme.example", "Pat Lee", "day", "Customer Care", "coordinator", {}, line=2),
        Recipient("sam.ortiz@acme.example", "Sam Ortiz", "evening", None, None, {}, line=3),
    ]
    assert recipients[0].first_name == "Pat"
    assert recipients[0].address == "Pat Lee <pat.lee@acme.example>"


def test_starter_file_loads() -> None:
    starter = Path(__file__).resolve().parent.parent / "csw" / "starter" / "recipients.csv"
    recipients, warnings = load_recipients(starter)
    assert [r.first_name for r in recipients] == [
        *("Pat", "Sam", "Amara", "Ben", "Priya"),  # the day shift: the coordinator and four reps
        *("Lee", "Jo", "Marco", "Tess", "Kai"),  # the evening shift: the lead and four reps
        *("Dana", "Ravi", "Grace", "Omar", "Nina", "Tom"),  # the sponsor, a contact in each department
    ]
    assert recipients[5].extra == {"remote": "no", "cover": "yes"}
    assert warnings == []


def test_excel_export_with_bom_semicolons_crlf_and_quoted_delimiter(tmp_path: Path) -> None:
    # What Excel writes for "CSV UTF-8" in a locale whose list separator is ';'.
    data = (
        "\ufeffE-Mail Address;Email ; NAME ;Team\r\n"
        'x;pat@acme.example;"Lee; Pat";"Care; Tier 2"\r\n'
        "y;sam@acme.example;Sam Ortiz;\r\n"
    ).encode()
    recipients, warnings = load_recipients(put_bytes(tmp_path, data))
    assert warnings == []
    assert [(r.email, r.name, r.team, r.line) for r in recipients] == [
        ("pat@acme.example", "Lee; Pat", "Care; Tier 2", 2),
        ("sam@acme.example", "Sam Ortiz", None, 3),
    ]
    assert recipients[0].field("e-mail address") == "x"
    assert recipients[0].address == '"Lee; Pat" <pat@acme.example>'


def test_tab_separated_file(tmp_path: Path) -> None:
    data = b"name\temail\tshift\nPat Lee\tpat@acme.example\tday\nJo Kim\tjo@acme.example\t\n"
    recipients, _ = load_recipients(put_bytes(tmp_path, data, "people.tsv"))
    assert [(r.name, r.email, r.shift) for r in recipients] == [
        ("Pat Lee", "pat@acme.example", "day"),
        ("Jo Kim", "jo@acme.example", None),
    ]


def test_values_are_trimmed_blank_rows_skipped_and_addresses_normalised(tmp_path: Path) -> None:
    text = "\n email , name\n  Pat@ACME.Example  ,  Pat   Lee  \n\n,\njo@bücher.example,Jo\n"
    recipients, _ = load_recipients(put_bytes(tmp_path, text.encode()))
    assert [(r.email, r.name, r.line) for r in recipients] == [
        ("Pat@acme.example", "Pat Lee", 3),  # email-validator lower-cases the domain only
        ("jo@xn--bcher-kva.example", "Jo", 6),  # IDNA: ASCII for headers and SMTP
    ]
    assert recipients[1].address == "Jo <jo@xn--bcher-kva.example>"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("email,name", ","),
        ("email;name", ";"),
        ("email\tname", "\t"),
        ("email", ","),  # one column: any delimiter will do
        ("E-mail;Nom, prénom;Équipe", ";"),  # the Sniffer alone says ','
        ('"Name, first, last";email', ";"),  # delimiters inside quotes do not count
        ("email,name;team,role", ","),
    ],
)
def test_sniff_delimiter(header: str, expected: str) -> None:
    assert sniff_delimiter(header) == expected


def test_semicolon_file_whose_header_holds_a_comma(write: Write) -> None:
    path = write("people.csv", "Email;Name;Nom, prénom\npat@acme.example;Pat;Lee, Pat\n")
    [recipient], _ = load_recipients(path)
    assert recipient.field("nom, prénom") == "Lee, Pat"


# --- extra columns and the Recipient ------------------------------------------------------------------


def test_extra_columns_by_name(write: Write) -> None:
    path = write(
        "people.csv",
        """
        Email,Name,Office,Birthday Month,Notes,Role
        pat@acme.example,Pat Lee,Austin,October,"likes tacos
        and\tcake",lead
        sam@acme.example,Sam Ortiz,,,,
        """,
    )
    pat, sam = load_recipients(path)[0]
    assert dict(pat.extra) == {
        "office": "Austin",
        "birthday month": "October",
        "notes": "likes tacos\nand\tcake",
    }
    assert pat.field("office") == pat["Office"] == pat.field(" OFFICE ") == "Austin"
    assert pat.field("birthday month") == "October"
    assert pat.field("role") == "lead"
    assert pat.field("email") == "pat@acme.example"
    assert sam.field("office") == "" and sam.field("role") == "" and sam.role is None
    with pytest.raises(KeyError, match="no column 'desk' in the recipients file; it has email, name"):
        pat.field("desk")
    with pytest.raises(TypeError):
        pat.extra["office"] = "Paris"  # type: ignore[index]
    assert (sam.line, pat.line) == (4, 2)


def test_crlf_inside_an_extra_column_becomes_lf(tmp_path: Path) -> None:
    data = b'email,name,notes\r\npat@acme.example,Pat,"one\r\ntwo\rthree"\r\n'
    [pat], _ = load_recipients(put_bytes(tmp_path, data))
    assert pat["notes"] == "one\ntwo\nthree"


def test_recipient_is_frozen_and_hashable() -> None:
    extra = {"office": "Austin"}
    pat = Recipient("pat@acme.example", "Pat Lee", extra=extra)
    extra["office"] = "Paris"  # the recipient holds its own copy
    assert pat["office"] == "Austin"
    assert hash(pat) == hash(Recipient("pat@acme.example", "Pat Lee", extra={"office": "Austin"}))
    with pytest.raises(AttributeError):
        pat.name = "Sam"  # type: ignore[misc]


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström",
        "José Ñúñez",
        "山田 太郎",
        "山田\u3000太郎",
        "Ольга Петрова",
        "Łukasz Żółw",
        "O'Brien, Seán",
    ],
)
def test_non_ascii_names_survive_the_address_form(tmp_path: Path, name: str) -> None:
    data = f"email,name\nzoe@acme.example,{csv_cell(name)}\n".encode()
    [recipient], _ = load_recipients(put_bytes(tmp_path, data))
    assert recipient.name == name
    [(parsed_name, parsed_email)] = getaddresses([recipient.address])
    assert (parsed_name, parsed_email) == (name, "zoe@acme.example")
    header = HeaderRegistry()("To", recipient.address)
    assert isinstance(header, AddressHeader)
    assert [(a.display_name, a.addr_spec) for a in header.addresses] == [(name, "zoe@acme.example")]
    # And through a real message: the name goes out RFC 2047-encoded and comes back intact.
    message = EmailMessage()
    message["To"] = recipient.address
    wire = message.as_bytes()
    assert wire.isascii()
    back = email.message_from_bytes(wire, policy=email.policy.default)
    assert back["To"].addresses[0].display_name == name
    assert back["To"].addresses[0].addr_spec == "zoe@acme.example"


def csv_cell(value: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([value])
    return out.getvalue()


# --- errors: every bad row at once, with its line -------------------------------------------------------


def bad_address(problem: str) -> tuple[str, str]:
    """(file:line, the address) of a "not a valid email address" problem, with a reason and a fix."""
    match = re.fullmatch(r"(.+:\d+): '(.*)' is not a valid email address: (.+); correct it", problem)
    assert match, problem
    assert len(match[3]) > 10, "the reason is given"
    return match[1], match[2]


def test_bad_addresses_are_all_reported_with_their_lines(write: Write) -> None:
    path = write(
        "people.csv",
        """
        email,name,notes
        pat,Pat Lee,
        ok@acme.example,"Ok Person","a note
        over three
        lines"
        sam@@acme.example,Sam Ortiz,
        jo@acme,Jo Kim,

        Dana <dana@acme.example>,Dana Ruiz,
        ,Nobody,
        josé@acme.example,José,
        fine@acme.example,Fine,
        """,
    )
    # email-validator's reason (after the colon) is its own wording and changes between releases:
    # csw's part is the file:line, the value, and what to do.
    found = problems(path)
    assert [bad_address(line) for line in found[:4] + found[5:]] == [
        (f"{path}:2", "pat"),
        (f"{path}:6", "sam@@acme.example"),
        (f"{path}:7", "jo@acme"),
        (f"{path}:9", "Dana <dana@acme.example>"),
        (f"{path}:11", "josé@acme.example"),
    ]
    assert found[4] == f"{path}:10: the email is empty; fill it in or remove the row"
    assert len(found) == 6


def test_missing_columns_name_the_columns_found(write: Write) -> None:
    path = write("people.csv", "Mail,Full Name,Team\nx,y,z\n")
    assert problems(path) == [
        f"{path}:1: missing columns email and name (found 'Mail', 'Full Name', 'Team');"
        " its first line must name the columns, at least email and name"
    ]
    path = write("people.csv", "Name;E-mail\nPat;pat@acme.example\n")
    assert problems(path) == [
        f"{path}:1: missing column email (found 'Name', 'E-mail');"
        " its first line must name the columns, at least email and name"
    ]


def test_a_column_named_twice(write: Write) -> None:
    path = write("people.csv", "email,name,Email\npat@acme.example,Pat,\n")
    assert problems(path) == [f"{path}:1: column 'email' appears more than once (columns 1 and 3); keep one"]


def test_a_control_character_in_a_column_name(tmp_path: Path) -> None:
    path = put_bytes(tmp_path, b'email,name,"desk\nno"\npat@acme.example,Pat,1\n')
    assert problems(path) == [
        f"{path}:1: control characters are not allowed in a column name (found a line break, U+000A"
        " in 'desk\\nno'); rename the column"
    ]


def test_blank_excel_rows_before_the_header(tmp_path: Path) -> None:
    path = put_bytes(tmp_path, b";;\n\nemail;name;team\npat@acme.example;Pat;Care, Tier 2\n")
    [pat], _ = load_recipients(path)
    assert (pat.team, pat.line) == ("Care, Tier 2", 4)


def test_an_unclosed_quote_in_a_big_file_is_a_csv_error(tmp_path: Path) -> None:
    rows = "".join(f"p{i}@acme.example,Person {i}\n" for i in range(6000))
    path = put_bytes(tmp_path, f'email,name\nok@acme.example,"Ok\n{rows}'.encode())
    assert problems(path) == [
        f"{path}:2: cannot read this row as CSV (field larger than field limit (131072)); check its quotes"
    ]


def test_empty_name(write: Write) -> None:
    path = write("people.csv", "email,name\npat@acme.example,Pat\nsam@acme.example,   \n")
    assert problems(path) == [f"{path}:3: the name is empty; fill it in (messages greet people by name)"]


def test_several_problems_in_one_row_each_get_a_line(write: Write) -> None:
    path = write("people.csv", "email,name\nnot-an-address,\n")
    found = problems(path)
    assert len(found) == 2
    assert bad_address(found[0]) == (f"{path}:2", "not-an-address")
    assert found[1] == f"{path}:2: the name is empty; fill it in (messages greet people by name)"


def test_too_many_values_but_a_trailing_delimiter_is_fine(write: Write) -> None:
    path = write(
        "people.csv",
        """
        email;name;team
        pat@acme.example;Pat;Care;
        sam@acme.example;Ortiz;Sam;Care
        """,
    )
    assert problems(path) == [
        f"{path}:3: 4 values but the header has 3 columns; put quotes around any value that contains ';'"
    ]


def test_a_column_without_a_name_is_ignored_with_a_warning(write: Write) -> None:
    path = write("people.csv", "email,,name,\npat@acme.example,,Pat,\nsam@acme.example,x,Sam,\n")
    recipients, warnings = load_recipients(path)
    assert [r.name for r in recipients] == ["Pat", "Sam"]
    assert dict(recipients[1].extra) == {}
    assert warnings == [
        f"{path}:1: column 2 has no name in the header, so its values (from line 3) are ignored;"
        " give it a name to use them"
    ]


INJECTION = (
    "line breaks or control characters are not allowed in {article} {column}: they could forge email headers"
    " (found {found}); keep the {column} on one line, and check that every opening quote is closed"
)


def injection(column: str, found: str) -> str:
    return INJECTION.format(article="an" if column == "email" else "a", column=column, found=found)


def test_line_breaks_in_a_name_are_rejected_with_the_line(tmp_path: Path) -> None:
    data = (
        b"email,name\r\n"
        b"pat@acme.example,Pat\r\n"
        b'eve@acme.example,"Eve\r\nBcc: everyone@acme.example"\r\n'
        b'mal@acme.example,"Mal\rlory"\r\n'
        b'lf@acme.example,"L\nF"\r\n'
        b"ok@acme.example,Ok\r\n"
    )
    path = put_bytes(tmp_path, data)
    assert problems(path) == [
        f"{path}:3: {injection('name', 'a carriage return, U+000D')}",
        f"{path}:5: {injection('name', 'a carriage return, U+000D')}",
        f"{path}:7: {injection('name', 'a line break, U+000A')}",
    ]


def test_nul_line_separator_and_tab_are_rejected_in_header_fields(tmp_path: Path) -> None:
    data = (
        "email,name,team,shift,role,notes\n"
        "a@acme.example,A\x00B,,,,\n"
        "b@acme.example,B,Care\u2028Bcc: x@y.example,,,\n"
        "c@acme.example,C,,day\u2029,,\n"
        "d@acme.example,D,,,lead\tx,\n"
        "e\x85@acme.example,E,,,,\n"
        "f@acme.example,F,,,,ok\twith\ttabs\n"
        "g@acme.example,G,,,,no\x00nul\n"
        "h@acme.example,H,,,,no\u2028separator\n"
    ).encode()
    path = put_bytes(tmp_path, data)
    assert problems(path) == [
        f"{path}:2: {injection('name', 'a NUL, U+0000')}",
        f"{path}:3: {injection('team', 'a line separator, U+2028')}",
        f"{path}:4: {injection('shift', 'a paragraph separator, U+2029')}",
        f"{path}:5: {injection('role', 'a tab, U+0009')}",
        f"{path}:6: {injection('email', 'U+0085')}",
        f"{path}:8: control characters are not allowed in column 'notes' (found a NUL, U+0000);"
        " remove it (only tabs and line breaks may appear there)",
        f"{path}:9: control characters are not allowed in column 'notes' (found a line separator,"
        " U+2028); remove it (only tabs and line breaks may appear there)",
    ]


def test_an_unclosed_quote_swallows_the_rest_and_is_reported(write: Write) -> None:
    path = write("people.csv", 'email,name\npat@acme.example,"Pat Lee\nsam@acme.example,Sam\n')
    assert problems(path) == [f"{path}:2: {injection('name', 'a line break, U+000A')}"]


def test_duplicates_are_merged_with_a_warning_naming_both_lines(write: Write) -> None:
    path = write(
        "people.csv",
        """
        email,name,team
        pat@acme.example,Pat Lee,Care
        sam@acme.example,Sam Ortiz,Care
        PAT@Acme.Example,Patricia Lee,Sales
        sam@acme.example,Sam Ortiz,Care
        jo@acme.example,Jo Kim,Care
        """,
    )
    recipients, warnings = load_recipients(path)
    assert [(r.email, r.name, r.line) for r in recipients] == [
        ("pat@acme.example", "Pat Lee", 2),
        ("sam@acme.example", "Sam Ortiz", 3),
        ("jo@acme.example", "Jo Kim", 6),
    ]
    assert warnings == [
        f"{path}:4: duplicate of line 2 (pat@acme.example), merged; line 2's values are kept"
        " (this row has a different name, team)",
        f"{path}:5: duplicate of line 3 (sam@acme.example), merged",
    ]


def test_cp1252_is_rejected_with_the_utf8_hint(tmp_path: Path) -> None:
    data = "email,name\r\npat@acme.example,Pat\r\nrenee@acme.example,Renée Côté\r\n".encode("cp1252")
    path = put_bytes(tmp_path, data)
    assert problems(path) == [
        f"{path}:3: the file is not UTF-8 (byte 0xE9); save it again as CSV UTF-8"
        " (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)')"
    ]


def test_utf16_is_rejected_with_the_utf8_hint(tmp_path: Path) -> None:
    path = put_bytes(tmp_path, "email\tname\r\n".encode("utf-16"))
    [problem] = problems(path)
    assert problem.startswith(f"{path}:1: the file is not UTF-8 (byte 0xFF); save it again as CSV UTF-8")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_an_empty_file(tmp_path: Path, data: bytes) -> None:
    path = put_bytes(tmp_path, data)
    assert problems(path) == [
        f"{path}:1: the file is empty; its first line must name the columns, at least email and name"
    ]


@pytest.mark.parametrize(
    ("text", "line"), [("email,name\n", 1), ("\nEmail;Name\n\n;\n", 2), ("email,name", 1)]
)
def test_a_header_without_rows(tmp_path: Path, text: str, line: int) -> None:
    path = put_bytes(tmp_path, text.encode())
    assert problems(path) == [
        f"{path}:{line}: no recipients: the header has no rows below it;"
        " add one row per person below it, with at least an email and a name"
    ]


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert problems(missing) == [f"{missing}: no such file; check the path given to --recipients"]
    assert problems(tmp_path) == [
        f"{tmp_path}: cannot read the file (Is a directory); check the path and its permissions"
    ]


def test_the_error_is_a_csw_error_with_exit_code_2() -> None:
    assert issubclass(RecipientsError, CswError)
    assert RecipientsError(["x"]).exit_code == 2


# --- properties -------------------------------------------------------------------------------------


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(name=st.text())
def test_any_name_loads_exactly_or_is_a_clean_error(tmp_path: Path, name: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([["email", "name"], ["pat@acme.example", name]])
    path = put_bytes(tmp_path, out.getvalue().encode())
    try:
        [recipient], warnings = load_recipients(path)
    except RecipientsError as error:
        unsafe = re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", name)
        assert not name.strip() or unsafe, error
        return
    assert warnings == []
    assert recipient.name == re.sub(" {2,}", " ", name.strip())
    header = HeaderRegistry()("To", recipient.address)
    assert isinstance(header, AddressHeader)
    assert [(a.display_name, a.addr_spec) for a in header.addresses] == [(recipient.name, "pat@acme.example")]


# Pieces that make the parser work: delimiters, quotes, line breaks, unsafe characters, an address.
CSV_ISH = st.lists(st.sampled_from([*'ab@.,;\t"\r\n \x00\u2028é', "x@acme.example", "Pat"])).map("".join)
# Whole files that look like exports, so that many load and the row, duplicate and warning paths run.
ROWS = st.tuples(
    st.sampled_from(["pat@acme.example", "PAT@Acme.example", "sam@acme.example", "jo@acme.example", "bad@"]),
    st.sampled_from(["Pat Lee", "Zoë", '"Lee, Pat"', '"Lee; Pat"', "Sam", "Jo Kim", "", "x\x00"]),
    st.sampled_from(["", "note", '"two\nlines"', "a\tb"]),
)


def export(delimiter: str, newline: str, rows: list[tuple[str, str, str]]) -> str:
    return newline.join(delimiter.join(row) for row in [("Email", "Name", "Notes"), *rows])


EXPORTS = st.builds(
    export, st.sampled_from(",;\t"), st.sampled_from(["\n", "\r\n"]), st.lists(ROWS, max_size=5)
)


@FUZZ
@given(text=st.text() | CSV_ISH | CSV_ISH.map(lambda body: "email,name,team\n" + body) | EXPORTS)
def test_any_file_loads_or_raises_only_recipients_error(tmp_path: Path, text: str) -> None:
    path = put_bytes(tmp_path, text.encode())
    try:
        recipients, warnings = load_recipients(path)
    except RecipientsError as error:
        assert error.problems and all(p.startswith(str(path)) for p in error.problems)
        return
    assert recipients and all(isinstance(r, Recipient) for r in recipients)
    assert len({r.email.lower() for r in recipients}) == len(recipients)
    assert [r.line for r in recipients] == sorted(r.line for r in recipients)
    assert all(w.startswith(str(path)) for w in warnings)


@FUZZ
@given(data=st.binary())
def test_any_bytes_load_or_raise_only_recipients_error(tmp_path: Path, data: bytes) -> None:
    with contextlib.suppress(RecipientsError):
        load_recipients(put_bytes(tmp_path, data))
