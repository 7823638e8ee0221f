"""The one command line of jixiao's generated documents (docs/hooks.md, docs/targets.md,
docs/plugins-reference.md): ``python -m MODULE`` rewrites the file, ``--check`` exits 1 when it is
out of date (the tests run the check)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def main(argv: list[str] | None, *, module: str, doc: str, default: Path, source: str,
         generate: Callable[[], str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=default, help=f"default: {default.as_posix()}")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if the file differs from {source}")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is out of date: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    from .io import write_atomic

    write_atomic(args.output, text.encode("utf-8"))
    print(f"wrote {args.output}")
    return 0
