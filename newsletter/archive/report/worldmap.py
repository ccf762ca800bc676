"""The report's world map as an SVG string: the countries of delegations and
missions shaded, drawn offline from Natural Earth's 1:110m countries as
shipped in the world-atlas package (``data/README.md`` says where from and
under which licences). The map is read from the package data, never fetched.

The TopoJSON is decoded here rather than with a library: it is a list of
quantized, delta-encoded arcs that polygons reference by index
(https://github.com/topojson/topojson-specification)."""

import csv
import functools
import itertools
import json
from dataclasses import dataclass
from importlib import resources
from xml.sax.saxutils import escape, quoteattr

from newsletter.archive.report.charts import FONT_SIZE, svg_document

DATA = resources.files("newsletter.archive.report") / "data"
TOP_LATITUDE, BOTTOM_LATITUDE = 84.0, -60.0  # Antarctica cropped out
OTHER_COLOR, BORDER_COLOR = "#d9d9d9", "#ffffff"
# Colours with 4.5:1 contrast on white and 3:1 on the grey (WCAG 1.4.11),
# dark, middle and light in that order, so that a black-and-white print
# still tells them apart; the legend and the titles name them anyway.
COLORS = {"delegation": "#0b3a6e", "both": "#7e22ce", "mission": "#c2410c"}
FALLBACK_COLORS = ("#0f766e", "#a16207", "#be123c", "#4d7c0f")
# Features of the 1:110m file without an ISO 3166-1 numeric code.
UNNUMBERED = {"Kosovo": "XK"}


@dataclass(frozen=True)
class Country:
    """One country of the map: its alpha-2 code (None for the few features
    that have none), its English name and its polygons as rings of
    (longitude, latitude) points."""
    code: str | None
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]


def world_map(shaded: dict[str, str], names: dict[str, str], *, title: str, description: str,
              legend: dict[str, str], width: int = 800) -> str:
    """The world with the countries in ``shaded`` (alpha-2 → category, e.g.
    "delegation", "mission", "both") filled with their category's colour and
    named, in the report's language, by ``names`` (alpha-2 → name; the map's
    English name otherwise). ``legend`` maps each category to its caption."""
    colors = _colors(legend, shaded)
    height = _map_height(width)
    grey, coloured = [], []
    for code, path in _paths(width):
        if code in shaded:
            caption = f"{names.get(code) or _english_name(code)}: {legend.get(shaded[code], shaded[code])}"
            coloured.append(f'<path data-country="{code}" data-category={quoteattr(shaded[code])} '
                            f'fill={quoteattr(colors[shaded[code]])} d="{path}">'
                            f"<title>{escape(caption)}</title></path>")
        else:
            grey.append(f'<path data-country="{code or ""}" d="{path}"/>')
    # The clip hides the halves of Russia and Fiji drawn past the map's edges;
    # its id depends on the width only, so two maps of one page share it harmlessly.
    clip = f"world-map-clip-{width}"
    body = (f'<clipPath id="{clip}"><rect width="{width}" height="{height:g}"/></clipPath>'
            f'<g class="countries" clip-path="url(#{clip})" fill="{OTHER_COLOR}" stroke="{BORDER_COLOR}" '
            f'stroke-width="0.5" stroke-linejoin="round">{"".join(grey)}{"".join(coloured)}</g>'
            f"{_legend(legend, colors, height)}")
    return svg_document(width, height + 12 + FONT_SIZE * 2, title, description, body)


def drawn_countries() -> frozenset[str]:
    """The alpha-2 codes the map can shade; the smallest countries (Malta,
    Singapore, …) are too small for 1:110m and the caller lists them in words."""
    return frozenset(country.code for country in _countries() if country.code)


def _colors(legend: dict[str, str], shaded: dict[str, str]) -> dict[str, str]:
    """A colour per category, the known ones fixed, others from a spare palette."""
    colors, spare = {}, iter(FALLBACK_COLORS * 4)
    for category in [*legend, *shaded.values()]:
        if category not in colors:
            colors[category] = COLORS.get(category) or next(spare)
    return colors


