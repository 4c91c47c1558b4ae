"""The Alembic revision chain, read from ``versions/*.py`` without importing.

Alembic has no model state to replay: what an operation changes is carried by
the operation itself (``existing_type``, ``existing_nullable``...). What the
history *does* give is the chain -- ``revision``/``down_revision`` (a string,
a tuple for merges, None for a base), ``branch_labels`` and ``depends_on`` --
and its breakages: a ``down_revision`` that names no revision, two heads that
would make ``alembic upgrade head`` fail, a cycle.

Revision files are grouped by their ``versions`` folder; folders whose
revisions point at each other (Alembic's ``version_locations``) are joined.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import diagnostics as d
from .diagnostics import Diagnostic
from .django_graph import SKIP_DIRS, WORK_TREE, Files
from .pysource import string
from .toposort import parents_first

_ATTRS = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True, eq=False)
class AlembicRevision:
    revision: str
    down_revisions: tuple[str, ...]  # () for a base, 2+ for a merge
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    path: str
    line: int
    tree: ast.Module
    lines: Mapping[str, int] = field(default_factory=dict)  # attribute -> line of its assignment

    @property
    def is_merge(self) -> bool:
        return len(self.down_revisions) > 1


@dataclass(frozen=True)
class AlembicHistory:
    locations: tuple[str, ...]
    revisions: Mapping[str, AlembicRevision]
    order: tuple[str, ...]  # bases first; a revision after all its down_revisions and depends_on
    heads: tuple[str, ...]
    bases: tuple[str, ...]
    merges: tuple[str, ...]
    branch_points: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]

    def parents(self, revision: str) -> tuple[str, ...]:
        return self.revisions[revision].down_revisions


def read_revision(path: str | os.PathLike[str], files: Files = WORK_TREE) -> tuple[AlembicRevision | None, list[Diagnostic]]:
    path = str(path)
    try:
        data = files.read_bytes(path)
        if data is None:
            raise ValueError("the file cannot be read")
        tree = ast.parse(data.decode("utf-8"), path)
    except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
        return None, [Diagnostic(d.UNPARSABLE, f"revision file does not parse: {getattr(exc, 'msg', exc)}",
                                 "error", path, getattr(exc, "lineno", None))]
    found: dict[str, ast.expr] = {}
    lines: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            value = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            targets, value = [stmt.target.id], stmt.value
        else:
            continue
        for t in targets:
            if t in _ATTRS:
                found[t] = value
                lines[t] = stmt.lineno
    has_upgrade = any(isinstance(s, ast.FunctionDef) and s.name == "upgrade" for s in tree.body)
    if "revision" not in found:
        if has_upgrade:
            return None, [Diagnostic(d.NO_REVISION, "an Alembic script without a literal `revision`", "error", path, 1)]
        return None, []
    revision = string(found["revision"])
    if revision is None:
        return None, [Diagnostic(d.NO_REVISION, "`revision` is not a string literal", "error", path,
                                 lines["revision"])]
    notes: list[Diagnostic] = []
    if "down_revision" not in found:
        notes.append(Diagnostic(d.DYNAMIC, "no `down_revision`: read as a base", "warning", path, lines["revision"],
                                name=revision))

    def strings(attr: str) -> tuple[str, ...]:
        node = found.get(attr)
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return ()
        if (s := string(node)) is not None:
            return (s,)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            out = tuple(v for e in node.elts if (v := string(e)) is not None)
            if len(out) == len(node.elts):
                return out
        notes.append(Diagnostic(d.DYNAMIC, f"`{attr}` is not a literal (`{ast.unparse(node)[:60]}`); ignored",
                                "warning", path, lines.get(attr), name=revision))
        return ()

    return (
        AlembicRevision(revision, strings("down_revision"), strings("branch_labels"), strings("depends_on"),
                        path, lines["revision"], tree, dict(lines)),
        notes,
    )


def discover_version_dirs(root: str | os.PathLike[str], files: Files = WORK_TREE) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in files.walk(root):
        dirnames[:] = sorted(n for n in dirnames if n not in SKIP_DIRS and not n.startswith("."))
        if os.path.basename(dirpath) == "versions" and any(n.endswith(".py") for n in filenames):
            out.append(Path(dirpath))
    return out


def load_alembic(root: str | os.PathLike[str], files: Files = WORK_TREE) -> list[AlembicHistory]:
    """One history per group of ``versions`` folders that reference each other (read from ``files``:
    the work tree, or the index/a commit in ``--staged`` mode)."""
    per_dir: dict[str, list[AlembicRevision]] = {}
    notes_by_dir: dict[str, list[Diagnostic]] = {}
    for vdir in discover_version_dirs(root, files):
        revs: list[AlembicRevision] = []
        notes: list[Diagnostic] = []
        files.prefetch(lambda path, folder=str(vdir) + os.sep: path.startswith(folder) and path.endswith(".py"))
        for name in files.listdir(vdir):
            f = vdir / name
            if not name.endswith(".py") or name == "__init__.py" or not files.is_file(f):
                continue
            rev, file_notes = read_revision(f, files)
            notes.extend(file_notes)
            if rev is not None:
                revs.append(rev)
        if revs or notes:
            per_dir[str(vdir)] = revs
            notes_by_dir[str(vdir)] = notes
    # Join folders that reference each other.
    owner = {r.revision: loc for loc, revs in per_dir.items() for r in revs}
    group = {loc: loc for loc in per_dir}

    def find(x: str) -> str:
        while group[x] != x:
            group[x] = group[group[x]]
            x = group[x]
        return x

    for loc, revs in per_dir.items():
        for r in revs:
            for ref in (*r.down_revisions, *r.depends_on):
                other = owner.get(ref)
                if other is not None and find(other) != find(loc):
                    group[find(other)] = find(loc)
    groups: dict[str, list[str]] = {}
    for loc in per_dir:
        groups.setdefault(find(loc), []).append(loc)
    return [
        build_history(sorted(locs), [r for loc in locs for r in per_dir[loc]],
                      [n for loc in locs for n in notes_by_dir[loc]])
        for _, locs in sorted(groups.items())
    ]


def build_history(locations: Iterable[str], revisions: Iterable[AlembicRevision],
                  notes: Iterable[Diagnostic] = ()) -> AlembicHistory:
    diags = list(notes)
    revs: dict[str, AlembicRevision] = {}
    for r in revisions:
        if r.revision in revs:
            diags.append(Diagnostic(d.DUPLICATE, f"revision {r.revision} is also defined in "
                                    f"{os.path.basename(revs[r.revision].path)}", "error", r.path, r.line,
                                    name=r.revision, attr="revision"))
            continue
        revs[r.revision] = r
    parents: dict[str, list[str]] = {k: [] for k in revs}
    children: dict[str, list[str]] = {k: [] for k in revs}
    for key, r in revs.items():
        for down in r.down_revisions:
            if down in revs:
                parents[key].append(down)
                children[down].append(key)
            else:
                diags.append(Diagnostic(d.MISSING_REVISION, f"revision {key} has down_revision {down!r}, which no "
                                        "revision file defines", "error", r.path, r.lines.get("down_revision", r.line),
                                        name=key, attr="down_revision"))
        for dep in r.depends_on:
            if dep in revs:
                parents[key].append(dep)
            elif not any(dep in o.branch_labels for o in revs.values()) and not any(k.startswith(dep) for k in revs):
                # Alembic resolves depends_on like a command-line argument: a revision, a unique
                # prefix of one, or a branch label
                diags.append(Diagnostic(d.MISSING_REVISION, f"revision {key} depends_on {dep!r}, which is neither a "
                                        "revision nor a branch label", "error", r.path, r.lines.get("depends_on", r.line),
                                        name=key, attr="depends_on"))
    order = _toposort(revs, parents, diags)
    heads = tuple(sorted(k for k in revs if not children[k]))
    bases = tuple(sorted(k for k, r in revs.items() if not r.down_revisions))
    if len(heads) > 1:
        labels = {h: _label(h, revs) for h in heads}
        distinct = len(set(labels.values())) == len(heads) and None not in labels.values()
        diags.append(Diagnostic(
            d.MULTIPLE_HEADS,
            f"{len(heads)} heads ({', '.join(heads)})" + ("; on distinct branch labels" if distinct else
                                                        ": `alembic upgrade head` fails until they are merged"),
            "note" if distinct else "error", revs[heads[-1]].path, revs[heads[-1]].line, name=heads[-1],
            attr="revision"))
    if len(bases) > 1:
        labelled = all(_label(b, revs) for b in bases)
        diags.append(Diagnostic(d.MULTIPLE_BASES, f"{len(bases)} base revisions ({', '.join(bases)})",
                                "note" if labelled else "warning", revs[bases[-1]].path, revs[bases[-1]].line))
    return AlembicHistory(
        locations=tuple(locations),
        revisions=revs,
        order=order,
        heads=heads,
        bases=bases,
        merges=tuple(sorted(k for k, r in revs.items() if r.is_merge)),
        branch_points=tuple(sorted(k for k in revs if len(children[k]) > 1)),
        diagnostics=tuple(diags),
    )


def _label(revision: str, revs: Mapping[str, AlembicRevision]) -> str | None:
    """The branch label a revision lives on: its own or its nearest ancestor's."""
    seen: set[str] = set()
    stack = [revision]
    while stack:
        r = stack.pop()
        if r in seen or r not in revs:
            continue
        seen.add(r)
        if revs[r].branch_labels:
            return revs[r].branch_labels[0]
        stack.extend(revs[r].down_revisions)
    return None


def _toposort(revs: Mapping[str, AlembicRevision], parents: Mapping[str, list[str]],
              diags: list[Diagnostic]) -> tuple[str, ...]:
    order, cycles = parents_first(sorted(revs), parents)
    for cycle in cycles:
        node = cycle[1]  # the revision whose parent closes the cycle (cycle[0] is that parent)
        diags.append(Diagnostic(d.CYCLE, "revision cycle: " + " -> ".join(cycle), "error",
                                revs[node].path, revs[node].lines.get("down_revision", revs[node].line), name=node,
                                attr="down_revision"))
    return order
