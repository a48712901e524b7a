#!/usr/bin/env python3
"""Check that the "Layout" section of docs/development.md matches the tree.

    python3 tools/check_layout.py    # exit 1 and say what to fix when it does not

The section lists files under ``### `folder/` `` headings, one list item each,
starting with the file's name in backquotes (``- `name.py` — what it holds``).
Every code file of the addon (.py, .xml, .js, .csv under crm_standard/ and its
bridge crm_standard_project/) and of
the tooling (.py under tools/ and bench/) must be listed, and every listed file
or folder (ending with "/") must exist. An entry marked ``*(planned)*`` is
announced by work in progress: it must not exist yet (once it does, drop the
mark).
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "development.md"
SECTION = "## Layout"
# folder -> suffixes of the files that must all be listed
CHECKED = {
    "crm_standard": (".py", ".xml", ".js", ".csv"),
    "crm_standard_project": (".py", ".xml", ".js", ".csv"),
    "tools": (".py",),
    "bench": (".py",),
}
SKIPPED_PARTS = {"__pycache__", "i18n"}
FOLDER = re.compile(r"^### `([^`]+)`\s*$")
ENTRY = re.compile(r"^- `([^`]+)`(.*)$")
PLANNED = "*(planned"


def layout_entries(text):
    """``{path: planned}`` from the Layout section, and the duplicate paths."""
    start = text.find(f"\n{SECTION}\n")
    if start == -1:
        raise SystemExit(f"{DOC.relative_to(ROOT)}: no '{SECTION}' section")
    body = text[start + len(SECTION) + 2 :]
    end = re.search(r"^## ", body, re.M)
    body = body[: end.start()] if end else body
    entries, duplicates, folder = {}, [], ""
    for line in body.splitlines():
        if match := FOLDER.match(line):
            folder = match.group(1).strip("/").removeprefix(".")
            continue
        if match := ENTRY.match(line):
            path = f"{folder}/{match.group(1)}" if folder else match.group(1)
            if path in entries:
                duplicates.append(path)
            entries[path] = PLANNED in match.group(2)
    return entries, duplicates


def files_to_list():
    found = set()
    for folder, suffixes in CHECKED.items():
        for path in (ROOT / folder).rglob("*"):
            rel = path.relative_to(ROOT)
            if path.is_file() and path.suffix in suffixes and not SKIPPED_PARTS & set(rel.parts):
                found.add(rel.as_posix())
    return found


def problems():
    entries, duplicates = layout_entries(DOC.read_text(encoding="utf-8"))
    errors = [f"listed twice: {path}" for path in duplicates]
    for path, planned in sorted(entries.items()):
        exists = (ROOT / path).exists()
        if planned and exists:
            errors.append(f"exists now: {path} (drop its '*(planned)*' mark)")
        elif not planned and not exists:
            errors.append(f"listed but missing: {path} (remove it, or mark it '*(planned)*')")
        elif path.endswith("/") and exists and not (ROOT / path).is_dir():
            errors.append(f"not a folder: {path}")
    for path in sorted(files_to_list() - set(entries)):
        errors.append(f"not listed: {path} (add a line saying what it holds)")
    return errors


def main():
    errors = problems()
    if errors:
        sys.stderr.write(
            f"{DOC.relative_to(ROOT)}, section '{SECTION}' does not match the tree:\n"
            + "".join(f"  - {error}\n" for error in errors)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