def _legend(legend: dict[str, str], colors: dict[str, str], top: float) -> str:
    """A swatch and a caption per category, in a row below the map."""
    entries, x = [], 0.0
    for category, caption in legend.items():
        entries.append(f'<g class="legend-entry" data-category={quoteattr(category)}>'
                       f'<rect x="{x:g}" y="{top + 12:g}" width="14" height="14" '
                       f'fill={quoteattr(colors[category])}/>'
                       f'<text x="{x + 20:g}" y="{top + 19:g}" dominant-baseline="central">'
                       f"{escape(caption)}</text></g>")
        x += 20 + 0.6 * FONT_SIZE * len(caption) + 24
    return f'<g class="legend">{"".join(entries)}</g>'


def _map_height(width: int) -> float:
    return round(width * (TOP_LATITUDE - BOTTOM_LATITUDE) / 360, 1)


@functools.cache
def _paths(width: int) -> tuple[tuple[str | None, str], ...]:
    """Each country's SVG path at ``width``, equirectangular, in tenths of a
    pixel: absolute first point, then relative moves, repeated points dropped."""
    scale = width / 360 * 10
    paths = []
    for country in _countries():
        commands = []
        for polygon in country.polygons:
            if max(lat for ring in polygon for _, lat in ring) < BOTTOM_LATITUDE:
                continue
            for ring in polygon:
                for copy in _across_antimeridian(ring):
                    points = [(round((lon + 180) * scale), round((TOP_LATITUDE - lat) * scale))
                              for lon, lat in copy]
                    commands.append(_ring_path(points))
        if commands:
            paths.append((country.code, "".join(commands)))
    return tuple(paths)


def _across_antimeridian(ring):
    """The ring with its longitudes made continuous (Russia and Fiji jump
    from 180° to -180°) and, if it then spills past the edge, a copy shifted
    by a turn so that both ends of the map show their part."""
    unwrapped, shift = [ring[0]], 0.0
    for (previous, _), (lon, lat) in itertools.pairwise(ring):
        if abs(lon - previous) > 180:
            shift -= 360 if lon > previous else -360
        unwrapped.append((lon + shift, lat))
    west, east = min(lon for lon, _ in unwrapped), max(lon for lon, _ in unwrapped)
    turn = -360 if east > 180 else 360 if west < -180 else 0
    return [unwrapped, [(lon + turn, lat) for lon, lat in unwrapped]] if turn else [unwrapped]


def _ring_path(points: list[tuple[int, int]]) -> str:
    """``M x,y l dx,dy … z`` for one ring given in tenths of a pixel."""
    (x, y), moves = points[0], []
    for px, py in points[1:]:
        if (px, py) != (x, y):
            moves.append(f"{_tenths(px - x)},{_tenths(py - y)}")
            x, y = px, py
    return f"M{_tenths(points[0][0])},{_tenths(points[0][1])}l{' '.join(moves)}z"


def _tenths(value: int) -> str:
    """An integer number of tenths written as the shortest decimal."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, tenth = divmod(value, 10)
    return f"{sign}{whole}" if not tenth else f"{sign}{whole or ''}.{tenth}"


@functools.cache
def _countries() -> tuple[Country, ...]:
    """The map's countries, decoded once per process."""
    topology = json.loads((DATA / "countries-110m.json").read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology["arcs"], topology["transform"])
    alpha2 = _alpha2_by_numeric()
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        code = alpha2.get(geometry["id"]) if "id" in geometry else UNNUMBERED.get(name)
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        countries.append(Country(code, name, tuple(
            tuple(_ring(arcs, ring) for ring in polygon) for polygon in polygons)))
    return tuple(countries)


def _decode_arcs(arcs: list, transform: dict) -> list[list[tuple[float, float]]]:
    """Undo the delta encoding and the quantization of every arc."""
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    decoded = []
    for arc in arcs:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> tuple[tuple[float, float], ...]:
    """A closed ring from its arcs; a negative index ``~i`` is arc ``i``
    reversed, and each arc after the first repeats its predecessor's end."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return tuple(points)


@functools.cache
def _alpha2_by_numeric() -> dict[str, str]:
    with (DATA / "iso3166-numeric.csv").open(encoding="utf-8", newline="") as table:
        return {row["numeric"]: row["alpha2"] for row in csv.DictReader(table)}


def _english_name(code: str) -> str:
    return next((country.name for country in _countries() if country.code == code), code)
