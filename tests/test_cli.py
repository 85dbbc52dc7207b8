"""The command line: every command, every option and every exit code."""

import errno
import json
import os
import signal
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import iopkit
from iopkit import _cli
from iopkit._cli import Exit, Guard, exit_code, main, messages, terminal_text
from iopkit.curriculum import InfeasibleError, Reason, load_program
from iopkit.errors import (
    BudgetExceededError,
    CatalogError,
    ExportError,
    FileFormatError,
    Problem,
    ProgramError,
)

from .hostile import run_cli

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"
INFEASIBLE = ("{min: 180, max: 210}", "{min: 120, max: 150}")


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, **kwargs):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture(scope="module")
def curriculum_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.json"
    result = CliRunner().invoke(main, ["compose", str(EXAMPLE), "-o", str(path)])
    assert result.exit_code == 0
    return path


def _infeasible(tmp_path):
    program = tmp_path / "p.yaml"
    program.write_text(EXAMPLE.read_text().replace(*INFEASIBLE))
    return program


class TestCompose:
    def test_builtin_example_to_stdout(self, run):
        """Without a program it composes the built-in example; JSON on stdout, a summary
        on stderr."""
        result = run("compose")
        assert result.exit_code == 0
        doc = json.loads(result.stdout)
        assert doc["iopkit"] == "curriculum/1"
        assert "Adult Mental Health IOP: 8 weeks, 24 sessions" in result.stderr
        assert "track 'Core skills'" in result.stderr

    def test_summary_words(self, run):
        """The summary gives hours as '9 h 05 min' and module titles, never ids."""
        result = run("compose", EXAMPLE)
        assert result.exit_code == 0
        assert "service time per week: 9 h" in result.stderr
        assert " min" in result.stderr
        assert "CBT foundations" in result.stderr
        assert "cbt-foundations" not in result.stderr
        assert "9.0833" not in result.stderr

    def test_summary_of_a_long_program_is_short(self, run, tmp_path):
        """A 60-week curriculum's summary states its weekly hours in one short line."""
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text()
            .replace("weeks: 8\n", "weeks: 60\n")
            .replace("{from: 2, to: 8}", "{from: 2, to: 60}")
        )
        result = run("compose", program, "-o", tmp_path / "c.json")
        assert result.exit_code == 0, result.output
        hours = next(line for line in result.stderr.splitlines() if "per week" in line)
        assert len(hours) < 100

    def test_infeasible_exit_1(self, run, tmp_path):
        """An infeasible program exits 1 and prints the reasons one per line."""
        result = run("compose", _infeasible(tmp_path))
        assert result.exit_code == 1
        assert "reason:" in result.stderr
        assert "Traceback" not in result.stderr

    def test_bad_file_exit_2(self, run, tmp_path):
        """A bad program exits 2 with one readable line per problem, naming the file."""
        program = tmp_path / "p.yaml"
        program.write_text("iopkit: program/1\nname: X\nweeks: -1\ndays: [mon, funday]\n")
        result = run("compose", program)
        assert result.exit_code == 2
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) >= 3
        assert all(str(program) in line for line in lines)

    def test_missing_file_exit_2(self, run, tmp_path):
        """A missing file exits 2."""
        result = run("compose", tmp_path / "nope.yaml")
        assert result.exit_code == 2
        assert "cannot read the file" in result.stderr

    def test_folder_as_program_exit_2(self, run, tmp_path):
        """A folder given as the program is a usage error."""
        assert run("compose", tmp_path).exit_code == 2

    def test_budget_exit_3(self, run):
        """A budget too small exits 3 saying the time budget was reached."""
        result = run("compose", EXAMPLE, "--budget", "0.0000001")
        assert result.exit_code == 3
        assert "time budget" in result.stderr

    def test_failed_write_keeps_old_file(self, run, tmp_path):
        """A failing compose never overwrites a good output file."""
        out = tmp_path / "c.json"
        out.write_text("good")
        assert run("compose", _infeasible(tmp_path), "-o", out).exit_code == 1
        assert out.read_text() == "good"

    def test_extra_profiles(self, run, tmp_path):
        """--profile adds compliance profiles to meet, ids or files; it is repeatable."""
        both = run("compose", EXAMPLE, "--profile", "cms-iop", "--profile", "asam-2.1-adult")
        assert both.exit_code == 0, both.output
        mine = tmp_path / "mine.yaml"
        mine.write_text(
            "iopkit: profile/1\nid: mine\ntitle: Mine\nsource: us\nchecked: 2026-01-01\n"
            "require:\n  - {activity: no-such-activity, per: week, min: 1}\n"
        )
        result = run("compose", EXAMPLE, "--profile", "cms-iop", "--profile", mine)
        assert result.exit_code == 1
        assert "[mine:require[0]]" in result.stderr

    def test_unknown_profile_exit_2(self, run):
        """An unknown --profile is bad input, with a suggestion."""
        result = run("compose", EXAMPLE, "--profile", "cms-iopp")
        assert result.exit_code == 2
        assert "did you mean 'cms-iop'" in result.stderr

    def test_seed_must_be_a_whole_number_of_zero_or_more(self, run):
        """A negative or non-numeric seed is a usage error."""
        assert run("compose", "--seed", "-1").exit_code == 2
        assert run("compose", "--seed", "x").exit_code == 2


