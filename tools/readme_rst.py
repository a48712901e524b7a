#!/usr/bin/env python3
"""Assemble crm_standard/README.rst from the OCA-style fragments in readme/."""

from pathlib import Path

BASE = Path(__file__).resolve().parent.parent / "crm_standard"
SECTIONS = (
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
)


def build():
    parts = [
        "============\nCRM Standard\n============\n\n..\n   This file is assembled from "
        "the fragments in readme/ by tools/readme_rst.py.\n\n|license|\n\n"
        ".. |license| image:: https://img.shields.io/badge/licence-LGPL--3-blue.png\n"
        "    :target: http://www.gnu.org/licenses/lgpl-3.0-standalone.html\n"
        "    :alt: License: LGPL-3\n"
    ]
    for fname, title in SECTIONS:
        text = (BASE / "readme" / fname).read_text().strip()
        if title:
            parts.append(f"{title}\n{'=' * len(title)}\n\n{text}\n")
        else:
            parts.append(f"{text}\n\n**Table of contents**\n\n.. contents::\n   :local:\n")
    contributors = (BASE / "readme" / "CONTRIBUTORS.md").read_text().strip()
    parts.append(f"Credits\n=======\n\nContributors\n------------\n\n{contributors}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    (BASE / "README.rst").write_text(build())
