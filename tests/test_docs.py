"""Every code example in the docs runs: Python blocks in order per page, and every
``$ iopkit ...`` line of console blocks through the command line."""

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from iopkit._cli import main

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(
    p for p in DOCS.rglob("*.md") if "_generated" not in p.parts and "_build" not in p.parts
)
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Commands the docs show failing on purpose, with their exit code and a phrase they print.
EXPECTED_FAILURES = {
    "iopkit compose short-sessions.yaml": (1, "give at most 450 service minutes"),
    "iopkit validate curriculum.json --profile asam-2.5": (1, "asam-2.5 needs at least 1200"),
    "iopkit compose examples/infeasible/closure.yaml": (1, "add tue to makeup_days"),
    "iopkit compose examples/infeasible/weekly-floor.yaml": (1, "but cms-iop needs 540"),
    "iopkit validate edited.json": (1, "[require[0]] week 1, session 1"),
    "iopkit validate evening.json --profile asam-2.5": (1, "asam-2.5 needs at least 1200"),
    "iopkit compose skills.yaml -o skills-weekly.json": (1, "admit patients only at the start"),
}


def test_docs_found():
    """The docs have pages with examples to run."""
    assert len(PAGES) >= 10
    assert sum(len(FENCE.findall(p.read_text(encoding="utf-8"))) for p in PAGES) > 20


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_examples_run(page, tmp_path, monkeypatch):
    """The page's Python and iopkit console examples run, in order, in a fresh folder."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for language, body in FENCE.findall(page.read_text(encoding="utf-8")):
        if language == "python":
            exec(compile(body, f"{page.name}", "exec"), namespace)  # noqa: S102 - our own docs
        elif language == "console":
            for line in body.splitlines():
                if not line.startswith("$ iopkit "):
                    continue  # installs and test runs are not repeated here
                command = line[2:].strip()
                args = shlex.split(command)[1:]
                result = runner.invoke(main, args, catch_exceptions=False)
                code, phrase = EXPECTED_FAILURES.get(command, (0, ""))
                assert result.exit_code == code, f"{command}: {result.output}"
                assert phrase in result.output
    assert os.getcwd() == str(tmp_path)
