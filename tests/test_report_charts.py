"""The yearly report's charts and world map: SVG that parses, names itself to
screen readers, prints every number, escapes every label and is drawn from
the map shipped in the package, never fetched."""

import shutil
import socket
import subprocess
import urllib.request
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from newsletter.archive.report import worldmap
from newsletter.archive.report.charts import bar_chart, column_chart
from newsletter.archive.report.worldmap import OTHER_COLOR, drawn_countries, world_map

SVG = "{http://www.w3.org/2000/svg}"
BY_COUNTRY = [("Francia", 12), ("Germania", 7), ("Repubblica Democratica del Congo e dintorni", 3),
              ("Svizzera", 1)]
BY_MONTH = list(zip(["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
                    [3, 5, 0, 12, 7, 8, 1, 0, 4, 9, 11, 2], strict=True))
LEGEND = {"delegation": "Delegazioni ricevute", "mission": "Missioni all'estero", "both": "Entrambe"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


def world(shaded=None, names=None) -> str:
    return world_map(shaded if shaded is not None else {"IT": "both", "FR": "delegation", "US": "mission"},
                     names or {"IT": "Italia", "FR": "Francia"}, title="Il mondo di Torino nel 2023",
                     description="Paesi delle delegazioni e delle missioni.", legend=LEGEND)


def charts() -> list[str]:
    return [bar_chart(BY_COUNTRY, title="Delegazioni per Paese", description="Delegazioni ricevute."),
            column_chart(BY_MONTH, title="Attività per mese", description="Notizie per mese."),
            world()]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_svg_is_an_image_named_by_its_title_and_description(index):
    root = parse(charts()[index])
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_the_bar_chart_has_a_bar_and_a_printed_value_per_row():
    svg = bar_chart(BY_COUNTRY, title="Delegazioni per Paese", description="Delegazioni ricevute.")
    root = parse(svg)
    bars = root.findall(f".//{SVG}rect")
    assert len(bars) == len(BY_COUNTRY)
    widths = [float(bar.get("width")) for bar in bars]
    assert widths == sorted(widths, reverse=True) and widths[0] > 0
    assert [text for text in texts(root) if text.isdigit()] == [str(value) for _, value in BY_COUNTRY]
    assert "Francia: 12; Germania: 7;" in root.find(f"{SVG}desc").text


def test_a_long_label_is_ellipsized_and_kept_whole_in_its_tooltip():
    root = parse(bar_chart(BY_COUNTRY, title="t", description="d", width=400))
    assert any(text.endswith("…") for text in texts(root))
    tooltips = [title.text for title in root.iter(f"{SVG}title")]
    assert "Repubblica Democratica del Congo e dintorni: 3" in tooltips


def test_the_column_chart_has_twelve_columns_their_values_a_baseline_and_gridlines():
    root = parse(column_chart(BY_MONTH, title="Attività per mese", description="Notizie per mese."))
    columns = root.findall(f".//{SVG}g/{SVG}rect")
    assert len(columns) == 12
    labels = texts(root)
    assert all(month in labels for month, _ in BY_MONTH)
    assert [float(rect.get("height")) for rect in columns].index(0.0) == 2  # March: no column
    lines = root.findall(f".//{SVG}line")
    assert len(lines) >= 3  # a baseline and at least two gridlines
    values = [element.findall(f"{SVG}text")[0].text for element in root.findall(f"{SVG}g")]
    assert values == [str(value) for _, value in BY_MONTH]


def test_labels_are_escaped():
    hostile = "<script>alert(1)</script> & Co \"quoted\""
    for svg in (bar_chart([(hostile, 1)], title=hostile, description=hostile),
                column_chart([(hostile, 1)], title=hostile, description=hostile),
                world_map({"IT": "delegation"}, {"IT": hostile}, title=hostile, description=hostile,
                          legend={"delegation": hostile})):
        assert "<script>" not in svg
        root = parse(svg)
        assert root.find(f"{SVG}title").text == hostile
        assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))


def test_empty_data_still_makes_a_valid_chart():
    for svg in (bar_chart([], title="t", description="d"), column_chart([], title="t", description="d")):
        assert parse(svg).get("role") == "img"


def test_the_map_draws_every_country_and_shades_the_given_ones():
    root = parse(world())
    paths = {path.get("data-country"): path for path in root.iter(f"{SVG}path")}
    assert len(root.findall(f".//{SVG}path")) >= 170
    italy = paths["IT"]
    assert italy.get("fill") not in (None, OTHER_COLOR)
    assert italy.find(f"{SVG}title").text == "Italia: Entrambe"
    assert paths["US"].find(f"{SVG}title").text == "United States of America: Missioni all'estero"
    assert len({paths[code].get("fill") for code in ("IT", "FR", "US")}) == 3
    germany = paths["DE"]
    assert germany.get("fill") is None and germany.find(f"{SVG}title") is None  # the group's grey
    assert root.find(f".//{SVG}g[@class='countries']").get("fill") == OTHER_COLOR


def test_the_map_has_a_legend_entry_per_category_in_its_colour():
    root = parse(world())
    entries = root.findall(f".//{SVG}g[@class='legend-entry']")
    assert [entry.get("data-category") for entry in entries] == list(LEGEND)
    assert [entry.find(f"{SVG}text").text for entry in entries] == list(LEGEND.values())
    fills = {path.get("data-category"): path.get("fill") for path in root.iter(f"{SVG}path")
             if path.get("data-category")}
    for entry in entries:
        assert entry.find(f"{SVG}rect").get("fill") == fills[entry.get("data-category")]


def test_the_map_crops_antarctica_and_knows_italy():
    assert "AQ" not in {path.get("data-country") for path in parse(world()).iter(f"{SVG}path")}
    assert {"IT", "FR", "CH", "XK", "RU", "FJ"} <= drawn_countries()
    assert "MT" not in drawn_countries()  # too small for 1:110m: the caller names it in words


def test_the_map_is_read_from_the_package_never_fetched(monkeypatch):
    def offline(*args, **kwargs):
        raise AssertionError("the map must not touch the network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setattr(socket, "socket", offline)
    monkeypatch.setattr(socket, "create_connection", offline)
    worldmap._countries.cache_clear()
    worldmap._paths.cache_clear()
    assert len(parse(world()).findall(f".//{SVG}path")) >= 170
    data = resources.files("newsletter.archive.report") / "data"
    for name in ("countries-110m.json", "world-atlas.LICENSE.txt", "iso3166-numeric.csv", "README.md"):
        assert (data / name).is_file(), name


def test_the_svgs_are_small():
    bar, column, world_svg = charts()
    assert len(bar) < 10_000 and len(column) < 20_000
    assert 30_000 < len(world_svg.encode()) < 300_000


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_weasyprint_draws_the_charts_and_the_map_with_their_labels(tmp_path):
    import weasyprint

    figures = "".join(f"<figure>{svg}</figure>" for svg in charts())
    pdf = tmp_path / "charts.pdf"
    weasyprint.HTML(string=f'<html lang="it"><body>{figures}</body></html>').write_pdf(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for label in ["Francia", "Germania", "Svizzera", "12", "gen", "dic", *LEGEND.values()]:
        assert label in text, label
