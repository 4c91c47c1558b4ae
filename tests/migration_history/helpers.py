"""Helpers that write small migration trees into ``tmp_path`` (the ``tree`` fixture is in conftest)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

HEADER = "from django.db import migrations, models\nimport django.db.models.deletion\nfrom django.conf import settings\n"


def migration(deps: str = "[]", ops: str = "[]", extra: str = "", header: str = HEADER, body: str = "") -> str:
    return (
        header
        + textwrap.dedent(body)
        + "\n\nclass Migration(migrations.Migration):\n"
        + textwrap.indent(textwrap.dedent(extra), "    ")
        + f"\n    dependencies = {textwrap.dedent(deps).strip()}\n"
        + "    operations = "
        + textwrap.indent(textwrap.dedent(ops).strip(), "    ").lstrip()
        + "\n"
    )


class Tree:
    def __init__(self, root: Path) -> None:
        self.root = root

    def app(self, app: str, migrations: dict[str, str], package: str = "project") -> Path:
        folder = self.root / package / app / "migrations"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("")
        (folder.parent / "__init__.py").write_text("")
        for name, source in migrations.items():
            (folder / f"{name}.py").write_text(source)
        return folder

    def file(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)
