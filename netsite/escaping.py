"""HTML escaping for pages and fragments: markupsafe's, byte for byte, without its overhead."""

from __future__ import annotations

from typing import Any

import markupsafe
from markupsafe import Markup


def escape(value: Any) -> Markup:
    """Escape a value for a page exactly as markupsafe.escape does, without its Python-level checks.

    Pages escape tens of times each, and the fragments hundreds of thousands of times a build,
    mostly plain text and fragments already marked safe; markupsafe checks for `__html__` and
    builds the result through Markup's own constructor every time: a third of a contact page's
    rendering. tests/test_site.py checks the two agree.
    """
    kind = type(value)
    if kind is str:
        return _new_str(Markup, escape_text(value))
    if kind is Markup:
        return value
    return markupsafe.escape(value)


def escape_text(value: Any) -> str:
    """Return what escape() gives as a plain str, for HTML joined from strings (fragments).

    A Markup in an f-string is copied into a plain str anyway; making none saves both steps.
    """
    if type(value) is not str:
        return str(escape(value))
    if "&" in value or "<" in value or ">" in value or "'" in value or '"' in value:
        return (
            value.replace("&", "&amp;")
            .replace(">", "&gt;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    return value


_new_str = str.__new__
