"""The frame of the default pages (base.html) made in Python, around blocks Jinja or Python made.

base.html puts every page's title and main blocks in the same head, navigation bar and footer, and
Jinja spends about 35 microseconds a page on it. While the default templates are in use, unedited
(contact_page.TEMPLATES digests base.html), contact, company and tag pages, thousands of each in a
large journal, are framed here instead. The golden tests and tests/test_contact_page.py hold the
bytes to what Jinja makes.
"""

from __future__ import annotations

from .escaping import escape_text as esc
from .fragments import Fragments
from .model import Network
from .words import format_day

_HEAD = (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<meta name="referrer" content="no-referrer">\n'
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self' file:; "
    "script-src 'self' file:; img-src 'self' data: file:; connect-src 'self'; form-action 'none'; "
    "base-uri 'none'\">\n<title>"
)


class Frame:
    """base.html for pages whose links to the site root start with root."""

    def __init__(self, network: Network, fragments: Fragments, root: str) -> None:
        site, root = network.config.site, esc(root)
        self.fragments = fragments
        self.title_tail = (
            f" · {esc(site.title)}</title>\n"
            f'<link rel="stylesheet" href="{root}assets/style.css">\n'
            f'<script src="{root}assets/netsite.js" defer></script>\n</head>\n<body data-page="'
        )
        self.brand = (
            f'">\n<header class="top">\n  <a class="brand" href="{root}index.html">{esc(site.title)}</a>\n'
        )
        self.headers: dict[str, str] = {}  # section -> the header, its link marked
        owner = f"{esc(site.owner)}’s network · " if site.owner else ""
        self.footer = (
            f"</main>\n<footer>\n{owner}as of {esc(format_day(network.today, 'long'))}"
            " · built by netsite\n</footer>\n</body>\n</html>\n"
        )

    def opening(self, title: str, path: str, section: str) -> str:
        """Return a page's frame up to its main block: title is HTML, path the page's from the root."""
        return f"{_HEAD}{title}{self.title_tail}{esc(path)}{self._header(section)}"

    def page(self, title: str, path: str, section: str, main: str) -> str:
        """Return a page: its title and main blocks (HTML) in the frame."""
        return f"{self.opening(title, path, section)}{main}{self.footer}"

    def _header(self, section: str) -> str:
        header = self.headers.get(section)
        if header is None:
            nav = self.fragments.section_nav(section)
            header = self.headers[section] = (
                f'{self.brand}  <nav aria-label="Sections">\n{nav}\n  </nav>\n</header>\n<main>\n'
            )
        return header
