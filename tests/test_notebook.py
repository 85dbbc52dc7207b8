"""The notebook tutorial (``docs/notebook.ipynb``) runs top to bottom without an error, so
it cannot rot: in a Jupyter kernel with nbclient when nbclient, nbformat and ipykernel are
installed, otherwise cell by cell with ``exec``, showing each cell's last expression as a
notebook would."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
NOTEBOOK = ROOT / "docs" / "notebook.ipynb"
#: Cells whose last expression shows as HTML: the curriculum, two weeks, five reports
#: and an explanation.
SHOWN = 9


def cells(kind: str) -> list[str]:
    """The source of each cell of this kind, in order."""
    document = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in document["cells"] if c["cell_type"] == kind]


def kernel_available() -> bool:
    """Whether the notebook can run in a real kernel here."""
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        return False
    return True


def run_with_exec(folder: Path) -> list[str]:
    """Run the code cells in order in one namespace, in ``folder``; the HTML that the
    notebook would show for each cell's last expression."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    shown: list[str] = []
    for number, source in enumerate(cells("code"), start=1):
        tree = ast.parse(source, filename=f"notebook.ipynb, code cell {number}")
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        if last is not None:
            tree.body.pop()
        exec(compile(tree, f"notebook.ipynb, code cell {number}", "exec"), namespace)  # noqa: S102 - our own notebook
        if last is None:
            continue
        expression = ast.Expression(last.value)
        value = eval(compile(expression, f"notebook.ipynb, code cell {number}", "eval"), namespace)  # noqa: S307
        if value is not None and hasattr(value, "_repr_html_"):
            shown.append(value._repr_html_())
    assert Path.cwd() == folder
    return shown


def run_in_kernel(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run the notebook in a Jupyter kernel of this interpreter, in ``folder``; the HTML
    it shows. nbclient raises on the first cell that fails."""
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no migration warning from jupyter_core
    spec = folder / "jupyter" / "kernels" / "iopkit-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "iopkit test",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(folder / "jupyter"))
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="iopkit-test",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    shown = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            if "text/html" in output.get("data", {}):
                shown.append(output["data"]["text/html"])
    return shown


class TestNotebook:
    def test_it_is_stored_without_outputs(self):
        """The notebook is stored clean (no outputs, no execution counts): what readers see
        is made by running it."""
        document = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
        assert document["nbformat"] == 4
        for cell in document["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == []
                assert cell["execution_count"] is None

    def test_it_is_plain_python(self):
        """No cell uses IPython magics or shell escapes, so every cell is plain Python."""
        for source in cells("code"):
            ast.parse(source)
            assert not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines())

    def test_it_says_it_is_a_planning_aid(self):
        """The tutorial says iopkit is not clinical or billing advice."""
        text = " ".join(cells("markdown"))
        assert "not clinical advice" in text
        assert "not billing advice" in text

    def test_it_runs_top_to_bottom(self, tmp_path, monkeypatch):
        """Every code cell runs in order without an error, and the curriculum, its weeks,
        the validation reports and the explanation show as HTML fragments."""
        monkeypatch.chdir(tmp_path)
        if kernel_available():
            shown = run_in_kernel(tmp_path, monkeypatch)
        else:
            shown = run_with_exec(tmp_path)
        fragments = [html for html in shown if html.startswith('<div class="iopkit">')]
        assert len(fragments) == SHOWN, len(fragments)
        assert any("Evening IOP for adults" in html and "17:30" in html for html in fragments)
        assert any("Valid:" in html for html in fragments)
        assert any("cms-iop:weekly_minutes" in html for html in fragments)
        assert any("No curriculum meets every limit" in html for html in fragments)
        assert (
            (tmp_path / "evening-iop.html")
            .read_text(encoding="utf-8")
            .startswith("<!DOCTYPE html>")
        )
        assert (tmp_path / "evening-iop.csv").stat().st_size > 0

    def test_its_code_runs_as_plain_python(self, tmp_path, monkeypatch):
        """The code cells also run one after the other with ``exec`` (how the notebook is
        run where no kernel is installed)."""
        monkeypatch.chdir(tmp_path)
        assert len(run_with_exec(tmp_path)) == SHOWN