class TestAllow:
    @pytest.fixture
    def clinic(self, tmp_path):
        shared = tmp_path / "shared"
        shared.mkdir()
        (shared / "catalog.yaml").write_text(
            (EXAMPLE.parent / "clinic-catalog.yaml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        folder = tmp_path / "clinic"
        folder.mkdir()
        program = folder / "program.yaml"
        program.write_text(
            EXAMPLE.read_text(encoding="utf-8").replace(
                "catalogs: [builtin]", "catalogs: [builtin, ../shared/catalog.yaml]"
            ),
            encoding="utf-8",
        )
        return program, shared

    def test_outside_refused_by_default(self, run, clinic):
        """A catalog outside the program's folder is refused, naming the reference."""
        program, _ = clinic
        result = run("compose", program)
        assert result.exit_code == 2
        assert f"{program}:9 at /catalogs/1" in result.stderr
        assert "leads outside" in result.stderr
        assert "art-walk" not in result.stderr  # nothing of the other file is read

    def test_allowed_folder(self, run, clinic, tmp_path):
        """--allow lets references reach a folder; it replaces the default."""
        program, shared = clinic
        out = tmp_path / "c.json"
        result = run("compose", program, "--allow", shared, "-o", out)
        assert result.exit_code == 0, result.output
        assert out.exists()

    def test_allow_must_be_a_folder(self, run, clinic, tmp_path):
        """--allow takes an existing folder."""
        program, _ = clinic
        assert run("compose", program, "--allow", tmp_path / "none").exit_code == 2
        assert run("compose", program, "--allow", program).exit_code == 2

    def test_symlink_cannot_escape(self, run, tmp_path):
        """A symbolic link in the program's folder pointing outside it is refused."""
        outside = tmp_path / "outside"
        outside.mkdir()
        secret = outside / "catalog.yaml"
        secret.write_text("iopkit: catalog/1\nmodalities: [{id: secret-token-123, name: S}]\n")
        folder = tmp_path / "clinic"
        folder.mkdir()
        (folder / "catalog.yaml").symlink_to(secret)
        program = folder / "program.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("catalogs: [builtin]", "catalogs: [builtin, catalog.yaml]")
        )
        result = run("compose", program)
        assert result.exit_code == 2
        assert "leads outside" in result.stderr
        assert "secret-token" not in result.output


def _spin(guard):
    with guard.armed():
        guard.enter("spinning")
        while True:
            pass


def _hoard(guard):
    hoard = []
    with guard.armed():
        for _ in range(400):
            hoard.append(bytearray(1024 * 1024))
            time.sleep(0.001)


class TestLimitOptions:
    @pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999", "0", "-1", "x", ""])
    @pytest.mark.parametrize("option", ["--budget", "--memory"])
    def test_refused(self, run, option, value):
        """--budget and --memory refuse nan, infinities, 0, negatives and words: exit 2."""
        result = run("compose", EXAMPLE, option, value)
        assert result.exit_code == 2
        assert "above 0" in result.stderr or "is not a number" in result.stderr
        assert "Traceback" not in result.output

    @pytest.mark.parametrize("command", ["compose", "validate", "export"])
    def test_help_says_what_they_measure(self, run, command):
        """--help of each command that does work documents both limits and exit 3."""
        text = " ".join(run(command, "--help").stdout.split())
        assert "--budget" in text
        assert "--memory" in text
        assert "resident memory (RSS) may grow by" in text
        assert "[default: 1024" in text
        assert "exit 3" in text

    def test_memory_ceiling_exit_3(self, tmp_path):
        """Past the memory ceiling the command stops with exit 3, naming the memory limit.
        The program is the example over 40 weeks, so that composing it surely grows the
        process by more than 10 kB (the 8-week example once fitted in memory the process
        already held)."""
        program = tmp_path / "long.yaml"
        program.write_text(
            EXAMPLE.read_text(encoding="utf-8").replace("\nweeks: 8", "\nweeks: 40", 1),
            encoding="utf-8",
        )
        assert "weeks: 40" in program.read_text(encoding="utf-8")
        ran = run_cli("compose", program, "--memory", "0.01", "-o", tmp_path / "c.json")
        assert ran.code == 3, ran.stderr
        assert "memory ceiling of 0.01 MB was reached" in ran.stderr
        assert "--memory" in ran.stderr
        assert not (tmp_path / "c.json").exists()

    def test_guard_stops_a_loop_that_never_ticks(self):
        """The guard stops work that checks no budget of its own, and puts the previous
        signal handler back."""
        before = signal.getsignal(signal.SIGALRM)
        guard = Guard(0.2, 10_000)
        start = time.monotonic()
        with pytest.raises(BudgetExceededError) as info:
            _spin(guard)
        assert info.value.limit == "time"
        assert info.value.what == "spinning"
        assert time.monotonic() - start < 2
        assert signal.getsignal(signal.SIGALRM) is before
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)

    def test_guard_memory(self):
        """The guard stops when the process grows past its ceiling."""
        guard = Guard(60, 5)
        with pytest.raises(BudgetExceededError) as info:
            _hoard(guard)
        assert info.value.limit == "memory"


