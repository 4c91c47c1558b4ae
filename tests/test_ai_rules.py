"""REL901 (unresolvable import) and REL902 (placeholder code): how imports are
resolved without importing, and which bodies are declarations, not placeholders.
Both are AI-only: silent on human lines."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from resilint.config.settings import Config
from resilint.engine.core import Engine


def codes(root: Path, relpath: str, text: str, *, ai: bool = True) -> list[tuple[int, str]]:
    file = root / relpath
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    config = dataclasses.replace(Config(root=root), force_ai=ai, git_provenance=False)
    result = Engine(config).check_source(text, relpath, file=file)
    return [(f.line, f.code) for f in result.findings if f.code in ("REL901", "REL902")]


# -- REL901 ------------------------------------------------------------------------------


def test_never_imports_what_it_resolves(tmp_path: Path) -> None:
    (tmp_path / "boobytrap.py").write_text(f"open({str(tmp_path / 'imported')!r}, 'w').close()\n")
    assert codes(tmp_path, "app.py", "import boobytrap\nimport zz_missing_pkg\n") == [(2, "REL901")]
    assert not (tmp_path / "imported").exists()
    assert "boobytrap" not in sys.modules and "zz_missing_pkg" not in sys.modules


@pytest.mark.parametrize(
    "declaration",
    [
        ("pyproject.toml", '[project]\nname = "x"\nversion = "0"\ndependencies = ["fancy-http>=1"]\n'),
        ("pyproject.toml", '[project]\nname = "x"\nversion = "0"\n[project.optional-dependencies]\nhttp = ["fancy_http"]\n'),
        ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.10"\nfancy-http = "^1.0"\n'),
        ("requirements.txt", "fancy-http==1.2  # pinned\n"),
        ("requirements.txt", "python-fancy-http\n"),  # the usual python- prefix
    ],
)
def test_declared_dependencies_resolve(tmp_path: Path, declaration: tuple[str, str]) -> None:
    name, text = declaration
    (tmp_path / name).write_text(text)
    assert codes(tmp_path, "app.py", "import fancy_http\nfrom fancy_http.client import get\n") == []


def test_distribution_named_differently(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("umap-learn\nfaiss-cpu\n")
    text = "import umap\nfrom faiss import IndexFlatL2\nimport skimage\n"
    assert codes(tmp_path, "app.py", text) == [(3, "REL901")]  # scikit-image is not declared


def test_widely_used_packages_are_never_hallucinated(tmp_path: Path) -> None:
    """No declaration, not installed here: a real, popular package is still not a hallucination."""
    assert codes(tmp_path, "app.py", "import requests\nimport boto3\nfrom tenacity import retry\nimport reqeusts\n") == [(4, "REL901")]


def test_first_party_layouts(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "__init__.py").write_text("")
    (tmp_path / "src" / "shop" / "orders").mkdir()
    (tmp_path / "src" / "shop" / "orders" / "__init__.py").write_text("")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "common.py").write_text("")
    (tmp_path / "tools" / "nspkg").mkdir(parents=True)  # a namespace package: a folder with no __init__
    # src layout from tests/, the package root from deep inside it, a sibling script module,
    # a namespace package next to the file, a compiled extension module.
    assert codes(tmp_path, "tests/test_shop.py", "import shop.orders\nfrom shop import orders\n") == []
    assert codes(tmp_path, "src/shop/orders/models.py", "from shop.orders import x\nimport shop\n") == []
    assert codes(tmp_path, "scripts/run.py", "import common\n") == []
    assert codes(tmp_path, "tools/cli.py", "import nspkg\n") == []
    (tmp_path / "tools" / "_speedups.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    assert codes(tmp_path, "tools/cli.py", "import _speedups\n") == []
    assert codes(tmp_path, "scripts/run.py", "import orders\n") == [(1, "REL901")]  # not top-level


def test_project_virtualenv(tmp_path: Path) -> None:
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    (site / "vendored_sdk").mkdir(parents=True)
    (site / "single_module.py").write_text("")
    (site / "odd_dist-1.0.dist-info").mkdir()
    (site / "odd_dist-1.0.dist-info" / "top_level.txt").write_text("oddly_named\n")
    text = "import vendored_sdk\nimport single_module\nimport oddly_named\nimport not_there_pkg\n"
    assert codes(tmp_path, "app.py", text) == [(4, "REL901")]


def test_installed_stdlib_and_guards(tmp_path: Path) -> None:
    text = (
        "import os, sys, asyncio.subprocess\n"
        "import tomllib, distutils\n"  # stdlib of other Python versions
        "import libcst, pluggy\n"  # installed where resilint runs
        "from . import sibling\n"
        "from .missing import thing\n"  # relative: first-party by definition
        "try:\n    import optional_accel\nexcept (ImportError, OSError):\n    optional_accel = None\n"
        "try:\n    import really_missing\nexcept KeyError:\n    pass\n"
        "try:\n    pass\nexcept ImportError:\n    import fallback_missing\n"  # the fallback itself must resolve
    )
    assert codes(tmp_path, "app.py", text) == [(11, "REL901"), (17, "REL901")]


def test_reported_at_the_alias(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os, nope_pkg\n")
    config = dataclasses.replace(Config(root=tmp_path), force_ai=True, git_provenance=False)
    [finding] = [f for f in Engine(config).check_file(tmp_path / "app.py").findings if f.code == "REL901"]
    assert (finding.line, finding.column, finding.severity.label) == (1, 12, "error")
    assert "'nope_pkg'" in finding.message and "hallucinated" in finding.message


# -- REL902 ------------------------------------------------------------------------------


def test_stub_files_are_declarations(tmp_path: Path) -> None:
    text = "def f(x: int) -> int: ...\nclass C:\n    def m(self) -> None:\n        pass\n"
    assert codes(tmp_path, "api.pyi", text) == []
    assert codes(tmp_path, "api.py", text) == [(1, "REL902"), (4, "REL902")]


def test_typing_extensions_and_aliases(tmp_path: Path) -> None:
    text = (
        "import typing_extensions as te\n"
        "from abc import abstractmethod as am\n"
        "class P(te.Protocol):\n    def f(self): ...\n"
        "class Q:\n    @am\n    def g(self):\n        raise NotImplementedError\n"
        "@te.overload\ndef h(x: int) -> int: ...\ndef h(x):\n    return x\n"
    )
    assert codes(tmp_path, "a.py", text) == []


def test_nested_function_in_protocol_method_is_not_exempt(tmp_path: Path) -> None:
    text = "from typing import Protocol\nclass P(Protocol):\n    def f(self):\n        def inner():\n            pass\n        return inner\n"
    assert codes(tmp_path, "a.py", text) == [(5, "REL902")]


def test_tags_are_configurable_data(tmp_path: Path) -> None:
    assert codes(tmp_path, "a.py", "# HACK: later\n# TODO(ana): soon\n#TODO\nx = 1  # FIXME: y\n") == [(2, "REL902"), (3, "REL902"), (4, "REL902")]


def test_ai_only_rules_are_silent_on_human_lines(tmp_path: Path) -> None:
    text = "import zz_missing_pkg\n\ndef f():\n    pass  # TODO: later\n"
    assert codes(tmp_path, "a.py", text, ai=False) == []
    assert codes(tmp_path, "a.py", text, ai=True) == [(1, "REL901"), (4, "REL902"), (4, "REL902")]


def test_result_cache_sees_a_module_created_later(tmp_path: Path) -> None:
    """The agent imports ``helpers`` before writing it: once it exists, a cached run must
    not keep the stale REL901 (the modules next to a file are part of its cache key)."""
    from conftest import run_resilint

    (tmp_path / "pyproject.toml").write_text("[tool.resilint]\n")
    (tmp_path / "app.py").write_text("# resilint: ai-assisted\nimport helpers_mod\n")

    def rel901() -> list[int]:
        run = run_resilint("check", "--format", "json", "app.py", cwd=tmp_path)  # the cache is on
        return [f["line"] for f in run.json()["findings"] if f["code"] == "REL901"]

    assert rel901() == [2]
    assert rel901() == [2]  # served from the cache
    (tmp_path / "helpers_mod.py").write_text("X = 1\n")
    assert rel901() == []
    assert (tmp_path / ".resilint_cache").is_dir()
