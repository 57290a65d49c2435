"""The map's colours, in one place: the community palette and the fallback colours.

The exporter is the only source: ``communities`` colours communities from here, every writer
(DOT, GDF, GEXF, bitmaps) takes a community's colour from ``Community.color``, and the legend
writes the whole palette into ``legend.json`` (``nodeColors``), which the site loads and
draws with. Tests read the palette from this module or from ``legend.json``.
"""

from __future__ import annotations

import colorsys

RGB = tuple[int, int, int]

# shingle.js' default palette, then golden-angle hues (see ``community_color``).
PALETTE: tuple[RGB, ...] = (
    (240, 188, 0),
    (178, 57, 147),
    (39, 204, 122),
    (21, 163, 206),
    (235, 84, 54),
    (138, 103, 52),
    (255, 116, 116),
    (120, 80, 171),
    (48, 179, 179),
    (211, 47, 91),
)
OTHER_COLOR: RGB = (160, 160, 160)  # the "Other" community of tiny fragments
UNKNOWN_COLOR: RGB = (128, 128, 128)  # a node whose community has no entry (never in our maps)


def community_color(c: int) -> RGB:
    """Colour of community ``c``: shingle.js' palette, then golden-angle hues."""
    if c < len(PALETTE):
        return PALETTE[c]
    j = c - len(PALETTE)
    hue = (0.13 + j * 0.381966) % 1.0  # golden angle, as a fraction of the circle
    lightness = (0.45, 0.62, 0.36)[j % 3]
    saturation = (0.70, 0.55, 0.80)[(j // 3) % 3]
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def hex_color(color: RGB) -> str:
    """``#rrggbb``."""
    return "#{:02x}{:02x}{:02x}".format(*color)