class TestValidate:
    def test_valid(self, run, curriculum_file):
        """A composed curriculum validates with exit 0, the report on stdout."""
        result = run("validate", curriculum_file)
        assert result.exit_code == 0
        assert "valid" in result.stdout

    def test_violations_exit_1(self, run, curriculum_file):
        """An extra profile the curriculum does not meet exits 1; the whole report, every
        violation, goes to stdout."""
        result = run("validate", curriculum_file, "--profile", "asam-2.5")
        assert result.exit_code == 1
        assert result.stdout.count("asam-2.5:weekly_minutes") == 8
        assert result.stdout.startswith("8 violations")
        assert result.stderr == ""

    def test_unknown_profile_exit_2(self, run, curriculum_file):
        """An unknown profile is bad input, with a suggestion."""
        result = run("validate", curriculum_file, "--profile", "asam-2.1-adlt")
        assert result.exit_code == 2
        assert "did you mean 'asam-2.1-adult'" in result.stderr

    def test_bad_curriculum_exit_2(self, run, tmp_path):
        """Malformed JSON exits 2 with the file and line."""
        bad = tmp_path / "c.json"
        bad.write_text('{"iopkit": "curriculum/1",\n "weeks": [}')
        result = run("validate", bad)
        assert result.exit_code == 2
        assert f"{bad}:2" in result.stderr

    def test_block_labels_are_not_trusted(self, run, curriculum_file, tmp_path):
        """A block that claims another kind than its activity's is a violation."""
        doc = json.loads(curriculum_file.read_text())
        block = doc["weeks"][0]["sessions"][0]["blocks"][0]
        assert block["kind"] != "individual-therapy"
        block["kind"] = "individual-therapy"
        lying = tmp_path / "lying.json"
        lying.write_text(json.dumps(doc))
        result = run("validate", lying)
        assert result.exit_code == 1
        assert "[blocks]" in result.stdout


class TestExport:
    @pytest.mark.parametrize("fmt", ["md", "html", "ics", "csv", "fhir", "json"])
    def test_export(self, run, curriculum_file, tmp_path, fmt):
        """Every export format writes a non-empty file."""
        out = tmp_path / f"out.{fmt}"
        result = run("export", curriculum_file, "--format", fmt, "-o", out)
        assert result.exit_code == 0
        assert out.stat().st_size > 500

    @pytest.mark.parametrize("fmt", ["HTML", "Md", "JSON", "iCs"])
    def test_format_in_any_case(self, run, curriculum_file, fmt):
        """The format name is accepted in any case."""
        result = run("export", curriculum_file, "-f", fmt)
        assert result.exit_code == 0, result.output
        assert len(result.stdout) > 500

    def test_export_bad_format_exit_2(self, run, curriculum_file):
        """An unknown format is a usage error."""
        assert run("export", curriculum_file, "--format", "pdf").exit_code == 2

    def test_dash_is_stdout(self, run, curriculum_file):
        """-o - writes to standard output."""
        result = run("export", curriculum_file, "-f", "json", "-o", "-")
        assert result.exit_code == 0
        assert json.loads(result.stdout)["iopkit"] == "curriculum/1"
        assert not Path("-").exists()


