"""The in-memory map every export step reads and fills in, and the one list of its fields.

Column-oriented (numpy arrays and plain lists indexed by node number) so that the reference
scale — 176,000 titles, 1.5 million edges — fits in a few hundred MB and every step can work
vectorised. Steps fill it in order: ``graph`` (nodes, metadata, edges), ``layout`` (``x``,
``y``), ``communities`` (``community``, ``communities``), ``size`` (``in_degree``, ``size``).
Format writers only read it.

Every field read from the crawl database is declared once, below, with what the loader, the
export digest and the writers need to know about it (``node_field`` / ``edge_field``
metadata): the loader fills the fields it finds (``input_fields``), the digest hashes them all,
a subset keeps them all, and GEXF writes the ones marked with a GEXF type. A new field is
therefore loaded, hashed and kept without touching any other module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import Field, dataclass, field, fields
from typing import Any

import numpy as np

from imdb_spider.store import ORIGINS

NODE = "node"  # metadata key: the column of ``Store.titles()`` rows this node field holds
EDGE = "edge"  # metadata key: the edge array's dtype
MISSING = "missing"  # metadata key: a callable giving the value of a title never crawled
GEXF = "gexf"  # metadata key: the field's GEXF attribute type, if GEXF writes it

#: The bit of each source of recommendations in ``MapGraph.origins`` (imdb 1, tmdb 2): an
#: edge both sources give is one edge with both bits, so layout and communities count a pair
#: of titles once however many recommenders agree on it.
ORIGIN_BITS: dict[str, int] = {origin: 1 << k for k, origin in enumerate(ORIGINS)}
_TMDB_ID = re.compile(r"tmdb:(\d+)")


def origin_names(mask: int) -> list[str]:
    """The sources whose bits are set in ``mask``, in ``ORIGIN_BITS`` order."""
    return [name for name, bit in ORIGIN_BITS.items() if mask & bit]


def origin_label(mask: int) -> str:
    """How the graph files write an edge's sources: ``imdb``, ``tmdb`` or ``imdb|tmdb``."""
    return "|".join(origin_names(mask))


def title_url(title_id: str) -> str:
    """The title's page: TMDb's for a ``tmdb:`` id (IMDb has no page for it), else IMDb's."""
    match = _TMDB_ID.fullmatch(title_id)
    if match:
        return f"https://www.themoviedb.org/movie/{match.group(1)}"
    return f"https://www.imdb.com/title/{title_id}/"


def _none(_tt: str) -> None:
    return None


def node_field(
    column: str, missing: Callable[[str], Any] = _none, gexf: str | None = None
) -> dict[str, Any]:
    """Metadata of a per-node list read from ``column`` of the crawl database's title rows;
    ``missing(id)`` is its value for a recommended title that was never crawled."""
    return {NODE: column, MISSING: missing, GEXF: gexf}


def edge_field(dtype: type) -> dict[str, Any]:
    """Metadata of a per-edge numpy array of ``dtype``, read from the database's edges."""
    return {EDGE: dtype}


@dataclass(slots=True)
class Community:
    id: int  # stable integer >= 0
    name: str  # readable, e.g. "Horror · 1980s"
    color: tuple[int, int, int]  # 0-255 RGB
    size: int  # number of nodes


