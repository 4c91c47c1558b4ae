"""End to end with a real editor: Neovim (headless) as the LSP client of
``resilint lsp`` opens a file, edits it twice, and we read the diagnostics it
received. ``.ci/run`` installs Debian's ``neovim``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import resilint_executable

SCRIPT = Path(__file__).parent / "editors" / "nvim_lsp_check.lua"
CLIENT = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
ERROR, WARN = 1, 2  # vim.diagnostic.severity


def test_neovim_receives_diagnostics(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.fail("Neovim is needed for this test: apt-get install neovim (.ci/run does)")
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    target = tmp_path / "client.py"
    target.write_text(CLIENT)
    out = tmp_path / "diagnostics.json"
    env = {
        **{k: v for k, v in os.environ.items() if k != "RESILINT_AI_ASSISTED"},
        "RESILINT_CMD": resilint_executable(),
        "RESILINT_TARGET": str(target),
        "RESILINT_OUT": str(out),
        "HOME": str(tmp_path),  # no user configuration, no shada in the real home
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    run = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert out.exists(), run.stdout + run.stderr
    steps = json.loads(out.read_text())
    assert all("error" not in s for s in steps), steps
    assert [s["step"] for s in steps] == ["open", "fixed", "ai"]

    (opened,) = steps[0]["diagnostics"]
    assert (opened["lnum"], opened["col"], opened["end_lnum"], opened["end_col"]) == (4, 11, 4, 28)
    assert opened["severity"] == WARN
    assert opened["code"] == "REL101" and opened["source"] == "resilint"
    assert opened["href"] == "https://github.com/resilint/resilint/blob/main/docs/rules.md#rel101"
    assert "requests waits forever by default" in opened["message"]

    assert steps[1]["diagnostics"] == []

    (ai,) = steps[2]["diagnostics"]
    assert (ai["lnum"], ai["col"], ai["code"], ai["severity"]) == (6, 0, "REL101", ERROR)
    assert "requests.post() called without timeout=" in ai["message"]
    assert "[AI-assisted: # resilint: ai-assisted (line 1)]" in ai["message"]
