"""Escaping for every document the hub renders: Markdown, HTML and CSV. Nothing else is used.

Every value that goes into a rendered document passes one of these functions, codes and dates
included (a value that cannot carry markup today may tomorrow). Each function makes the value
mean exactly its text in that format: it can never start a heading, a link, a tag or a formula.
"""

from __future__ import annotations

import re

from markupsafe import escape

# Line breaks and other control characters: collapsed, so a value never starts a new block
# (CommonMark 0.31 section 2.1: a line ends at LF or CR; U+2028/2029 and NEL for other readers).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
# Inline markup (CommonMark 0.31 sections 6.1-6.7, GFM tables and strikethrough): escaped with
# a backslash (section 2.4: any ASCII punctuation may be). "(" and ")" need not be: without "["
# there is no link; "!" only makes an image before "[".
_INLINE = re.compile(r"[\\`*\[\]|~#]")
# "_" opens or closes emphasis only at a word's edge (section 6.2): `final_rejection` stays.
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# At the start of a line these begin a list or a heading underline; digits then "." or ")"
# begin a numbered list (sections 4.3, 5.2).
_BLOCK_START = ("-", "+", "=")
_NUMBERED = re.compile(r"[0-9]+(?=[.)])")


def escape_markdown(value: object) -> str:
    """``value`` as literal text inside one Markdown line (a list item, a table cell).

    Control characters and line breaks become one space; ``&``, ``<`` and ``>`` become HTML
    entities (so no raw HTML passes, in every Markdown flavour); inline markup is
    backslash-escaped. ``"A\\n## Decision <b>"`` -> ``"A \\#\\# Decision &lt;b&gt;"``.
    """
    text = _CONTROL.sub(" ", str(value))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _UNDERSCORE.sub(r"\\_", text)
    if text.startswith(_BLOCK_START):
        return "\\" + text
    numbered = _NUMBERED.match(text)
    if numbered:
        return text[: numbered.end()] + "\\" + text[numbered.end() :]
    return text


def escape_html(value: object) -> str:
    """``value`` as HTML text or a quoted attribute value (MarkupSafe: ``& < > " '``)."""
    return str(escape(str(value)))


# OWASP "CSV Injection": a cell starting with one of these is read as a formula by spreadsheet
# programs (=, + and - start a formula, @ a function; tab and carriage return let a formula
# hide behind them). Such a cell is prefixed with a single quote, which makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """One CSV cell's text (the ``csv`` module adds the quoting). None is empty; a number is
    its digits (a number is no formula); a text that a spreadsheet would run as a formula is
    prefixed with ``'``. ``"=HYPERLINK(...)"`` -> ``"'=HYPERLINK(...)"``.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value