@dataclass(slots=True)
class MapGraph:
    # --- nodes (index i = node number), read from the database ---------------------------
    ids: list[str] = field(metadata=node_field("id", missing=lambda tt: tt))  # "tt0133093"
    titles: list[str] = field(metadata=node_field("title", missing=lambda tt: tt))
    years: list[int | None] = field(metadata=node_field("year", gexf="integer"))
    ratings: list[float | None] = field(metadata=node_field("rating", gexf="double"))
    votes: list[int | None] = field(metadata=node_field("votes", gexf="long"))
    runtimes: list[int | None] = field(metadata=node_field("runtime_minutes", gexf="integer"))
    title_types: list[str | None] = field(metadata=node_field("title_type"))
    genres: list[list[str]] = field(
        metadata=node_field("genres", missing=lambda _tt: [], gexf="string")
    )
    directors: list[list[str]] = field(
        metadata=node_field("directors", missing=lambda _tt: [], gexf="string")
    )
    countries: list[list[str]] = field(metadata=node_field("countries", missing=lambda _tt: []))
    # --- directed edges: source recommends target at rank (0 = first), according to the
    # recommenders in origins (one edge per ordered pair of titles) ------------------------
    sources: np.ndarray = field(metadata=edge_field(np.int32))  # node numbers
    targets: np.ndarray = field(metadata=edge_field(np.int32))
    ranks: np.ndarray = field(metadata=edge_field(np.int16))  # the best of its sources' ranks
    origins: np.ndarray = field(metadata=edge_field(np.uint8))  # ORIGIN_BITS of its sources
    # --- filled by later steps ------------------------------------------------------------
    x: np.ndarray | None = None  # float64, world units, centred on (0, 0); y grows downward
    y: np.ndarray | None = None
    community: np.ndarray | None = None  # int32 >= 0, index into ``communities``
    communities: list[Community] = field(default_factory=list)
    in_degree: np.ndarray | None = None  # int32: how often the title is recommended
    size: np.ndarray | None = None  # float64 > 0: node importance (in-degree, votes tie-break)
    # --- bookkeeping ----------------------------------------------------------------------
    dropped_edges: int = 0  # edges to titles outside the graph, dropped and counted
    # --- what the map leaves out, for the panel's "5 of 12 on this map" --------------------
    # per node (or empty: none known): (rank, id) of each title it recommends that is not a
    # node of the graph, best rank first; ``outside_names`` their (title, year) when known
    missing_recs: list[list[tuple[int, str]]] = field(default_factory=list)
    outside_names: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    demo: bool = False  # made from the sandbox's invented titles (no real ids to link)

    @property
    def node_count(self) -> int:
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        return int(self.sources.shape[0])

    def index(self) -> dict[str, int]:
        """tt id -> node number."""
        return {tt: i for i, tt in enumerate(self.ids)}

    def url(self, i: int) -> str:
        """The page of node ``i`` (``title_url``)."""
        return title_url(self.ids[i])

    def origins_present(self) -> list[str]:
        """The sources of the map's data, in ``ORIGIN_BITS`` order: those of its
        recommendations, and TMDb's when a title is known only by its ``tmdb:`` id."""
        mask = int(np.bitwise_or.reduce(self.origins)) if self.edge_count else 0
        if any(_TMDB_ID.fullmatch(i) for i in self.ids):
            mask |= ORIGIN_BITS.get("tmdb", 0)
        return origin_names(mask)

    def missing_of(self, i: int) -> list[tuple[int, str]]:
        """(rank, id) of the titles node ``i`` recommends that are not on the map."""
        return self.missing_recs[i] if len(self.missing_recs) == self.node_count else []

    def subgraph(self, keep: np.ndarray) -> MapGraph:
        """The graph of the nodes ``keep`` (ascending node numbers) and the edges between
        them, renumbered; every input field is carried over, later steps' fields are not.
        The titles a kept node recommends that the subgraph drops join its missing ones."""
        n = self.node_count
        new_number = np.full(n, -1, dtype=np.int64)
        new_number[keep] = np.arange(len(keep))
        mask = (new_number[self.sources] >= 0) & (new_number[self.targets] >= 0)
        pick = keep.tolist()
        values: dict[str, Any] = {}
        for f in node_fields(type(self)):
            column = getattr(self, f.name)
            values[f.name] = [column[i] for i in pick]
        for f in edge_fields(type(self)):
            array = getattr(self, f.name)[mask]
            if f.name in ("sources", "targets"):  # node numbers: renumbered
                array = new_number[array].astype(np.int32)
            values[f.name] = array
        missing, names = self._missing_after(keep, new_number, mask)
        return type(self)(
            **values,
            dropped_edges=self.dropped_edges,
            missing_recs=missing,
            outside_names=names,
            demo=self.demo,
        )

    def _missing_after(
        self, keep: np.ndarray, new_number: np.ndarray, kept_edges: np.ndarray
    ) -> tuple[list[list[tuple[int, str]]], dict[str, tuple[str, int | None]]]:
        """``missing_recs`` and ``outside_names`` of ``subgraph(keep)``."""
        missing = [list(self.missing_of(i)) for i in keep.tolist()]
        names = dict(self.outside_names)
        cut = ~kept_edges & (new_number[self.sources] >= 0)  # from a kept node to a dropped one
        sources = new_number[self.sources[cut]].tolist()
        for s, t, r in zip(
            sources, self.targets[cut].tolist(), self.ranks[cut].tolist(), strict=True
        ):
            target = self.ids[t]
            missing[s].append((r, target))
            if self.titles[t] and self.titles[t] != target:
                names[target] = (self.titles[t], self.years[t])
        for entries in missing:
            entries.sort()
        return missing, names


def node_fields(cls: type[MapGraph] = MapGraph) -> Iterator[Field[Any]]:
    """The per-node fields read from the database, in declaration order."""
    return (f for f in fields(cls) if NODE in f.metadata)


def edge_fields(cls: type[MapGraph] = MapGraph) -> Iterator[Field[Any]]:
    """The per-edge arrays, in declaration order (``sources``, ``targets``, ``ranks`` first,
    then ``origins``)."""
    return (f for f in fields(cls) if EDGE in f.metadata)


def input_fields(cls: type[MapGraph] = MapGraph) -> Iterator[Field[Any]]:
    """Every field read from the database: what an export depends on besides its options."""
    return (f for f in fields(cls) if NODE in f.metadata or EDGE in f.metadata)
