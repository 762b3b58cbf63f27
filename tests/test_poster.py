"""poster.html: a self-contained, escaped week-at-a-glance page that prints on exactly one page.

The structure tests parse the page with the standard library's html.parser and compare it with the
plan it came from. The browser tests (slow) print it with Debian's chromium, on US Letter and on A4,
and count the PDF's pages; they skip when chromium is missing, unless CI is set: then they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from csw.core.locale_formats import clock, day_month, full_date, long_date, weekday
from csw.exports.context import plan_context
from csw.plan.file import load_plan

SEVEN_DAYS = '[week]\ndays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
# A 24/7 centre on two shifts with four activities a day: the busiest poster there is to print.
BUSY = (
    SEVEN_DAYS
    + "[team]\nper_day = 4\nheadcount = 200\n"
    + '[[team.shifts]]\nname = "early"\nstart = "06:00"\nend = "14:00"\n'
    + '[[team.shifts]]\nname = "late"\nstart = "14:00"\nend = "22:00"\n'
)

HOSTILE_TITLE = "<script>alert(1)</script> & Friends Day"
HOSTILE_BANK = """
- id: hostile-day
  title: "<script>alert(1)</script> & Friends Day"
  category: dress-up
  kind: theme
  summary: "Wear <b>bold</b> stripes & bring a friend."
  how_to: |
    1. Pick a colour.
    2. Wear it.
    3. Take a photo.
  duration_minutes: 0
  time_of_day: any
  modes: [onsite, remote, hybrid]
  cost_per_person: 0
"""

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FETCHING_TAGS = {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source", "base"}


# --- a tiny DOM over html.parser -----------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        """The text content, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find_all(self, class_: str) -> list[Element]:
        return [e for e in self.walk() if class_ in e.classes]

    def find(self, class_: str) -> Element:
        found = self.find_all(class_)
        assert len(found) == 1, f"expected one .{class_}, found {len(found)}"
        return found[0]


class TreeBuilder(HTMLParser):
    """Builds the tree and insists the document is well formed: every end tag closes its start tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert [e.tag for e in builder.stack] == ["#document"], "unclosed elements"
    assert builder.doctype is not None
    assert builder.doctype.lower() == "doctype html"
    return builder.root


# --- making posters ------------------------------------------------------------------------------


def make_poster(csw, tmp_path: Path, *args: str) -> tuple[str, dict]:
    """`csw plan 2025 --format html ARGS`: the poster's text and the context of the plan it shows."""
    result = csw("plan", "2025", "--format", "html", *args)
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "csw-2025"
    assert sorted(p.name for p in out.iterdir()) == ["plan.yaml", "poster.html"]
    return (out / "poster.html").read_text(encoding="utf-8"), plan_context(load_plan(out / "plan.yaml"))


def expected_days(context: dict) -> list[tuple]:
    """What each day's card must say, straight from the plan."""
    days = []
    for day in context["days"]:
        activities = []
        for activity in day.activities:
            if activity.idea.span.value == "daily":
                continue  # in the band above the days, with its time
            waves = max(run.waves for run in activity.runs) if activity.idea.format.value == "waves" else 0
            per_shift = " a shift" if len(activity.runs) > 1 else ""
            role = {"opening": "Opens the week", "finale": "The finale"}.get(activity.role or "")
            # every shift in order: the legend under the title names them; else each time is named
            every = [run.shift for run in activity.runs] == [shift.name for shift in context["team"].shifts]
            named = context["multi_shift"] and not every
            activities.append(
                (
                    " / ".join(
                        clock(run.start) + (f" ({run.shift})" if named else "") for run in activity.runs
                    ),
                    activity.idea.title,
                    role,
                    f"in {waves} waves{per_shift}" if waves > 1 else None,
                )
            )
        days.append(
            (
                weekday(day.date),
                day_month(day.date),
                day.theme.title,
                day.theme.pitch or day.theme.summary,
                activities,
            )
        )
    return days


