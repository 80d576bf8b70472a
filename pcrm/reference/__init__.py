"""The district's reference figures (Seongdong-gu, 2015): categories, counts, projects."""

import json
from functools import cache
from pathlib import Path


@cache
def reference() -> dict:
    return json.loads((Path(__file__).parent / "reference.json").read_text(encoding="utf-8"))
