"""Content loading: read, validate and pre-render every shipped package, without the process cache.

Each run parses every YAML file and Markdown page, checks every schema, rule and ``ref:`` link, renders and
sanitises every page, and hashes every file (what ``flask content validate`` and app startup do).
Target: under one second.

    .venv/bin/python benchmarks/content_load.py            # 5 runs on content_packages/
    .venv/bin/python benchmarks/content_load.py --runs 10 --content-dir path/to/packages
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool.content.catalog import scan  # noqa: E402
from lti_tool.content.library import ContentLibrary  # noqa: E402

TARGET_SECONDS = 1.0


def main() -> int:
    """Time loading and validating every package; exit 1 if the best run misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--content-dir", type=Path, default=ROOT / "content_packages")
    args = parser.parse_args()
    times = []
    outcome = None
    for _ in range(args.runs):
        started = time.perf_counter()
        outcome = scan(args.content_dir)
        times.append(time.perf_counter() - started)
    assert outcome is not None
    if outcome.issues:
        print(f"{len(outcome.issues)} issues; run `flask --app wsgi content validate`", file=sys.stderr)
        return 1
    library = ContentLibrary(outcome.packages)
    files = sum(len(lp.source.paths()) for lp in outcome.packages.values())
    words = sum(c.numbers.get("words", 0) for c in library.counts())
    print(f"{len(outcome.packages)} packages, {files} files, {words:,} words of pages and chapters")
    print(f"load + validate + render: best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"
          f" over {args.runs} runs (target < {TARGET_SECONDS * 1000:.0f} ms)")
    return 0 if min(times) < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