def shown_days(doc: Element) -> list[tuple]:
    """What each day's card does say."""
    days = []
    for card in doc.find_all("day"):
        activities = []
        for item in card.find_all("activity"):
            waves, role = item.find_all("waves"), item.find_all("role")
            activities.append(
                (
                    item.find("at").text(),
                    item.find("what").text(),
                    role[0].text() if role else None,
                    waves[0].text() if waves else None,
                )
            )
        days.append(
            (
                card.find("weekday").text(),
                card.find("date").text(),
                card.find("day-theme").text(),
                card.find("day-summary").text(),
                activities,
            )
        )
    return days


def assert_self_contained(html: str, doc: Element) -> None:
    """Nothing that fetches: no scripts, links, images or frames, no src/href, no url() or @import."""
    tags = {e.tag for e in doc.walk()}
    assert not tags & FETCHING_TAGS, tags & FETCHING_TAGS
    for element in doc.walk():
        assert not {"src", "href", "srcset", "action", "data"} & set(element.attrs), element
    lowered = html.lower()
    for needle in ("<link", "<script", "src=", "href=", "url(", "@import", "@font-face"):
        assert needle not in lowered, needle


@pytest.fixture
def five(csw, tmp_path: Path) -> tuple[str, dict]:
    return make_poster(csw, tmp_path)


@pytest.fixture
def seven(csw, write, tmp_path: Path) -> tuple[str, dict]:
    write("csw.toml", SEVEN_DAYS)
    return make_poster(csw, tmp_path)


@pytest.fixture
def busy(csw, write, tmp_path: Path) -> tuple[str, dict]:
    write("csw.toml", BUSY)
    return make_poster(csw, tmp_path)


# --- structure -----------------------------------------------------------------------------------


def test_five_day_poster_shows_the_whole_week(five) -> None:
    html, context = five
    doc = parse(html)
    assert len(context["days"]) == 5
    assert shown_days(doc) == expected_days(context)
    assert [d[0] for d in shown_days(doc)] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    assert any((a[3] or "").endswith(" waves") for d in shown_days(doc) for a in d[4]), "waves are shown"
    assert any(a[3] is None for d in shown_days(doc) for a in d[4]), "one wave says nothing"
    roles = [a[2] for d in shown_days(doc) for a in d[4] if a[2]]
    assert roles == ["Opens the week", "The finale"], "the arc is marked"
    assert doc.find("band") is not None, "what runs all week and every day"
    assert doc.find("days").attrs["style"] == "--days: 5"

    assert doc.find("kicker").text() == "Our Company · Customer Service"
    assert [e.text() for e in doc.walk() if e.tag == "h1"] == ["Customer Service Week 2025"]
    assert doc.find("theme-of-year").text() == "Theme of the year: Mission Possible"
    assert doc.find("dates").text() == f"{long_date(date(2025, 10, 6))} to {full_date(date(2025, 10, 10))}"
    assert doc.find("zone").text() == "All times UTC"
    assert "all year" in doc.find("closing").text()


def test_seven_day_poster_holds_the_whole_week(seven) -> None:
    html, context = seven
    doc = parse(html)
    assert len(context["days"]) == 7
    assert shown_days(doc) == expected_days(context)
    assert [d[1] for d in shown_days(doc)] == [day_month(date(2025, 10, n)) for n in range(6, 13)]
    assert doc.find("days").attrs["style"] == "--days: 7"
    assert doc.find("dates").text() == f"{long_date(date(2025, 10, 6))} to {full_date(date(2025, 10, 12))}"
    assert [e.attrs for e in doc.walk() if e.tag == "html"] == [{"lang": "en"}]


def test_busy_week_is_set_denser_for_print(busy) -> None:
    """Four activities a day: the page asks for smaller print type (html.dense) to stay on one page."""
    html, context = busy
    doc = parse(html)
    assert shown_days(doc) == expected_days(context)
    assert {sum(not a.daily for a in day.activities) for day in context["days"]} == {4}
    assert [e.attrs for e in doc.walk() if e.tag == "html"] == [{"lang": "en", "class": "dense"}]
    assert re.search(r"@media print \{[^@]*html\.dense \{ font-size: 9pt; \}", html)


