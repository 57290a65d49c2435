"""Hand-made ``MapGraph`` instances for the format-writer tests (and the format benchmark).

``hostile_graph()`` is small and every title in it is chosen to break a naive writer: quotes of
both kinds, backslashes (also trailing, and before quotes), newlines and tabs, every C0 control
character, markup, entities, commas in awkward places, right-to-left and CJK scripts, emoji and
empty titles. ``random_graph()`` is a seeded, clustered recommendation graph of any size (popular
titles are recommended more, most recommendations stay inside a community).
"""

from __future__ import annotations

import numpy as np

from exporters.model import Community, MapGraph
from exporters.palette import PALETTE
from exporters.search_index import TYPO_MIN_CHARS, words, year_span

HOSTILE_TITLES = [
    "Toy Story",
    'The "Quoted" Movie',
    "Schindler's List",
    "Rock 'n', Roll",  # a single quote followed by a comma
    "Ends with a quote'",
    "Ends with a comma,",
    "Ends with a backslash\\",
    'Back\\slash \\" and \\N \\n \\l',
    "Line one\nLine two",
    "Windows\r\nline",
    "Tab\tseparated",
    "".join(chr(c) for c in range(32)) + "all C0 controls\x7f",
    "<script>alert('x')</script>",
    "Tom & Jerry &amp; &lt;b&gt; &#9;",
    "Comma, separated, title",
    "עמק הבכא",  # Hebrew, right to left
    "الرسالة",  # Arabic
    "千と千尋の神隠し",
    "Amélie",
    "🎬 Emoji 🍿 Movie 👨‍👩‍👧",
    "",
    "   ",
    "null",
    "'",
    "''",
    ",",
    "\\",
    "a\\',b",
    "Ω ≈ ç √ ∫",
    "Trailing space ",
    "Line\u2028separator\u2029and NEL\x85",
    "Invalid for XML \ufffe\uffff",
]


def _community_list(labels: np.ndarray) -> list[Community]:
    counts = np.bincount(labels)
    return [
        Community(
            id=c,
            name=f'Community {c} · "{"<&>"[c % 3]}"',
            color=PALETTE[c % len(PALETTE)],
            size=int(counts[c]),
        )
        for c in range(len(counts))
    ]


def hostile_graph() -> MapGraph:
    """About 36 nodes: every hostile title, plus a hub with more than 24 edges."""
    titles = [*HOSTILE_TITLES, "Hub", "Leaf A", "Leaf B", "Leaf C", "Leaf D", "Leaf E"]
    n = len(titles)
    rng = np.random.default_rng(7)
    ids = [f"tt{1000000 + 37 * i:07d}" for i in range(n)]
    sources, targets, ranks = [], [], []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        picks = rng.choice(others, size=4, replace=False)
        for rank, j in enumerate(sorted(int(p) for p in picks)):
            sources.append(i)
            targets.append(j)
            ranks.append(rank)
    hub = titles.index("Hub")
    for j in range(n):  # the hub is recommended by everyone: > 24 edges
        if j != hub and (j, hub) not in set(zip(sources, targets, strict=True)):
            sources.append(j)
            targets.append(hub)
            ranks.append(11)
    community = np.arange(n, dtype=np.int32) % 4
    angle = community * (np.pi / 2)
    x = 300 * np.cos(angle) + rng.normal(0, 40, n)
    y = 300 * np.sin(angle) + rng.normal(0, 40, n)
    x -= (x.min() + x.max()) / 2
    y -= (y.min() + y.max()) / 2
    in_degree = np.bincount(np.asarray(targets), minlength=n).astype(np.int32)
    return MapGraph(
        ids=ids,
        titles=titles,
        years=[None if i % 5 == 0 else 1950 + i for i in range(n)],
        ratings=[None if i % 6 == 0 else round(5 + (i % 50) / 10, 1) for i in range(n)],
        votes=[None if i % 7 == 0 else 100 * (i + 1) ** 2 for i in range(n)],
        runtimes=[None if i % 4 == 0 else 60 + i % 120 for i in range(n)],
        title_types=["movie"] * n,
        genres=[["Drama", "Comedy"][: i % 3] for i in range(n)],
        directors=[[f'Director {i} "D" O\'Neil, Jr.'] if i % 2 else [] for i in range(n)],
        countries=[["US"]] * n,
        sources=np.asarray(sources, dtype=np.int32),
        targets=np.asarray(targets, dtype=np.int32),
        ranks=np.asarray(ranks, dtype=np.int16),
        # IMDb's, TMDb's and both sources' recommendations, so the writers meet every kind
        origins=(1 + np.arange(len(ranks)) % 3).astype(np.uint8),
        x=x.astype(np.float64),
        y=y.astype(np.float64),
        community=community,
        communities=_community_list(community),
        in_degree=in_degree,
        size=1.0 + in_degree.astype(np.float64),
    )


