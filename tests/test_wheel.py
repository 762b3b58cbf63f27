"""A non-editable install finds the built-in idea bank and templates inside the wheel."""

from __future__ import annotations

import email
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_the_wheel_ships_ideas_and_templates_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, REPO],
        check=True,
        capture_output=True,
    )
    # the distribution is csw-planner (`csw` on PyPI is someone else's); the package inside is csw
    wheel = next(dist.glob("csw_planner-*.whl"))
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    fields = email.message_from_bytes(archive.read(metadata))
    assert fields["Name"] == "csw-planner"
    entry_points = archive.read(metadata.replace("METADATA", "entry_points.txt")).decode()
    assert "csw = csw.cli:main" in entry_points, "the command stays csw"
    assert "csw/_data/ideas/recognition.yaml" in names
    assert "csw/official_themes.toml" in names and "csw/starter/csw.toml" in names
    assert "csw/departments.yaml" in names, "the words of each department's thanks"

    # A fresh environment with the wheel, borrowing only the dependencies from this one (no
    # network): the checkout's editable csw is not on its path, so what runs is the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel],
        check=True,
        capture_output=True,
    )
    script = venv / "bin" / "csw"
    done = subprocess.run([script, "ideas", "list", "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"id": "pajama-day"' in done.stdout
    where = subprocess.run(
        [python, "-c", "import csw.core.resources as r; print(r.builtin_dir('ideas'))"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert where.startswith(str(venv)) and where.endswith("csw/_data/ideas"), where
    planned = subprocess.run([script, "plan", "2025"], capture_output=True, text=True, cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert (tmp_path / "csw-2025" / "plan.yaml").is_file()