def test_poster_is_a_self_contained_html5_page(five) -> None:
    html, _ = five
    doc = parse(html)
    [root] = [e for e in doc.children if isinstance(e, Element)]
    assert (root.tag, root.attrs) == ("html", {"lang": "en"})
    metas = [e.attrs for e in doc.walk() if e.tag == "meta"]
    assert {"charset": "utf-8"} in metas
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    [title] = [e.text() for e in doc.walk() if e.tag == "title"]
    assert title == "Customer Service Week 2025: Mission Possible · Our Company"
    assert_self_contained(html, doc)
    [style] = [e.text() for e in doc.walk() if e.tag == "style"]
    # Printing: landscape, colour blocks kept, no card split across pages.
    assert re.search(r"@page\s*\{\s*size:\s*landscape;\s*margin:", style)
    assert "print-color-adjust: exact" in style
    assert "break-inside: avoid" in style
    assert "@media print" in style


def test_year_without_a_theme_leaves_it_out(csw, tmp_path: Path) -> None:
    result = csw("plan", "2018", "--format", "html")
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "csw-2018" / "poster.html").read_text(encoding="utf-8")
    doc = parse(html)
    assert doc.find_all("theme-of-year") == []
    assert "Theme of the year" not in html
    assert [e.text() for e in doc.walk() if e.tag == "title"] == ["Customer Service Week 2018 · Our Company"]
    assert doc.find("dates").text() == f"{long_date(date(2018, 10, 1))} to {full_date(date(2018, 10, 5))}"


def test_plan_text_is_escaped(csw, write, tmp_path: Path) -> None:
    bank = write("mine/hostile.yaml", HOSTILE_BANK)
    write("csw.toml", '[organization]\nname = "Smith & <Sons>"\n')
    html, context = make_poster(csw, tmp_path, "--ideas", str(bank), "--pin", "mon=hostile-day")
    assert context["days"][0].theme.title == HOSTILE_TITLE

    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Friends Day" in html
    assert "Wear &lt;b&gt;bold&lt;/b&gt; stripes &amp; bring a friend." in html
    assert "Smith &amp; &lt;Sons&gt;" in html

    doc = parse(html)
    monday = doc.find_all("day")[0]
    assert monday.find("day-theme").text() == HOSTILE_TITLE
    assert monday.find("day-theme").children == [HOSTILE_TITLE]  # text, not elements
    assert monday.find("day-summary").text() == "Wear <b>bold</b> stripes & bring a friend."
    assert doc.find("kicker").text() == "Smith & <Sons> · Customer Service"
    assert_self_contained(html, doc)


# --- in a browser --------------------------------------------------------------------------------

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
PAGES_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b")
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]")
# PDF points (1/72 in): landscape width x height.
LETTER = (792.0, 612.0)
A4 = (841.89, 595.28)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(
                "chromium is not installed, and CI must run the browser tests: apt-get install -y chromium"
            )
        pytest.skip("chromium is not installed: apt-get install -y chromium")
    return found


def run_chromium(chromium: str, work: Path, page: Path, *output: str) -> None:
    profile = work / f"profile-{len(list(work.glob('profile-*')))}"
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *output, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (command, done.stderr[-2000:])


