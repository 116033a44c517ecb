"""Command line: `build`, `check`, `lint`, `diff`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from openapi import build


def _cmd_build(args: argparse.Namespace) -> int:
    spec = build.build_spec()
    written = build.write_spec(spec)
    for path in written:
        print(f"wrote {path.name}")
    if not written:
        print("openapi.json and openapi.yaml are up to date")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openapi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="write openapi/openapi.json and openapi.yaml from the app")
    p.set_defaults(func=_cmd_build)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m openapi` and of the `openapi-contract` script."""
    args = _parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