class TestExample:
    def test_default_to_stdout(self, run):
        """With no name it writes the adult IOP example to stdout, which loads."""
        result = run("example")
        assert result.exit_code == 0
        assert result.stdout.startswith("iopkit: program/1")
        assert load_program(result.stdout.encode()).name == "Adult Mental Health IOP"

    def test_to_a_file_then_compose(self, run, tmp_path, monkeypatch):
        """The tutorial works outside a checkout: write the example, then compose it."""
        monkeypatch.chdir(tmp_path)
        assert run("example", "adult-iop", "-o", "adult-iop.yaml").exit_code == 0
        assert run("compose", "adult-iop.yaml", "-o", "c.json").exit_code == 0
        assert json.loads(Path("c.json").read_text())["iopkit"] == "curriculum/1"

    def test_unknown_name_lists_the_names(self, run):
        """An unknown example name exits 2 and lists the examples."""
        result = run("example", "child-iop")
        assert result.exit_code == 2
        assert "the examples are: " in result.stderr
        for name in _cli._example_names():
            assert name in result.stderr

    def test_help_lists_the_names(self, run):
        """--help lists every shipped example."""
        text = run("example", "--help").stdout
        for name in _cli._example_names():
            assert name in text

    def test_shipped_examples_load(self, run, tmp_path):
        """Every shipped example, written with -o, is a valid program with its catalogs."""
        for name in _cli._example_names():
            target = tmp_path / name / "program.yaml"
            target.parent.mkdir()
            result = run("example", name, "-o", str(target))
            assert result.exit_code == 0, result.stderr
            assert load_program(target).name

    def test_shipped_copies_match(self):
        """Each example shipped in the package, and each catalog it reads, is the one in
        examples/."""
        root = Path(__file__).parent.parent / "examples"
        for name in _cli._example_names():
            text = _cli._example_text(name)
            assert text == (root / f"{name}.yaml").read_bytes()
            for relative, content in _cli._example_catalogs(text):
                assert content == (root / relative).read_bytes()

    def test_catalog_edits_are_kept(self, run, tmp_path):
        """A catalog the user changed is never replaced: exit 2, the file untouched, no
        program written."""
        first = run("example", "substance-use-iop", "-o", str(tmp_path / "a.yaml"))
        assert first.exit_code == 0, first.stderr
        catalog = tmp_path / "catalogs" / "recovery.yaml"
        catalog.write_text("# mine\n", encoding="utf-8")
        again = run("example", "substance-use-iop", "-o", str(tmp_path / "b.yaml"))
        assert again.exit_code == 2
        assert "already exists" in again.stderr
        assert catalog.read_text(encoding="utf-8") == "# mine\n"
        assert not (tmp_path / "b.yaml").exists()

    def test_to_standard_output_names_the_catalogs(self, run):
        """Written to standard output, an example with catalogs says which files it reads."""
        result = run("example", "substance-use-iop")
        assert result.exit_code == 0
        assert "catalogs/recovery.yaml" in result.stderr


class TestOthers:
    @pytest.mark.parametrize("name", ["catalog", "program", "curriculum", "profile"])
    def test_schema(self, run, name):
        """Each schema prints as JSON."""
        result = run("schema", name)
        assert result.exit_code == 0
        assert json.loads(result.stdout) == iopkit.schema(name)

    def test_catalog(self, run, tmp_path):
        """The catalog lists built-in content and a clinic's file; bad files exit 2."""
        result = run("catalog")
        assert "process-group" in result.stdout
        assert "45 to 90 min" in result.stdout
        mine = tmp_path / "mine.yaml"
        mine.write_text(
            "iopkit: catalog/1\nactivities:\n  - {id: art-walk, title: Art walk, kind: expressive-therapy, minutes: 40, modality: expressive-therapy}\n"
        )
        assert "art-walk" in run("catalog", "--file", mine).stdout
        mine.write_text(
            "iopkit: catalog/1\nactivities:\n  - {id: check-in, title: Again, kind: check-in, minutes: 10}\n"
        )
        result = run("catalog", "--file", mine)
        assert result.exit_code == 2
        assert "defined twice" in result.stderr

    def test_profiles(self, run):
        """Profiles list with their sources."""
        result = run("profiles")
        assert "asam-2.1-adult" in result.stdout
        assert "source:" in result.stdout

    def test_version_and_help(self, run):
        """--version and --help work on every command; the help lists every exit code."""
        assert iopkit.__version__ in run("--version").stdout
        assert "4 an internal" in " ".join(run("--help").stdout.split())
        for command in [
            "compose",
            "validate",
            "export",
            "schema",
            "example",
            "catalog",
            "profiles",
        ]:
            assert run(command, "--help").exit_code == 0

    def test_unknown_command_exit_2(self, run):
        """An unknown command is a usage error."""
        assert run("frobnicate").exit_code == 2


