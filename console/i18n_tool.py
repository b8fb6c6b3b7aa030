"""Build the Chinese translation: ``python -m console.i18n_tool [--check]``.

1. ``pyside6-lupdate`` collects every ``tr()`` string of console/, widgets/,
   panels/ into ``resources/i18n/citybrain_zh_CN.ts`` (Qt's own format).
2. The Chinese comes from phrasebooks, ``resources/i18n/zh_CN/*.json``
   (``{"English source": "中文"}``), one per component so that work on one
   panel never touches another's file. The tool fills the .ts from them. A
   key ``"Context|English source"`` (the class whose ``tr()`` it is) wins over
   the plain key, for a word that needs different Chinese in two places.
3. ``pyside6-lrelease`` compiles the .qm the app loads.

``--check`` changes nothing and fails when a string has no Chinese or the
committed .ts/.qm are out of date (the test suite runs it).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
TS = I18N / "citybrain_zh_CN.ts"
QM = I18N / "citybrain_zh_CN.qm"
PHRASEBOOKS = I18N / "zh_CN"
SOURCE_DIRS = ("console", "widgets", "panels")


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    found = str(exe) if exe.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 into this venv")
    return found


def sources() -> list[str]:
    files = [ROOT / "main.py"] if (ROOT / "main.py").exists() else []
    for d in SOURCE_DIRS:
        files += sorted((ROOT / d).rglob("*.py"))
    return [str(f.relative_to(ROOT)) for f in files]


def phrasebook() -> dict[str, str]:
    book: dict[str, str] = {}
    for path in sorted(PHRASEBOOKS.glob("*.json")):
        for src, zh in json.loads(path.read_text(encoding="utf-8")).items():
            if src in book and book[src] != zh:
                print(f"warning: {path.name} translates {src!r} differently", file=sys.stderr)
            book[src] = zh
    return book


def lupdate(ts: Path) -> None:
    subprocess.run([_tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none",
                    *sources(), "-ts", str(ts)], cwd=ROOT, check=True)


def fill(ts: Path, book: dict[str, str]) -> list[tuple[str, str]]:
    """Write the phrasebook's Chinese into the .ts; returns the untranslated."""
    tree = ET.parse(ts)
    missing = []
    for ctx in tree.getroot().iter("context"):
        cname = ctx.findtext("name", "")
        for msg in ctx.iter("message"):
            src = msg.findtext("source", "")
            tr = msg.find("translation")
            zh = book.get(f"{cname}|{src}", book.get(src))
            if zh is not None:
                tr.text = zh
                tr.attrib.pop("type", None)
            else:
                missing.append((cname, src))
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return missing


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def build(out_ts: Path, out_qm: Path) -> list[tuple[str, str]]:
    if TS.exists() and out_ts != TS:
        shutil.copy(TS, out_ts)
    lupdate(out_ts)
    missing = fill(out_ts, phrasebook())
    lrelease(out_ts, out_qm)
    return missing


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="verify only; change nothing")
    args = p.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            ts, qm = Path(tmp) / TS.name, Path(tmp) / QM.name
            missing = build(ts, qm)
            stale = not TS.exists() or not QM.exists() or ts.read_bytes() != TS.read_bytes() \
                or qm.read_bytes() != QM.read_bytes()
    else:
        missing = build(TS, QM)
        stale = False
    for cname, src in missing:
        print(f"untranslated: [{cname}] {src!r}", file=sys.stderr)
    if stale:
        print("resources/i18n is out of date: run python -m console.i18n_tool", file=sys.stderr)
    return 1 if (missing or stale) else 0


if __name__ == "__main__":
    sys.exit(main())
