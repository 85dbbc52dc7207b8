"""The command line: every command and every exit code."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import iopkit
from iopkit._cli import main

EXAMPLE = Path(__file__).parent.parent / "examples" / "adult-iop.yaml"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def curriculum_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("c") / "c.json"
    result = CliRunner().invoke(main, ["compose", str(EXAMPLE), "-o", str(path)])
    assert result.exit_code == 0
    return path


class TestCompose:
    def test_builtin_example_to_stdout(self, run):
        """Without a program it composes the built-in example; JSON on stdout, summary on stderr."""
        result = run("compose")
        assert result.exit_code == 0
        doc = json.loads(result.stdout)
        assert doc["iopkit"] == "curriculum/1"
        assert "8 weeks, 24 sessions" in result.stderr
        assert "track 'Core skills'" in result.stderr

    def test_infeasible_exit_1(self, run, tmp_path):
        """An infeasible program exits 1 and prints the reasons one per line."""
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("{min: 180, max: 210}", "{min: 120, max: 150}")
        )
        result = run("compose", program)
        assert result.exit_code == 1
        assert "reason:" in result.stderr
        assert "Traceback" not in result.stderr

    def test_bad_file_exit_2(self, run, tmp_path):
        """A bad program exits 2 with one readable line per problem."""
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

    def test_budget_exit_3(self, run):
        """A budget too small exits 3 saying the budget was reached."""
        result = run("compose", EXAMPLE, "--budget", "0.0000001")
        assert result.exit_code == 3
        assert "time budget" in result.stderr

    def test_failed_write_keeps_old_file(self, run, tmp_path):
        """A failing compose never overwrites a good output file."""
        out = tmp_path / "c.json"
        out.write_text("good")
        program = tmp_path / "p.yaml"
        program.write_text(
            EXAMPLE.read_text().replace("{min: 180, max: 210}", "{min: 120, max: 150}")
        )
        assert run("compose", program, "-o", out).exit_code == 1
        assert out.read_text() == "good"


class TestValidate:
    def test_valid(self, run, curriculum_file):
        """A composed curriculum validates with exit 0."""
        result = run("validate", curriculum_file)
        assert result.exit_code == 0
        assert "valid" in result.stdout

    def test_violations_exit_1(self, run, curriculum_file):
        """An extra profile the curriculum does not meet exits 1 listing every violation."""
        result = run("validate", curriculum_file, "--profile", "asam-2.5")
        assert result.exit_code == 1
        assert result.stderr.count("asam-2.5:weekly_minutes") == 8

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


class TestOthers:
    @pytest.mark.parametrize("fmt", ["md", "html", "ics", "csv", "fhir", "json"])
    def test_export(self, run, curriculum_file, tmp_path, fmt):
        """Every export format writes a non-empty file."""
        out = tmp_path / f"out.{fmt}"
        result = run("export", curriculum_file, "--format", fmt, "-o", out)
        assert result.exit_code == 0
        assert out.stat().st_size > 500

    def test_export_bad_format_exit_2(self, run, curriculum_file):
        """An unknown format is a usage error."""
        assert run("export", curriculum_file, "--format", "pdf").exit_code == 2

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
        """--version and --help work on every command."""
        assert iopkit.__version__ in run("--version").stdout
        for command in ["compose", "validate", "export", "schema", "catalog", "profiles"]:
            assert run(command, "--help").exit_code == 0


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
