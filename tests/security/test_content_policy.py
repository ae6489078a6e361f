"""The production Content-Security-Policy runs scripts from this site only, plus inline scripts
that carry the response's nonce. So no template may hold an inline script without the nonce or
an inline event handler (onclick=...): the browser would refuse to run it in production."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
NONCE = 'nonce="{{ request.csp_nonce }}"'


def project_templates() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts)


def test_there_are_templates_to_check():
    names = {p.relative_to(ROOT).as_posix() for p in project_templates()}
    assert {"templates/base.html", "templates/seller/evidence.html"} <= names


def test_every_inline_script_carries_the_nonce():
    missing = []
    for path in project_templates():
        for match in SCRIPT_TAG.finditer(path.read_text()):
            attributes = match.group(1)
            if "src=" in attributes or 'type="application/json"' in attributes:
                continue
            if NONCE not in attributes:
                missing.append(f"{path.relative_to(ROOT)}: <script{attributes}>")
    assert missing == []


def test_no_template_uses_inline_event_handlers():
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in project_templates()
        for m in EVENT_HANDLER.finditer(path.read_text())
    ]
    assert found == []