class TestOutputFiles:
    def test_mode_kept(self, run, curriculum_file, tmp_path):
        """An existing output file keeps its mode."""
        out = tmp_path / "out.md"
        out.write_text("old")
        out.chmod(0o640)
        assert run("export", curriculum_file, "-f", "md", "-o", out).exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        assert out.read_text() != "old"

    def test_symlink_kept(self, run, curriculum_file, tmp_path):
        """An output that is a symbolic link keeps pointing at its target, which gets the
        content."""
        target = tmp_path / "real.md"
        target.write_text("old")
        link = tmp_path / "link.md"
        link.symlink_to(target)
        assert run("export", curriculum_file, "-f", "md", "-o", link).exit_code == 0
        assert link.is_symlink()
        assert os.readlink(link) == str(target)
        assert target.read_text().startswith("#")

    def test_new_file_gets_the_usual_mode(self, run, curriculum_file, tmp_path):
        """A new output file gets the mode new files get (0o666 less the umask)."""
        umask = os.umask(0o022)
        try:
            out = tmp_path / "new.md"
            assert run("export", curriculum_file, "-f", "md", "-o", out).exit_code == 0
            assert stat.S_IMODE(out.stat().st_mode) == 0o644
        finally:
            os.umask(umask)

    def test_full_disk_names_the_file(self, run, curriculum_file, tmp_path, monkeypatch):
        """A full disk is reported naming the user's file, never a temporary one; the old
        file is intact and nothing is left behind."""
        out = tmp_path / "x.html"
        out.write_text("previous")
        real_write = os.write

        def full(fd, data):
            if fd > 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", full)
        result = run("export", curriculum_file, "-f", "html", "-o", out)
        monkeypatch.undo()
        assert result.exit_code == 2
        assert result.stderr == f"error: {out}: No space left on device\n"
        assert out.read_text() == "previous"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x.html"]

    def test_missing_folder_names_the_file(self, run, curriculum_file, tmp_path):
        """An output in a folder that does not exist exits 2 naming the file."""
        out = tmp_path / "no" / "x.md"
        result = run("export", curriculum_file, "-f", "md", "-o", out)
        assert result.exit_code == 2
        assert f"error: {out}: No such file or directory" in result.stderr

    def test_output_is_a_folder(self, run, curriculum_file, tmp_path):
        """A folder as output is a usage error."""
        assert run("export", curriculum_file, "-f", "md", "-o", tmp_path).exit_code == 2


