"""The security review's hostile inputs, each run through the command line in a process of
its own: refused with exit 2 or stopped with exit 3 (or composed, exit 0 or 1), within
10 seconds and 500 MB, with no traceback and no file damaged or left behind."""

import json
import math
import re
import time
import unicodedata

import pytest

import iopkit
from iopkit import Budget
from iopkit.curriculum import load_program
from iopkit.errors import FileFormatError

from . import hostile
from .hostile import EXAMPLE, MEGABYTES, SECONDS, run_cli, write

WORK = {
    "thirty-tracks": hostile.thirty_tracks,
    "thresholds": hostile.thresholds,
    "candidates": hostile.candidates,
    "520-weeks": hostile.long_program,
}


def _bounded(ran):
    assert not ran.killed, f"did not end within {SECONDS} s"
    assert ran.seconds < SECONDS
    assert ran.megabytes < MEGABYTES, f"peak {ran.megabytes:.0f} MB"
    assert "Traceback" not in ran.stderr


class TestBoundedWork:
    @pytest.mark.parametrize("case", sorted(WORK))
    def test_compose_with_a_budget_of_5_seconds(self, tmp_path, case):
        """Composing with --budget 5 ends within 10 s and 500 MB: a curriculum (exit 0),
        reasons (exit 1) or the limit it reached (exit 3); a file only on success."""
        program = write(tmp_path / "in", WORK[case]())
        before = sorted(p.name for p in program.parent.iterdir())
        out = tmp_path / "c.json"
        ran = run_cli("compose", program, "--budget", "5", "--memory", "400", "-o", out)
        _bounded(ran)
        assert ran.code in (0, 1, 3), ran.stderr
        if ran.code == 0:
            assert json.loads(out.read_text())["iopkit"] == "curriculum/1"
        else:
            assert not out.exists()
        if ran.code == 3:
            assert "budget of 5 s was reached" in ran.stderr or "ceiling" in ran.stderr
        assert sorted(p.name for p in program.parent.iterdir()) == before
        assert sorted(p.name for p in tmp_path.iterdir()) in (["c.json", "in"], ["in"])

    def test_validate_and_export_a_520_week_curriculum(self, tmp_path):
        """A 520-week curriculum validates and exports in every format, each within a
        budget of 5 seconds."""
        from click.testing import CliRunner

        from iopkit._cli import main

        program = write(tmp_path / "in", hostile.long_program())
        curriculum = tmp_path / "c.json"
        _bounded(ran := run_cli("compose", program, "-o", curriculum))
        assert ran.code == 0, ran.stderr
        runner = CliRunner()
        commands = [["validate", curriculum]]
        commands += [
            ["export", curriculum, "-f", f, "-o", tmp_path / f]
            for f in ("md", "html", "ics", "csv", "fhir")
        ]
        for command in commands:
            start = time.monotonic()
            result = runner.invoke(main, [*map(str, command), "--budget", "5"])
            assert result.exit_code == 0, result.output
            assert time.monotonic() - start < SECONDS


def test_library_compose_respects_its_budget_with_47_thresholds(tmp_path):
    """compose() itself, given Budget(seconds=2, memory=400), stops within 6 s on six
    flexible activities with 47 min_minutes thresholds."""
    program = write(tmp_path, hostile.thresholds())
    script = (
        "import sys\n"
        "from iopkit import Budget\n"
        "from iopkit.curriculum import compose, load_program\n"
        "from iopkit.errors import BudgetExceededError\n"
        "try:\n"
        f"    compose(load_program({str(program)!r}), budget=Budget(seconds=2, memory=400))\n"
        "except BudgetExceededError as exc:\n"
        "    print(exc.limit)\n"
    )
    import subprocess
    import sys

    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, timeout=6, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("compose() ran past its budget")
    assert time.monotonic() - start < 6
    assert proc.returncode == 0


