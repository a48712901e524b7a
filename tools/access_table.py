#!/usr/bin/env python3
"""Render the access matrix of crm_standard as Markdown.

    python3 tools/access_table.py            # print the table
    python3 tools/access_table.py --write    # regenerate docs/access.md's section
    python3 tools/access_table.py --check    # exit 1 when docs/access.md is stale

The matrix lives in crm_standard/tests/access_matrix.py (the table the tests
check); the table sits in docs/access.md, between ``<!-- access-matrix:start -->`` and
``<!-- access-matrix:end -->``.
"""

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / "crm_standard" / "tests" / "access_matrix.py"
README = ROOT / "docs" / "access.md"  # the file holding the table


def load_matrix():
    spec = importlib.util.spec_from_file_location("crm_standard_access_matrix", MATRIX)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="update docs/access.md")
    group.add_argument("--check", action="store_true", help="fail if docs/access.md is stale")
    args = parser.parse_args()
    matrix = load_matrix()
    if not (args.write or args.check):
        sys.stdout.write(matrix.markdown_table())
        return 0
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    new_text = matrix.replace_readme_section(text)
    if args.check:
        if new_text != text:
            sys.stderr.write(
                "docs/access.md: the access table is stale; "
                "run python3 tools/access_table.py --write\n"
            )
            return 1
        return 0
    if new_text != text:
        README.write_text(new_text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