def print_pdf(chromium: str, work: Path, html: str, name: str) -> bytes:
    page = work / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    pdf = work / f"{name}.pdf"
    run_chromium(chromium, work, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    return pdf.read_bytes()


def pdf_pages(data: bytes) -> int:
    """Pages in a PDF, counted two ways that must agree: the /Type /Page objects (not /Pages), and
    the /Count of the root /Pages object (Chromium writes object dictionaries uncompressed)."""
    assert data.startswith(b"%PDF-"), data[:20]
    objects = len(PAGE.findall(data))
    counts = [int(a or b) for a, b in PAGES_COUNT.findall(data)]
    assert counts, "no /Pages object with a /Count"
    assert objects == max(counts), (objects, counts)
    return objects


def page_size(data: bytes) -> tuple[float, float]:
    """The (single) MediaBox size in points, width x height."""
    boxes = {(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in MEDIA_BOX.findall(data)}
    assert len(boxes) == 1, boxes
    return boxes.pop()


def with_page_size(html: str, size: str) -> str:
    """A copy of the poster whose @page size is overridden, as a print dialog's paper choice would."""
    assert html.count("</head>") == 1
    return html.replace("</head>", f"<style>@page {{ size: {size}; }}</style>\n</head>")


def png_pixels(data: bytes) -> tuple[int, int, list[list[bytes]]]:
    """Width, height and rows of RGB pixels of an 8-bit PNG, decoded with zlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    size = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * size, [], bytearray(width * size)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - size] if i >= size else 0
            b, c = previous[i], previous[i - size] if i >= size else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [[row[i : i + 3] for i in range(0, stride, size)] for row in rows]


@pytest.mark.slow
def test_page_counter_counts_pages(chromium: str, tmp_path: Path) -> None:
    """The counter itself, against pages we know: three forced page breaks, and one short page."""
    three = "".join(f'<section style="break-after: page">Page {n}</section>' for n in (1, 2, 3))
    long_pdf = print_pdf(chromium, tmp_path, f"<!DOCTYPE html><html><body>{three}</body></html>", "three")
    short_pdf = print_pdf(chromium, tmp_path, "<!DOCTYPE html><html><body>One</body></html>", "one")
    assert pdf_pages(long_pdf) == 3
    assert pdf_pages(short_pdf) == 1


@pytest.mark.slow
@pytest.mark.parametrize("week", ["five", "seven", "busy"])
def test_poster_prints_on_one_landscape_page(week: str, chromium: str, request, tmp_path: Path) -> None:
    html, context = request.getfixturevalue(week)
    work = tmp_path / "print"
    work.mkdir()
    papers = {"default": (html, LETTER)}
    papers["letter"] = (with_page_size(html, "letter landscape"), LETTER)
    papers["a4"] = (with_page_size(html, "A4 landscape"), A4)
    for paper, (page, (width, height)) in papers.items():
        pdf = print_pdf(chromium, work, page, f"{week}-{paper}")
        assert pdf_pages(pdf) == 1, f"{len(context['days'])} days on {paper}"
        measured = page_size(pdf)
        assert measured == pytest.approx((width, height), abs=1.5), (paper, measured)


@pytest.mark.slow
@pytest.mark.parametrize("week", ["five", "seven"])
def test_poster_screenshot_shows_the_colour_blocks(week: str, chromium: str, request, tmp_path: Path) -> None:
    html, _ = request.getfixturevalue(week)
    work = tmp_path / "shot"
    work.mkdir()
    page = work / "poster.html"
    page.write_text(html, encoding="utf-8")
    png = work / "poster.png"
    run_chromium(chromium, work, page, f"--screenshot={png}", "--window-size=1400,900")
    data = png.read_bytes()
    assert len(data) > 50_000, len(data)
    if os.environ.get("CSW_POSTER_SCREENSHOTS"):  # a folder to keep them in, to look at (or a CI artifact)
        shutil.copyfile(png, Path(os.environ["CSW_POSTER_SCREENSHOTS"]) / f"poster-{week}.png")

    width, height, rows = png_pixels(data)
    assert (width, height) == (1400, 900)
    colours = {pixel for row in rows for pixel in row}
    assert len(colours) > 200, "a real page, not a blank one"
    # The day bands, one colour a day (Monday orange ... Sunday gold), are painted.
    bands = ["c2410c", "0f766e", "6d28d9", "be185d", "1d4ed8", "15803d", "a16207"]
    days = 5 if week == "five" else 7
    assert [band for band in bands if bytes.fromhex(band) in colours] == bands[:days]
    # The masthead is a dark block with white and gold text on it.
    red, green, blue = rows[60][60]
    assert red + green + blue < 200, rows[60][60].hex()


def test_a_two_shift_poster_says_whose_time_is_which(busy) -> None:
    html, context = busy
    doc = parse(html)
    assert doc.find("zone").text().endswith(", early shift / late shift"), "the legend of two times"
    assert context["daily"], "the busy week has a daily item"
    band = next(p for p in doc.walk() if p.tag == "p" and p.text().startswith("Every day:"))
    for activity in context["daily"]:
        times = " / ".join(f"{clock(run.start)} ({run.shift})" for run in activity.runs)
        assert f"{activity.idea.title} at {times}" in band.text()