class TestSizes:
    def test_curriculum_too_large_to_read_back(self, tmp_path):
        """A 250-byte program whose curriculum would exceed the 16 MiB read limit stops
        with exit 3 before anything is written."""
        program = write(tmp_path / "in", hostile.huge_result())
        out = tmp_path / "c.json"
        ran = run_cli("compose", program, "--budget", "8", "-o", out)
        _bounded(ran)
        assert ran.code == 3
        assert "16 MiB iopkit reads back" in ran.stderr
        assert not out.exists()

    def test_seven_kilobytes_of_aliases(self, tmp_path):
        """7 KB of YAML aliases that would repeat a long list a hundred times are refused."""
        program = tmp_path / "p.yaml"
        program.write_text(hostile.alias_tracks())
        assert 6_000 < program.stat().st_size < 8_000
        ran = run_cli("compose", program)
        _bounded(ran)
        assert ran.code == 2
        assert "aliases repeat more than" in ran.stderr

    def test_mixed_closures(self, tmp_path):
        """A 110 KB closures list of mixed types is refused in bounded time, its problems
        listed up to a limit."""
        program = tmp_path / "p.json"
        program.write_text(hostile.mixed_closures())
        start = time.perf_counter()
        with pytest.raises(FileFormatError) as info:
            load_program(program)
        assert time.perf_counter() - start < 3
        assert len(info.value.problems) <= 101
        ran = run_cli("compose", program)
        _bounded(ran)
        assert ran.code == 2
        assert "at most 3660 are allowed" in ran.stderr

    def test_hostile_curriculum(self, tmp_path):
        """A 300 KB curriculum whose program holds a mixed-type closures list is refused by
        validate and export in bounded time."""
        from iopkit.curriculum import load_curriculum

        composed = tmp_path / "c.json"
        _bounded(ran := run_cli("compose", "-o", composed))
        document = json.loads(composed.read_text())
        document["program"]["closures"] = json.loads(hostile.mixed_closures(200_000))["closures"]
        curriculum = tmp_path / "hostile.json"
        curriculum.write_text(json.dumps(document))
        assert 250_000 < curriculum.stat().st_size < 400_000
        start = time.perf_counter()
        with pytest.raises(FileFormatError):
            load_curriculum(curriculum)
        assert time.perf_counter() - start < 3
        for command in (["validate", curriculum], ["export", curriculum, "-f", "html"]):
            ran = run_cli(*command, "--budget", "5")
            _bounded(ran)
            assert ran.code == 2

    def test_schema_check_time_grows_linearly(self, tmp_path):
        """Checking mixed lists takes CPU time in proportion to their size, never
        quadratic time: ten times the bytes cost well under thirty times the time (a
        quadratic check would cost a hundred times). Each size is measured as the least
        CPU time of three runs, side by side, so a loaded machine does not decide."""

        def cost(size: int) -> float:
            program = tmp_path / f"p{size}.json"
            program.write_text(hostile.mixed_closures(size))
            best = math.inf
            for _ in range(3):
                start = time.process_time()
                with pytest.raises(FileFormatError):
                    load_program(program)
                best = min(best, time.process_time() - start)
            return best

        small, large = cost(40_000), cost(400_000)
        assert large < 30 * max(small, 1e-3)

    def test_huge_id_is_quoted_once_and_short(self, tmp_path):
        """A 1.9 MB id is refused with a message that quotes a short excerpt of it once."""
        catalog = tmp_path / "c.yaml"
        big = "a" * 1_900_000
        catalog.write_text(
            f"iopkit: catalog/1\nactivities:\n  - {{id: {big}, title: T, kind: check-in, "
            "minutes: 10}\n"
        )
        with pytest.raises(FileFormatError) as info:
            iopkit.load_catalog(catalog)
        assert len(str(info.value)) < 400
        ran = run_cli("catalog", "--file", catalog)
        _bounded(ran)
        assert ran.code == 2
        assert len(ran.stderr) < 400
        assert len(re.findall("a{10,}", ran.stderr)) == 1


class TestContainedReads:
    def test_bytes_resolve_no_path(self, tmp_path):
        """A program given as bytes that names a catalog file is refused: no path is
        resolved unless a folder is allowed."""
        (tmp_path / "cat.yaml").write_text(
            (EXAMPLE.parent / "clinic-catalog.yaml").read_text(encoding="utf-8")
        )
        text = EXAMPLE.read_text().replace("catalogs: [builtin]", "catalogs: [builtin, cat.yaml]")
        with pytest.raises(FileFormatError, match="read from bytes"):
            load_program(text.encode())
        assert load_program(text.encode(), roots=[tmp_path]).catalog is not None

    @pytest.mark.parametrize(
        "reference", ["../outside.yaml", "{outside}", "sub/../../outside.yaml", "link.yaml"]
    )
    def test_references_stay_inside(self, tmp_path, reference):
        """Catalog references that leave the program's folder (parent, absolute, through a
        folder, through a symbolic link) are refused without reading the file."""
        outside = tmp_path / "outside.yaml"
        outside.write_text("iopkit: catalog/1\nmodalities: [{id: secret-token-123, name: S}]\n")
        folder = tmp_path / "clinic"
        (folder / "sub").mkdir(parents=True)
        (folder / "link.yaml").symlink_to(outside)
        program = folder / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace(
                "catalogs: [builtin]",
                f"catalogs: [builtin, {reference.format(outside=outside)}]",
            )
        )
        with pytest.raises(FileFormatError) as info:
            load_program(program)
        assert "leads outside" in str(info.value)
        assert "secret-token" not in str(info.value)
        ran = run_cli("compose", program)
        _bounded(ran)
        assert ran.code == 2
        assert "secret-token" not in ran.stderr


class TestText:
    def test_nfc_and_nfd_are_one_name(self, tmp_path):
        """A program named 'Café' in NFC and one in NFD load to equal names (NFC)."""
        nfc = unicodedata.normalize("NFC", "Café")
        nfd = unicodedata.normalize("NFD", "Café")
        assert nfc != nfd
        names = []
        for form in (nfc, nfd):
            path = tmp_path / f"{len(form)}.yaml"
            path.write_text(
                EXAMPLE.read_text().replace("Adult Mental Health IOP", form), encoding="utf-8"
            )
            names.append(load_program(path).name)
        assert names == [nfc, nfc]

    def test_budget_nan_refused(self):
        """--budget nan is refused with exit 2 (it would turn the budget off)."""
        ran = run_cli("compose", "--budget", "nan")
        _bounded(ran)
        assert ran.code == 2
        assert "finite number of seconds above 0" in ran.stderr

    def test_library_budget_refuses_nan(self):
        """Budget and compose() refuse nan, infinities, 0 and negatives."""
        from iopkit.errors import ProgramError

        for value in (float("nan"), float("inf"), 0, -1):
            with pytest.raises(ProgramError):
                Budget(seconds=value)
            with pytest.raises(ProgramError):
                Budget(memory=value)