def random_graph(
    n: int,
    *,
    seed: int = 1,
    recommendations: int = 12,
    communities: int | None = None,
    local_share: float = 0.85,
) -> MapGraph:
    """A clustered recommendation graph shaped roughly like IMDb's (vectorised, seeded)."""
    rng = np.random.default_rng(seed)
    k = communities or max(2, round(n**0.5 / 1.5))
    # power-law community sizes, every community non-empty
    weights = rng.pareto(1.2, k) + 1.0
    labels = rng.choice(k, size=n, p=weights / weights.sum()).astype(np.int32)
    labels[:k] = np.arange(k, dtype=np.int32)
    order = np.argsort(np.bincount(labels, minlength=k))[::-1]
    relabel = np.empty(k, dtype=np.int32)
    relabel[order] = np.arange(k, dtype=np.int32)
    labels = relabel[labels]  # community 0 is the biggest
    counts = np.bincount(labels, minlength=k)
    popularity = rng.pareto(1.5, n) + 1.0

    # positions: community centres spread over a disc, members around them
    radius = 40.0 * np.sqrt(n)
    r = radius * np.sqrt(rng.random(k))
    phi = rng.random(k) * 2 * np.pi
    spread = 6.0 * np.sqrt(counts) + 5.0
    x = r[labels] * np.cos(phi[labels]) + rng.normal(0, 1, n) * spread[labels]
    y = r[labels] * np.sin(phi[labels]) + rng.normal(0, 1, n) * spread[labels]
    x -= (x.min() + x.max()) / 2
    y -= (y.min() + y.max()) / 2

    # recommendations: obscure titles get fewer; targets picked by popularity
    out_degree = np.clip((recommendations * np.minimum(1.0, popularity / 1.3)), 2, recommendations)
    out_degree = out_degree.astype(np.int64)
    sources = np.repeat(np.arange(n), out_degree)
    m = sources.shape[0]
    by_comm = np.lexsort((np.arange(n), labels))
    cum = np.cumsum(popularity[by_comm])
    starts = np.concatenate(([0], np.cumsum(counts)))
    lo = np.where(starts[:-1] > 0, cum[np.maximum(starts[:-1] - 1, 0)], 0.0)
    hi = cum[starts[1:] - 1]
    comm = labels[sources]
    local = rng.random(m) < local_share
    u = rng.random(m)
    pick_local = np.searchsorted(cum, lo[comm] + u * (hi[comm] - lo[comm]), side="right")
    pick_any = np.searchsorted(cum, u * cum[-1], side="right")
    pick = np.minimum(np.where(local, pick_local, pick_any), n - 1)
    targets = by_comm[pick]
    keep = targets != sources
    key = sources[keep].astype(np.int64) * n + targets[keep]
    key, first = np.unique(key, return_index=True)  # drop duplicate recommendations
    sources = (key // n).astype(np.int32)
    targets = (key % n).astype(np.int32)
    # rank = order of the recommendation within its source's list
    group_start = np.searchsorted(sources, sources, side="left")
    ranks = (np.arange(sources.shape[0]) - group_start).astype(np.int16)
    del first
    in_degree = np.bincount(targets, minlength=n).astype(np.int32)
    years = rng.integers(1920, 2024, n)
    ratings = np.round(rng.uniform(2, 9.5, n), 1)
    votes = (popularity * 1000).astype(np.int64)
    genre_names = ["Drama", "Comedy", "Horror", "Action", "Romance", "Documentary"]
    return MapGraph(
        ids=[f"tt{i * 53 + 10000:07d}" for i in range(n)],
        titles=[f"Title {i} of community {labels[i]}" for i in range(n)],
        years=years.tolist(),
        ratings=ratings.tolist(),
        votes=votes.tolist(),
        runtimes=[80 + i % 100 for i in range(n)],
        title_types=["movie"] * n,
        genres=[[genre_names[int(c) % 6]] for c in labels],
        directors=[[f"Director {i % 997}"] for i in range(n)],
        countries=[["US"]] * n,
        sources=sources,
        targets=targets,
        ranks=ranks,
        origins=np.ones(ranks.shape[0], dtype=np.uint8),
        x=x,
        y=y,
        community=labels,
        communities=_community_list(labels),
        in_degree=in_degree,
        size=1.0 + in_degree + votes / (votes.max() + 1.0),
    )


def one_edit(a: str, b: str) -> bool:
    """Within one insert, delete, replace or swap of two neighbours."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) <= 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def typo_match(word: str, title_word: str) -> bool:
    """A query word of TYPO_MIN_CHARS or more one edit away from a start of a title word."""
    n = len(word)
    if n < TYPO_MIN_CHARS:
        return False
    return any(k <= len(title_word) and one_edit(word, title_word[:k]) for k in (n - 1, n, n + 1))


def search_rank(title: str, year: int | None, qwords: list[str]) -> int | None:
    """The number of typo words if a title matches the query's words, else None."""
    title_words = words(title)
    typos = 0
    for w in qwords:
        if any(t.startswith(w) for t in title_words):
            continue
        span = year_span(w)
        if span is not None:
            if year is None or not span[0] <= year <= span[1]:
                return None
        elif any(typo_match(w, t) for t in title_words):
            typos += 1
        else:
            return None
    return typos


def search_matches(graph: MapGraph, query: str) -> list[int]:
    """Every title a query matches, best first: what the viewer's search must return the top
    of, found by a full scan (the rules are in exporters/search_index.py's docstring)."""
    qwords = list(dict.fromkeys(words(query)))
    ranked = []
    for i, title in enumerate(graph.titles):
        typos = search_rank(title, graph.years[i], qwords)
        if typos is not None:
            ranked.append((typos, -(graph.votes[i] or 0), graph.ids[i], i))
    return [i for *_, i in sorted(ranked)]
