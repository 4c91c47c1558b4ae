"""Language-server latency: time from ``didChange`` to the ``publishDiagnostics``
that answers it, for a generated 1,000-line file, measured through a real LSP
client (pygls) against the installed ``resilint lsp``.

    python benchmarks/lsp_latency.py [--lines 1000] [--edits 30] [--debounce-ms 0] [--starts 1]

Prints the time from starting the server process to the first diagnostics of the
opened file (what a user waits for when the editor starts), then the median, 90th
percentile and maximum of the edits. ``--starts N`` starts N servers one after
another (a cold start each; the edits are made in the last) and prints the
median and minimum of their first diagnostics, with the load average. With the default debounce
(300 ms) the figure includes the wait for typing to pause; ``--debounce-ms 0``
shows the check itself (worker round trip + parse + rules + positions).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient


def make_source(lines: int) -> str:
    out = ["import os", "import subprocess", "", "import requests", ""]
    i = 0
    while len(out) < lines - 8:
        timeout = "" if i % 3 == 0 else ", timeout=5"
        out += [
            "",
            f"def fetch_{i}(session, url, retries=3):",
            f'    """Fetch resource {i}, retrying a few times."""',
            "    for attempt in range(retries):",
            f"        response = requests.get(url + '/{i}'{timeout})",
            "        if response.ok:",
            "            return response.json()",
            f"    return {{'id': {i}, 'env': os.environ.get('ENV', 'dev')}}",
        ]
        i += 1
    return "\n".join(out[:lines]) + "\n"


async def measure(lines: int, edits: int, debounce_ms: int) -> tuple[float, list[float]]:
    exe = shutil.which("resilint") or str(Path(sys.executable).with_name("resilint"))
    client = LanguageClient("latency-bench", "1")
    published: asyncio.Queue[tuple[float, types.PublishDiagnosticsParams]] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait((time.perf_counter(), params))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pyproject.toml").write_text("[tool.resilint]\n")
        path = folder / "big.py"
        text = make_source(lines)
        path.write_text(text)
        started = time.perf_counter()
        await client.start_io(exe, "lsp")
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=folder.as_uri(),
                initialization_options={"debounceMs": debounce_ms},
            )
        )
        client.initialized(types.InitializedParams())
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))
        )
        first_at, first = await asyncio.wait_for(published.get(), 120)
        print(
            f"{lines} lines, {len(first.diagnostics)} diagnostics on open, "
            f"first diagnostics {(first_at - started) * 1000:.0f} ms after the server process started",
            flush=True,
        )
        samples: list[float] = []
        for version in range(2, edits + 2):
            line = 10 + (version * 37) % (lines - 20)
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(types.Position(line, 0), types.Position(line, 0)), text="# edit\n"
                        )
                    ],
                )
            )
            received, params = await asyncio.wait_for(published.get(), 120)
            assert params.uri == uri
            samples.append((received - sent) * 1000)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return (first_at - started) * 1000, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--debounce-ms", type=int, default=300)
    parser.add_argument("--starts", type=int, default=1, help="cold starts to time (the edits are made in the last)")
    args = parser.parse_args()
    firsts = []
    for start in range(args.starts):
        first, samples = asyncio.run(measure(args.lines, args.edits if start == args.starts - 1 else 0, args.debounce_ms))
        firsts.append(first)
    if args.starts > 1:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "n/a"
        print(
            f"first diagnostics, {args.starts} starts: median {statistics.median(firsts):.0f} ms, "
            f"min {min(firsts):.0f} ms, max {max(firsts):.0f} ms (load average {load})"
        )
    if not samples:
        return
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    print(
        f"didChange -> publishDiagnostics, {args.lines} lines, debounce {args.debounce_ms} ms, {len(samples)} edits: "
        f"median {statistics.median(samples):.1f} ms, p90 {p90:.1f} ms, max {ordered[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
