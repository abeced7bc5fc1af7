"""What makes text safe to print or write: unsafe characters escaped. Apart from
render/base.py so that what prints a line to stderr (errors, an import's notes) does not
import Rich's console (docs/performance.md, start-up)."""

from __future__ import annotations

import re

_UNSAFE = r"\x7f-\x9f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
"""Characters a name may carry that would act on a terminal (ESC, CSI, OSC-8 hyperlinks,
bell), break a line-based format (line breaks), reorder text (bidirectional overrides),
make XML invalid (C0 controls, U+FFFE) or fail to encode (lone surrogates): the C0
controls (below) and these, as ranges of a regular-expression class (listing the 2,100
characters one by one cost 10 ms of every start to compile)."""
_UNSAFE_RE = re.compile(r"[\x00-\x1f" + _UNSAFE + "]")
_UNSAFE_TEXT_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f" + _UNSAFE + "]")
"""As _UNSAFE_RE but tab and line breaks (LF, CR), which free text keeps."""


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def safe_text(text: str) -> str:
    """``text`` with every unsafe character (see _UNSAFE) but tab and line breaks written
    as a visible ``\\uXXXX`` escape: valid inside a JSON string, XML and CSV, and inert on
    a terminal. Free when there is nothing to escape (one C-speed search)."""
    return _UNSAFE_TEXT_RE.sub(_escape, text) if _UNSAFE_TEXT_RE.search(text) else text


def safe_line(text: str) -> str:
    """As safe_text, and line breaks and tabs escaped too: for one field of a line."""
    return _UNSAFE_RE.sub(_escape, text) if _UNSAFE_RE.search(text) else text
