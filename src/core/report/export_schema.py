"""The export's JSON Schema: made from core/report/export_doc.py's types, shipped as export.schema.json.

`fetchtui schema` prints the shipped file (no codec loaded); a test makes it again from the
types and compares. After a change to an exported type, write it anew:

    python -m fetchtui.core.report.export_schema
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

FILE = "export.schema.json"
TITLE = "fetchtui run export (format version 1)"


def made() -> str:
    """The schema's text, made from the types now."""
    from fetchtui.core.report import codec
    from fetchtui.core.report.export_doc import ExportDoc

    return json.dumps(codec.schema(ExportDoc, title=TITLE), indent=2, ensure_ascii=False) + "\n"


def shipped() -> str:
    """The schema's text as the package ships it."""
    return resources.files("fetchtui.core.report").joinpath(FILE).read_text(encoding="utf-8")


if __name__ == "__main__":
    Path(__file__).with_name(FILE).write_text(made(), encoding="utf-8")
