"""What the checked project declares: its dependencies and their versions.

Read from the project's own files, never by importing anything:
``pyproject.toml`` (PEP 621 ``dependencies`` and optional dependencies,
Poetry's ``[tool.poetry.*dependencies]``), ``requirements*.txt``, and the lock
files ``uv.lock`` / ``poetry.lock`` (exact versions). Used by standards whose
verdict depends on a library version (redis-py's default timeout) and by the
unresolvable-import check (REL901).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from resilint.config import _toml

_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)")


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Dependency:
    name: str  # canonical
    specifier: str = ""  # e.g. ">=4,<8" ("" when unconstrained)
    locked: str | None = None  # exact version from a lock file or "==" pin
    source: str = ""  # the file that declared it


@dataclass(frozen=True)
class ProjectInfo:
    root: Path
    dependencies: dict[str, Dependency]

    def get(self, distribution: str) -> Dependency | None:
        return self.dependencies.get(canonical(distribution))


def dependency_files(root: Path) -> list[Path]:
    """Every file :func:`project_info` reads under ``root`` (present or not): a check
    kind whose verdicts depend on declared versions lists them as its input files."""
    requirements = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [root / "pyproject.toml", *requirements, root / "uv.lock", root / "poetry.lock"]


@lru_cache(maxsize=32)
def project_info(root: Path) -> ProjectInfo:
    """Dependencies declared under ``root`` (cached per run and process)."""
    deps: dict[str, Dependency] = {}

    def add(line: str, source: str) -> None:
        match = _REQUIREMENT.match(line)
        if not match:
            return
        name = canonical(match["name"])
        spec = match["spec"].strip().replace(" ", "")
        pinned = spec[2:] if spec.startswith("==") and "," not in spec and "*" not in spec else None
        previous = deps.get(name)
        if previous is None or (not previous.specifier and spec):
            deps[name] = Dependency(name, spec, pinned or (previous.locked if previous else None), source)

    pyproject = root / "pyproject.toml"
    data = _read_toml(pyproject)
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    for item in project.get("dependencies", []) or []:
        if isinstance(item, str):
            add(item, "pyproject.toml")
    for group in (project.get("optional-dependencies", {}) or {}).values():
        for item in group if isinstance(group, list) else []:
            if isinstance(item, str):
                add(item, "pyproject.toml")
    for group in (data.get("dependency-groups", {}) or {}).values():
        for item in group if isinstance(group, list) else []:
            if isinstance(item, str):
                add(item, "pyproject.toml")
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    poetry_tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    poetry_tables += [g.get("dependencies", {}) for g in (poetry.get("group", {}) or {}).values() if isinstance(g, dict)]
    for table in poetry_tables:
        for name, spec in (table or {}).items():
            if name.lower() == "python":
                continue
            version = spec if isinstance(spec, str) else spec.get("version", "") if isinstance(spec, dict) else ""
            add(f"{name} {_poetry_spec(version)}", "pyproject.toml")
    for requirements in sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt")):
        try:
            text = requirements.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if line.strip() and not line.lstrip().startswith(("#", "-")):
                add(line, requirements.name)
    for lock in ("uv.lock", "poetry.lock"):
        for package in _read_toml(root / lock).get("package", []) or []:
            if isinstance(package, dict) and "name" in package and "version" in package:
                name = canonical(str(package["name"]))
                previous = deps.get(name)
                deps[name] = Dependency(
                    name,
                    previous.specifier if previous else "",
                    str(package["version"]),
                    previous.source if previous else lock,
                )
    return ProjectInfo(root, deps)


def _poetry_spec(version: str) -> str:
    """Poetry's ``^1.2`` / ``~1.2`` / ``1.2`` to a PEP 440-ish specifier (bounds only)."""
    version = version.strip()
    if not version or version == "*":
        return ""
    if version[0] in "^~":
        return f">={version[1:]}"
    if version[0].isdigit():
        return f"=={version}"
    return version


def _read_toml(path: Path) -> dict:
    try:
        return _toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError):
        return {}
