"""Bitmaps of the map: shingle.js backgrounds and a README preview (needs Pillow and numpy).

Reads a ``TileSet``: tile coordinates, sizes, communities and their colours, the map box and the
capped edges.

* ``image_2400.jpg`` / ``image_2400low.jpg``: what shingle.js draws under the nodes when the page
  sets ``useBitmap: true``. They cover exactly the root box, so they have the **map's** aspect
  ratio (2400 px / 1200 px on the longer side; the C++ tool's square images only fit square maps)
  and pixel (col, row) covers x = xmin + col/W·width, y = ymin + row/H·height (row 0 = ymin =
  top, spec section 6). White background, like shingle's page and the C++ tool, so the bitmap
  fades into the page as the viewer zooms in.
* ``preview.png``: the whole map for the README, dark background with faint edges in the colour
  of their first node (glow reads better on dark), nodes on top.

Nodes are splatted as small discs whose radius grows with size; overlapping discs accumulate
(colour = weighted mean, opacity = 1 - exp(-k·weight)), all vectorised with ``np.bincount``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from .fileio import PathOrFile, open_file
from .palette import UNKNOWN_COLOR

if TYPE_CHECKING:
    from .tileset import TileSet

WHITE = (255, 255, 255)
DARK = (13, 17, 23)  # the site's background, so the preview looks like the map


def bitmap_size(box: tuple[float, float, float, float], long_side: int) -> tuple[int, int]:
    """(width, height) in pixels: the box's aspect ratio, ``long_side`` on the longer side."""
    width, height = box[1] - box[0], box[3] - box[2]
    if width <= 0 or height <= 0:
        return long_side, long_side
    if width >= height:
        return long_side, max(1, round(long_side * height / width))
    return max(1, round(long_side * width / height)), long_side


