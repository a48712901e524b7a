#!/usr/bin/env python3
"""Assemble crm_standard/README.rst from the OCA-style fragments in readme/.

python3 tools/readme_rst.py            # write crm_standard/README.rst
python3 tools/readme_rst.py --check    # exit 1 when it is stale (make lint)
"""

import re
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent / "crm_standard"
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
)
# the fragments are Markdown close to reStructuredText; links are the only
# syntax that differs (anonymous targets: several links may share a text)
MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def md_to_rst(text):
    return MD_LINK.sub(r"`\1 <\2>`__", text)


def build():
    parts = [
        "============\nCRM Standard\n============\n\n..\n   This file is assembled from "
        "the fragments in readme/ by tools/readme_rst.py.\n\n|license|\n\n"
        ".. |license| image:: https://img.shields.io/badge/licence-LGPL--3-blue.png\n"
        "    :target: http://www.gnu.org/licenses/lgpl-3.0-standalone.html\n"
        "    :alt: License: LGPL-3\n"
    ]
    for fname, title in SECTIONS:
        text = md_to_rst((BASE / "readme" / fname).read_text().strip())
        if title:
            parts.append(f"{title}\n{'=' * len(title)}\n\n{text}\n")
        else:
            parts.append(f"{text}\n\n**Table of contents**\n\n.. contents::\n   :local:\n")
    contributors = (BASE / "readme" / "CONTRIBUTORS.md").read_text().strip()
    parts.append(f"Credits\n=======\n\nContributors\n------------\n\n{contributors}\n")
    return "\n".join(parts)


def main(argv):
    target = BASE / "README.rst"
    text = build()
    if "--check" in argv:
        if target.read_text() != text:
            sys.stderr.write("crm_standard/README.rst is stale: run python3 tools/readme_rst.py\n")
            return 1
        return 0
    target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
