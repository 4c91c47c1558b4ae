"""Fuzz the language server with random edits (issue 19, reproducer 3).

Starts the installed ``resilint lsp``, opens one document and sends N random
whole-document edits -- valid code, syntax errors, shapes that crash or stall
libcst (a 12,000-operand ``and`` chain, 5,000 nested parentheses, a list literal
that takes seconds), at random intervals from 0 to 0.4 s, sometimes killing the
checker worker with SIGSEGV mid-check. Every ``--every`` edits, and at the end,
it sends a valid edit and waits for that version's diagnostics: each must
arrive (REL101 exactly), and the server must stay alive.

Usage: python benchmarks/robustness/fuzz_lsp.py [--edits 300] [--seed 1] [--kill-rate 0.05]
Prints the counts: edits, checkpoints answered / missed, worker kills, messages
shown, server alive.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
from pathlib import Path

from lsprotocol import types
from pytest_lsp.client import make_test_lsp_client

VALID = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
SHAPES = [
    VALID,
    VALID.replace("get(url)", "get(url, timeout=3)"),
    "def broken(:\n    pass\n",
    "import requests\nrequests.get('u')\nx = " + " and ".join(["a"] * 12_000) + "\n",
    "import requests\nrequests.get('u')\nx = " + "(" * 5_000 + ")" * 5_000 + "\n",
    "import requests\nrequests.get('u')\n" + "".join(f"x{i} = [{', '.join(['1'] * 2_000)}]\n" for i in range(30)),
    "import requests\nrequests.get('u')\nx = " + " + ".join(["1"] * 3_000) + "\n",
    VALID + "\ndef two(u):\n    return requests.post(u\n",
]


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def workers(server_pid: int) -> list[int]:
    found = []
    for child in children(server_pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" in cmdline:
            continue
        found.extend(children(child) if b"forkserver" in cmdline else [child])
    return found


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--every", type=int, default=25)
    ap.add_argument("--kill-rate", type=float, default=0.05)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="resilint-lsp-fuzz-"))
    (folder / "pyproject.toml").write_text("[tool.resilint]\n")
    doc = folder / "doc.py"
    doc.write_text(VALID)
    client = make_test_lsp_client()
    await client.start_io(str(Path(sys.executable).with_name("resilint")), "lsp")
    await client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=folder.as_uri(), initialization_options={"debounceMs": 50})
    )
    uri = doc.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=VALID)))
    version, kills, answered, missed = 1, 0, 0, 0

    async def checkpoint() -> None:
        nonlocal version, answered, missed
        version += 1
        client.diagnostics.pop(uri, None)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n" * (version % 97) + VALID)],
            )
        )
        for _ in range(600):  # 60 s
            await asyncio.sleep(0.1)
            got = client.diagnostics.get(uri)
            # the call's line moves with the version: no older publication can pass for this one
            if got is not None and [(d.code, d.range.start.line) for d in got] == [("REL101", 4 + version % 97)]:
                answered += 1
                return
        missed += 1

    for i in range(args.edits):
        version += 1
        text = rng.choice(SHAPES)
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        await asyncio.sleep(rng.uniform(0, 0.4))
        if rng.random() < args.kill_rate:
            for pid in workers(client._server.pid):  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGSEGV)
                kills += 1
        if (i + 1) % args.every == 0:
            await checkpoint()
    await checkpoint()
    alive = client._server.returncode is None  # type: ignore[attr-defined]
    shown = [m.message for m in client.messages]
    await client.shutdown_session()
    print(f"edits: {args.edits}  checkpoints answered: {answered}  missed: {missed}  worker kills: {kills}  "
          f"messages shown: {len(shown)} {sorted(set(shown))}  server alive: {alive}")
    return 0 if alive and not missed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
