"""End to end with a real editor: Neovim (headless) as the LSP client of
``resilint lsp`` opens a file, edits it twice, and we read the diagnostics it
received. ``.ci/run`` installs Debian's ``neovim``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, resilint_executable

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


def _documented_snippet(title: str) -> str:
    """The Lua block that follows ``title`` in docs/integrations.md, as written."""
    doc = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    after = doc.split(title, 1)[1]
    return after.split("```lua\n", 1)[1].split("```", 1)[0]


def test_the_documented_neovim_07_snippet_attaches_and_shows_diagnostics(tmp_path: Path) -> None:
    if shutil.which("nvim") is None:
        pytest.fail("Neovim is needed for this test: apt-get install neovim (.ci/run does)")
    snippet = _documented_snippet("Neovim 0.7 (Debian 12's)")
    init = tmp_path / "init.lua"
    init.write_text(snippet, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    target = tmp_path / "client.py"
    target.write_text("import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n")
    out = tmp_path / "out.json"
    probe = tmp_path / "probe.lua"
    probe.write_text(
        textwrap.dedent(
            f"""
            vim.cmd("edit {target}")
            local ok = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
            local items = {{}}
            for _, d in ipairs(vim.diagnostic.get(0)) do
              table.insert(items, {{ lnum = d.lnum, code = d.code or ((d.user_data or {{}}).lsp or {{}}).code }})
            end
            local f = io.open("{out}", "w")
            f:write(vim.fn.json_encode({{ ok = ok, items = items }}))
            f:close()
            vim.cmd("qa!")
            """
        )
    )
    env = {**os.environ, "PATH": f"{Path(resilint_executable()).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run(
        ["nvim", "--headless", "-n", "-u", str(init), "-c", f"luafile {probe}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL, check=False,
    )
    assert out.exists(), run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result == {"ok": True, "items": [{"lnum": 4, "code": "REL101"}]}
