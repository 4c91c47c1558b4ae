"""The prefilter, rule selection and slicing must never change a finding: check
every file of the benchmark corpus with them (``Engine(prefilter=True)``, the
default) and without (``prefilter=False``: every rule on every whole file), and
print any file where the two disagree.

    python benchmarks/equivalence.py            # the corpus run.py downloads
    python benchmarks/equivalence.py --step 10  # every tenth file

Slow by design (the run without the prefilter parses everything); not a test.
Exit status 1 when a file differs.
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import Pool
from pathlib import Path

from resilint.config.settings import Config, load_config
from resilint.engine.core import Engine
from resilint.model import FileResult

CORPUS = Path(__file__).resolve().parent / "corpus"
_engines: dict[bool, Engine] = {}


def _key(result: FileResult) -> tuple[list[tuple[str, int, int, str]], list[str]]:
    findings = sorted((f.code, f.span.line, f.span.column, f.message) for f in result.findings)
    return findings, sorted(e.message for e in result.errors)


def _init(config: Config) -> None:
    _engines[True] = Engine(config, prefilter=True)
    _engines[False] = Engine(config, prefilter=False)


def _compare(path: str) -> tuple[str, tuple, tuple]:
    file = Path(path)
    return path, _key(_engines[True].check_file(file)), _key(_engines[False].check_file(file))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--step", type=int, default=1, help="check every Nth file")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    files = sorted(str(p) for p in args.corpus.rglob("*.py") if p.is_file())[:: args.step]
    if not files:
        sys.exit(f"no Python files under {args.corpus}: run benchmarks/run.py once to download the corpus")
    config = load_config(args.corpus)
    started = time.perf_counter()
    differ = findings = 0
    with Pool(args.jobs, initializer=_init, initargs=(config,)) as pool:
        for path, with_prefilter, without in pool.imap_unordered(_compare, files, chunksize=8):
            findings += len(without[0])
            if with_prefilter != without:
                differ += 1
                print(f"DIFFERS {path}\n  with prefilter:    {with_prefilter}\n  without prefilter: {without}")
    elapsed = time.perf_counter() - started
    print(f"{len(files)} files, {findings} findings without the prefilter, {differ} files differ ({elapsed:.0f} s)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