def pixel_coords(
    x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float], w: int, h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of each point (spec section 6; row 0 = ymin)."""
    xmin, xmax, ymin, ymax = box
    col = np.floor((x - xmin) / max(xmax - xmin, 1e-300) * w).astype(np.int64)
    row = np.floor((y - ymin) / max(ymax - ymin, 1e-300) * h).astype(np.int64)
    return np.clip(col, 0, w - 1), np.clip(row, 0, h - 1)


def node_colors(ts: TileSet) -> np.ndarray:
    """(n, 3) float RGB of every node, from its community."""
    palette = {c.id: c.color for c in ts.graph.communities}
    top = int(ts.community.max()) + 1 if ts.graph.node_count else 0
    table = np.array([palette.get(c, UNKNOWN_COLOR) for c in range(max(top, 1))], dtype=np.float64)
    return table[ts.community]


class _Canvas:
    """Weighted colour accumulator over an h x w image."""

    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        self.weight = np.zeros(w * h)
        self.rgb = np.zeros((3, w * h))

    def add(self, col: np.ndarray, row: np.ndarray, rgb: np.ndarray, weight: float = 1.0) -> None:
        inside = (col >= 0) & (col < self.w) & (row >= 0) & (row < self.h)
        flat = (row * self.w + col)[inside]
        size = self.w * self.h
        self.weight += weight * np.bincount(flat, minlength=size)
        for k in range(3):
            self.rgb[k] += weight * np.bincount(flat, weights=rgb[inside, k], minlength=size)

    def over(self, base: np.ndarray, strength: float) -> np.ndarray:
        """Composite onto ``base`` ((h*w, 3) float)."""
        alpha = -np.expm1(-strength * self.weight)
        mean = self.rgb / np.maximum(self.weight, 1e-12)
        return base * (1.0 - alpha)[:, None] + mean.T * alpha[:, None]


def _radii(size: np.ndarray, longest: int) -> np.ndarray:
    """Disc radius in pixels: 0 for most nodes, up to ~longest/400 for the biggest."""
    if size.size == 0:
        return np.zeros(0, dtype=np.int64)
    ranked = np.argsort(np.argsort(size, kind="stable"), kind="stable") / max(size.size - 1, 1)
    top = max(1, round(longest / 400))
    return np.floor(ranked**6 * (top + 0.999)).astype(np.int64)


def _splat_nodes(canvas: _Canvas, col, row, rgb, radii) -> None:
    """Every node as a filled disc of its radius, in one accumulation."""
    cols, rows, colours = [], [], []
    for r in np.unique(radii).tolist():
        pick = np.flatnonzero(radii == r)
        offsets = [
            (dx, dy)
            for dy in range(-r, r + 1)
            for dx in range(-r, r + 1)
            if dx * dx + dy * dy <= r * r + r
        ]
        d = np.asarray(offsets, dtype=np.int64)
        cols.append((col[pick][:, None] + d[None, :, 0]).ravel())
        rows.append((row[pick][:, None] + d[None, :, 1]).ravel())
        colours.append(np.repeat(rgb[pick], len(offsets), axis=0))
    if cols:
        canvas.add(np.concatenate(cols), np.concatenate(rows), np.concatenate(colours))


def render_nodes(ts: TileSet, long_side: int, background=WHITE) -> np.ndarray:
    """(h, w, 3) uint8 image of the nodes in community colours."""
    box = ts.map_box
    w, h = bitmap_size(box, long_side)
    col, row = pixel_coords(ts.x, ts.y, box, w, h)
    canvas = _Canvas(w, h)
    _splat_nodes(canvas, col, row, node_colors(ts), _radii(ts.size, max(w, h)))
    base = np.broadcast_to(np.asarray(background, dtype=np.float64), (w * h, 3))
    out = canvas.over(base, 1.3)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8).reshape(h, w, 3)


def _jpeg(pixels: np.ndarray, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def iter_bitmaps(ts: TileSet, long_side: int = 2400) -> Iterator[tuple[str, bytes]]:
    """``image_2400.jpg`` and ``image_2400low.jpg`` (half size), both with the map's aspect."""
    full = render_nodes(ts, long_side)
    yield f"image_{long_side}.jpg", _jpeg(full)
    low_size = bitmap_size(ts.map_box, long_side // 2)
    low = Image.fromarray(full, "RGB").resize(low_size, Image.Resampling.LANCZOS)
    yield f"image_{long_side}low.jpg", _jpeg(np.asarray(low))


def render_preview(
    ts: TileSet, width: int = 1200, *, edges: bool = True, max_samples: int = 12_000_000
) -> np.ndarray:
    """(h, w, 3) uint8 preview: dark background, faint edges, nodes."""
    box = ts.map_box
    w, h = bitmap_size(box, width)
    if h > w:  # keep the requested width for portrait maps too
        w, h = width, max(1, round(width * h / w))
    base = np.broadcast_to(np.asarray(DARK, dtype=np.float64), (w * h, 3)).copy()
    rgb = node_colors(ts)
    sx = (ts.x - box[0]) / max(box[1] - box[0], 1e-300) * w
    sy = (ts.y - box[2]) / max(box[3] - box[2], 1e-300) * h
    if edges:
        e = ts.edges
        kept = np.flatnonzero(e.kept)
        a, b = e.a[kept], e.b[kept]
        steps = np.clip(np.hypot(sx[b] - sx[a], sy[b] - sy[a]).astype(np.int64), 1, 400)
        total = np.cumsum(steps)
        last = int(np.searchsorted(total, max_samples))  # strongest edges first
        a, b, steps = a[:last], b[:last], steps[:last]
        canvas = _Canvas(w, h)
        chunk = 100_000
        for start in range(0, a.shape[0], chunk):
            ca, cb, cs = (
                a[start : start + chunk],
                b[start : start + chunk],
                steps[start : start + chunk],
            )
            which = np.repeat(np.arange(ca.shape[0]), cs)
            offsets = np.cumsum(cs) - cs
            t = (np.arange(which.shape[0]) - offsets[which] + 0.5) / cs[which]
            px = sx[ca][which] + t * (sx[cb] - sx[ca])[which]
            py = sy[ca][which] + t * (sy[cb] - sy[ca])[which]
            canvas.add(
                np.floor(px).astype(np.int64), np.floor(py).astype(np.int64), rgb[ca][which], 1.0
            )
        density = canvas.weight.sum() / max(np.count_nonzero(canvas.weight), 1)
        base = canvas.over(base, 0.35 / max(density, 1.0)) * 0.55 + base * 0.45
    nodes = _Canvas(w, h)
    col = np.clip(np.floor(sx).astype(np.int64), 0, w - 1)
    row = np.clip(np.floor(sy).astype(np.int64), 0, h - 1)
    _splat_nodes(nodes, col, row, rgb * 0.85 + 38, _radii(ts.size, max(w, h)))
    out = nodes.over(base, 1.1)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8).reshape(h, w, 3)


def write_preview(ts: TileSet, path: PathOrFile, width: int = 1200, **options: Any) -> None:
    """``preview.png`` of the whole map."""
    image = Image.fromarray(render_preview(ts, width, **options), "RGB")
    with open_file(path, "wb") as fh:
        image.save(fh, "PNG", optimize=True)
