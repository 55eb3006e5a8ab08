"""notebooks/visualizations.ipynb runs top to bottom against a tiny run (located through
WORLDMODELS_ROOT, as a user would) and shows its pictures."""
from __future__ import annotations

import os

import nbclient
import nbformat
import pytest

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NOTEBOOK = os.path.join(REPO, "notebooks", "visualizations.ipynb")


def test_notebook_runs_and_shows_images(tiny_run, tmp_path, monkeypatch):
    monkeypatch.setenv("WORLDMODELS_ROOT", tiny_run)  # the kernel inherits the environment
    monkeypatch.setenv("WORLDMODELS_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # kernel "python3": jupyter_client starts its `python` as sys.executable, this venv's
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = [k for o in outputs for k in o.get("data", {}) if k.startswith("image/")]
    assert kinds.count("image/png") == 4  # frame vs decoded, dream strip, CMA-ES, returns
    assert kinds.count("image/gif") == 2  # the episode and the dream
    assert os.path.exists(tmp_path / "report" / "index.html")