class TestTerminal:
    ESC = "\x1b]0;owned\x07\x1b[2J"

    def test_escapes_in_a_file_name(self, run, tmp_path):
        """A file name holding terminal escapes is shown escaped."""
        name = tmp_path / f"{self.ESC}.yaml"
        result = run("compose", name)
        assert result.exit_code == 2
        assert "\x1b" not in result.output
        assert "\\x1b]0;owned\\x07\\x1b[2J.yaml" in result.stderr

    def test_escapes_in_a_usage_error(self, run):
        """A bad option value holding terminal escapes is shown escaped."""
        result = run("compose", "--budget", self.ESC)
        assert result.exit_code == 2
        assert "\x1b" not in result.output
        assert "\x07" not in result.output

    def test_escapes_in_a_profile_id(self, run):
        """An unknown profile id holding escapes is shown escaped."""
        result = run("compose", EXAMPLE, "--profile", self.ESC + "x")
        assert result.exit_code == 2
        assert "\x1b" not in result.output

    def test_invisible_characters_in_a_track_name(self, run, tmp_path):
        """Right-to-left overrides and similar invisible characters in a track name are
        shown escaped in the summary."""
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("name: Core skills", "name: Core\u202e skills"),
            encoding="utf-8",
        )
        result = run("compose", program, "-o", tmp_path / "c.json")
        assert result.exit_code == 0, result.output
        assert "\u202e" not in result.stderr
        assert "Core\\u202e skills" in result.stderr

    def test_terminal_text(self):
        """Controls, DEL, C1 controls, surrogates and bidi overrides are escaped; other
        text, tabs included, is kept."""
        assert terminal_text("a\x00b\x1b[0m\x7f\x9b\ud800\u202e\tCafé") == (
            "a\\x00b\\x1b[0m\\x7f\\x9b\\ud800\\u202e\tCafé"
        )

    def test_content_to_a_terminal_is_escaped(self, monkeypatch):
        """Content written to a terminal shows control characters escaped (line breaks
        kept); written to a file or a pipe it is left exactly as it is."""
        import io
        import sys

        class Terminal(io.BytesIO):
            def isatty(self):
                return True

        for raw, shown in ((Terminal(), b"a\\x1b[2Jb\r\n"), (io.BytesIO(), b"a\x1b[2Jb\r\n")):
            monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="utf-8"))
            _cli._stdout_bytes(b"a\x1b[2Jb\r\n")
            assert raw.getvalue() == shown

    def test_internal_error_exit_4(self, run, monkeypatch):
        """A bug gives exit 4 with a short escaped line, never a traceback."""

        def broken(*args, **kwargs):
            raise RuntimeError("\x1b[2J" + "x" * 5000)

        monkeypatch.setattr("iopkit.curriculum.compose", broken)
        result = run("compose", EXAMPLE)
        assert result.exit_code == 4
        assert "Traceback" not in result.output
        assert "\x1b" not in result.output
        assert "please report this as a bug" in result.stderr
        assert len(result.stderr) < 600


class TestExitCodes:
    @pytest.mark.parametrize(
        ("exc", "code"),
        [
            (InfeasibleError([Reason(rule="r", message="m")]), Exit.FAILED),
            (FileFormatError([Problem(message="m")]), Exit.INPUT),
            (CatalogError([Problem(message="m")]), Exit.INPUT),
            (ProgramError([Problem(message="m")]), Exit.INPUT),
            (ExportError("no dates"), Exit.INPUT),
            (OSError(errno.ENOSPC, "No space left on device", "f"), Exit.INPUT),
            (BudgetExceededError(5, "composing", "time"), Exit.LIMIT),
            (BudgetExceededError(5, "composing", "memory"), Exit.LIMIT),
            (MemoryError(), Exit.LIMIT),
            (KeyboardInterrupt(), Exit.INTERRUPTED),
            (RuntimeError("bug"), Exit.INTERNAL),
            (RecursionError(), Exit.INTERNAL),
        ],
    )
    def test_one_place(self, exc, code):
        """Each kind of failure maps to its exit code in one function."""
        assert exit_code(exc) == code

    def test_codes(self):
        """The exit codes are the documented numbers."""
        assert [int(e) for e in Exit] == [0, 1, 2, 3, 4, 130]

    def test_problem_without_a_file_names_the_users_file(self):
        """A problem that does not say its file is located in the file the command read,
        never in '<input>'."""
        lines = messages(ProgramError([Problem(message="bad", pointer="/x")]), "p.yaml")
        assert lines == ["error: p.yaml at /x: bad"]

    def test_os_error_without_a_file(self):
        """An operating-system error without a file name names the command's file."""
        assert messages(OSError(errno.ENOSPC, "No space left on device"), "out.html") == [
            "error: out.html: No space left on device"
        ]

    def test_many_problems_are_counted(self):
        """At most 50 problems are listed; the rest are counted."""
        exc = FileFormatError([Problem(message=f"p{i}", file="f") for i in range(120)])
        lines = messages(exc)
        assert len(lines) == 51
        assert lines[-1] == "error: ... and 70 more problems not shown"


class TestRelativePaths:
    def test_program_catalog_paths_follow_the_files(self, run, tmp_path, monkeypatch):
        """A program's relative catalog paths resolve from its folder, and a curriculum's
        from the curriculum's folder, whatever the working directory."""
        folder = tmp_path / "clinic"
        folder.mkdir()
        (folder / "clinic-catalog.yaml").write_text(
            (EXAMPLE.parent / "clinic-catalog.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        text = EXAMPLE.read_text(encoding="utf-8").replace(
            "catalogs: [builtin]", "catalogs: [builtin, clinic-catalog.yaml]"
        )
        (folder / "program.yaml").write_text(text, encoding="utf-8")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        assert run("compose", folder / "program.yaml", "-o", folder / "c.json").exit_code == 0
        result = run("validate", folder / "c.json")
        assert result.exit_code == 0, result.output
