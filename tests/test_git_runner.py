"""resilint/git.py's ``cat-file --batch`` helpers against a real repository: blobs by
id and by ``rev:path``, a missing object, a tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from resilint.git import cat_file_request, git_output, parse_cat_file


def test_cat_file_reads_blobs_and_names_what_is_missing(git_repo: Path) -> None:
    (git_repo / "sub").mkdir()
    (git_repo / "a.py").write_text("x = 1\n")
    (git_repo / "sub" / "b.py").write_text("y = 2\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "two files")
    blob = git(git_repo, "rev-parse", "HEAD:a.py").strip()
    asked = [blob, "HEAD:sub/b.py", "HEAD:gone.py", "HEAD:sub"]
    out = git_output(["cat-file", "--batch"], git_repo, stdin=cat_file_request(asked))
    assert out is not None
    assert parse_cat_file(out, asked, missing_ok=True) == {blob: b"x = 1\n", "HEAD:sub/b.py": b"y = 2\n"}
    with pytest.raises(KeyError, match="HEAD:gone.py"):
        parse_cat_file(out, asked)
    tree_only = ["HEAD:sub"]
    out = git_output(["cat-file", "--batch"], git_repo, stdin=cat_file_request(tree_only))
    assert out is not None
    with pytest.raises(KeyError, match="HEAD:sub"):
        parse_cat_file(out, tree_only)
