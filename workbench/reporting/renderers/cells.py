"""Spreadsheet formula injection, neutralised as the OWASP CSV-injection guidance describes.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``).
In CSV such a cell is written with a leading single quote, which the spreadsheet shows as text;
numbers are never touched (a negative quantity stays a number), nor is text that spells a plain
number. XLSX keeps the text as it is and types the cell as a string (see ``xlsx.py``).
"""

from __future__ import annotations

import re
from typing import Any, Final

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise", "neutralised"]

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
#: text that is only a number (``-2000``, ``-1,234.5``, ``-7.85%``): a spreadsheet reads it as one
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")


def neutralise(value: Any) -> Any:
    """``value`` with a quote in front when it is text a spreadsheet would run; else as is."""
    risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    return "'" + value if risky and not _PLAIN_NUMBER.match(value) else value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell neutralised; numeric columns are returned untouched."""
    text = [
        c
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])
    ]
    if not text:
        return frame
    safe = frame.copy()
    for column in text:
        safe[column] = frame[column].map(neutralise, na_action="ignore")
    return safe


def _is_text(dtype: Any) -> bool:
    return pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
