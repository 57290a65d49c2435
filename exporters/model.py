"""The in-memory map every export step reads and fills in.

Column-oriented (numpy arrays and plain lists indexed by node number) so that the reference
scale — 176,000 titles, 1.5 million edges — fits in a few hundred MB and every step can work
vectorised. Steps fill it in order: ``graph`` (nodes, metadata, edges), ``layout`` (``x``,
``y``), ``communities`` (``community``, ``communities``), ``size`` (``in_degree``, ``size``).
Format writers only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class Community:
    id: int  # stable integer >= 0
    name: str  # readable, e.g. "Horror · 1980s"
    color: tuple[int, int, int]  # 0-255 RGB
    size: int  # number of nodes


@dataclass(slots=True)
class MapGraph:
    # --- nodes (index i = node number) ---------------------------------------------------
    ids: list[str]  # "tt0133093"
    titles: list[str]
    years: list[int | None]
    ratings: list[float | None]
    votes: list[int | None]
    title_types: list[str | None]
    genres: list[list[str]]
    directors: list[list[str]]
    countries: list[list[str]]
    # --- directed edges: source recommends target at rank (0 = first) ---------------------
    sources: np.ndarray  # int32, node numbers
    targets: np.ndarray  # int32
    ranks: np.ndarray  # int16
    # --- filled by later steps ------------------------------------------------------------
    x: np.ndarray | None = None  # float64, world units, centred on (0, 0); y grows downward
    y: np.ndarray | None = None
    community: np.ndarray | None = None  # int32 >= 0, index into ``communities``
    communities: list[Community] = field(default_factory=list)
    in_degree: np.ndarray | None = None  # int32: how often the title is recommended
    size: np.ndarray | None = None  # float64 > 0: node importance (in-degree, votes tie-break)
    # --- bookkeeping ----------------------------------------------------------------------
    dropped_edges: int = 0  # edges to titles outside the graph, dropped and counted

    @property
    def node_count(self) -> int:
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        return int(self.sources.shape[0])

    def index(self) -> dict[str, int]:
        """tt id -> node number."""
        return {tt: i for i, tt in enumerate(self.ids)}

    def imdb_url(self, i: int) -> str:
        return f"https://www.imdb.com/title/{self.ids[i]}/"
