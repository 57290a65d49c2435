"""The k-d tree of a map's tiles and the padding that keeps every quad drawable.

``build_quadtree`` is the reference tree of ``shared/specs/shingle-format.md`` section 3 (leaves
up to 1.5 M nodes, the M biggest kept by each split quad); ``pad_quadtree`` grows the quads'
boxes so that shingle.js draws every one of them at its deepest zoom on any screen from a
portrait phone to a wide monitor (``VIEWER_ASPECTS``):

shingle fits the root box into the screen, so the view there is ``averageQuadWidth`` wide and
high in map proportions, widened along the axis where the screen's shape differs from the
map's; a quad under 0.25 of the view on either axis is skipped with its subtree (spec section
7). We pad to ``min_quad_fraction`` (0.3, a margin above 0.25) of that view on each axis:
leaves grow symmetrically, parents are re-unioned, the root is made symmetric about the origin,
and because padding changes the leaf mean and the map's shape the whole thing is repeated
until both are stable. Reads only coordinates and sizes (numpy arrays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

VIEWER_QUAD_THRESHOLD = 0.25  # shingle.js quadDisplayThreshold
# Screen shapes (width / height) the real viewer must draw every quad on: 9:19.5 phone to 21:9.
VIEWER_ASPECTS = (0.45, 2.4)


def drawable_quad_sides(
    average: float,
    map_aspect: float,
    threshold: float = VIEWER_QUAD_THRESHOLD,
    aspects: tuple[float, float] = VIEWER_ASPECTS,
) -> tuple[float, float]:
    """The least (width, height) of a quad that shingle.js still draws at its deepest zoom on
    every screen shape in ``aspects``, for a map ``map_aspect`` (width / height) wide.

    At that zoom the fitted root box is ``average`` wide and ``average / map_aspect`` high; a
    screen wider than the map shows more width, a taller one more height."""
    narrow, wide = aspects
    view_w = average * max(1.0, wide / map_aspect)
    view_h = average * max(1.0 / map_aspect, 1.0 / narrow)
    return threshold * view_w, threshold * view_h


@dataclass(slots=True)
class QuadTree:
    paths: list[str]  # "" for the root, then "l", "lr", … (preorder)
    parent: np.ndarray  # int64, -1 for the root
    left: np.ndarray  # int64, -1 for leaves
    right: np.ndarray
    kind: list[str]  # "SplitX", "SplitY" or "Leaf"
    split: list[float | None]
    members: list[np.ndarray]  # the quad's own nodes, biggest first
    tight: np.ndarray  # (quads, 4): xmin, xmax, ymin, ymax of the whole subtree
    quad_of: np.ndarray  # node number -> quad number
    bbox: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))  # padded

    @property
    def size(self) -> int:
        return len(self.paths)

    @property
    def names(self) -> list[str]:
        return ["quad_" + p for p in self.paths]

    @property
    def leaves(self) -> np.ndarray:
        return np.flatnonzero(self.left < 0)

    @property
    def depth(self) -> int:
        return max(len(p) for p in self.paths)


def build_quadtree(
    x: np.ndarray, y: np.ndarray, size: np.ndarray, max_nodes_per_quad: int = 50
) -> QuadTree:
    """The reference k-d tree (spec section 3): leaves up to 1.5 M nodes, M biggest kept."""
    n = x.shape[0]
    if n == 0:
        raise ValueError("cannot build map tiles for a graph without nodes")
    keep = max_nodes_per_quad
    leaf_limit = (3 * keep) // 2
    paths: list[str] = []
    parent: list[int] = []
    kind: list[str] = []
    split: list[float | None] = []
    members: list[np.ndarray] = []
    tight: list[tuple[float, float, float, float]] = []
    left: dict[int, int] = {}
    right: dict[int, int] = {}
    quad_of = np.empty(n, dtype=np.int64)
    stack: list[tuple[np.ndarray, str, int]] = [(np.arange(n, dtype=np.int64), "", -1)]
    while stack:
        idx, path, up = stack.pop()
        q = len(paths)
        paths.append(path)
        parent.append(up)
        if up >= 0:
            (left if path[-1] == "l" else right)[up] = q
        xs, ys = x[idx], y[idx]
        box = (float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max()))
        tight.append(box)
        by_size = idx[np.lexsort((idx, -size[idx]))]
        if idx.shape[0] <= leaf_limit:
            members.append(by_size)
            kind.append("Leaf")
            split.append(None)
            quad_of[by_size] = q
            continue
        own, rest = by_size[:keep], by_size[keep:]
        members.append(own)
        quad_of[own] = q
        split_x = box[1] - box[0] > box[3] - box[2]
        coord = x if split_x else y
        rest = rest[np.lexsort((rest, -coord[rest]))]
        half = rest.shape[0] // 2
        kind.append("SplitX" if split_x else "SplitY")
        split.append(float(coord[rest[half]]))
        stack.append((rest[half:], path + "r", q))
        stack.append((rest[:half], path + "l", q))
    count = len(paths)
    left_arr = np.full(count, -1, dtype=np.int64)
    right_arr = np.full(count, -1, dtype=np.int64)
    for q, child in left.items():
        left_arr[q] = child
    for q, child in right.items():
        right_arr[q] = child
    return QuadTree(
        paths=paths,
        parent=np.asarray(parent, dtype=np.int64),
        left=left_arr,
        right=right_arr,
        kind=kind,
        split=split,
        members=members,
        tight=np.asarray(tight, dtype=np.float64),
        quad_of=quad_of,
    )


def _padded(tree: QuadTree, min_w: float, min_h: float) -> np.ndarray:
    boxes = tree.tight.copy()
    for q in range(tree.size - 1, -1, -1):  # preorder reversed: children before parents
        b = boxes[q]
        for child in (tree.left[q], tree.right[q]):
            if child >= 0:
                c = boxes[child]
                b[0], b[1] = min(b[0], c[0]), max(b[1], c[1])
                b[2], b[3] = min(b[2], c[2]), max(b[3], c[3])
        for (lo, hi), side in (((0, 1), min_w), ((2, 3), min_h)):
            if b[hi] - b[lo] < side:
                mid = (b[lo] + b[hi]) / 2
                b[lo], b[hi] = mid - side / 2, mid + side / 2
    root = boxes[0]
    ax, ay = max(-root[0], root[1]), max(-root[2], root[3])
    boxes[0] = (-ax, ax, -ay, ay)
    return boxes


def _shape(boxes: np.ndarray, leaves: np.ndarray) -> tuple[float, float]:
    """(leaf mean width, root width / height) of padded boxes."""
    root = boxes[0]
    height = root[3] - root[2]
    aspect = (root[1] - root[0]) / height if height > 0 else 1.0
    return float(np.mean(boxes[leaves, 1] - boxes[leaves, 0])), float(aspect)


def pad_quadtree(tree: QuadTree, min_quad_fraction: float = 0.3) -> float:
    """Pad ``tree.bbox`` so every quad is at least ``min_quad_fraction`` of shingle's deepest
    view on each axis (``drawable_quad_sides``); return the new averageQuadWidth."""
    leaves = tree.leaves
    tight = tree.tight
    span = max(tight[0, 1] - tight[0, 0], tight[0, 3] - tight[0, 2])
    floor = span * 1e-4 if span > 0 else 1.0  # coincident nodes still get a visible quad
    average, aspect = _shape(tight, leaves)
    boxes = tight
    for _ in range(200):
        min_w, min_h = drawable_quad_sides(average, aspect, min_quad_fraction)
        boxes = _padded(tree, max(min_w, floor), max(min_h, floor))
        new_average, new_aspect = _shape(boxes, leaves)
        stable = abs(new_average - average) <= 1e-12 * new_average
        stable = stable and abs(new_aspect - aspect) <= 1e-12 * new_aspect
        average, aspect = new_average, new_aspect
        if stable:
            break
    tree.bbox = boxes
    return average  # of the final boxes
