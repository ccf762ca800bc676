"""Shared fixtures: a throw-away copy of the project (its newsletter.toml,
templates and the December 2023 issue) so tests never write into the repo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsletter.build import render_issue
from newsletter.config import load_config

REPO = Path(__file__).resolve().parent.parent
SAMPLE = "2023-12"


def make_project(folder: Path) -> Path:
    shutil.copy(REPO / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(REPO / "templates", folder / "templates")
    shutil.copytree(REPO / "issues" / SAMPLE, folder / "issues" / SAMPLE)
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


@pytest.fixture
def config(project: Path):
    return load_config(project, {})


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def sample_config(sample_project: Path):
    return load_config(sample_project, {})


@pytest.fixture(scope="session")
def sample(sample_config):
    """The sample issue and its editions rendered once (English with fallbacks)."""
    issue, rendered, _ = render_issue(sample_config, SAMPLE, allow_incomplete=True)
    return issue, {r.lang: r for r in rendered}


def write_issue(project: Path, files: dict[str, str], month: str = "2024-03") -> Path:
    folder = project / "issues" / month
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


MINIMAL = """\
month: 2024-03
curated_by: a cura del Servizio Gabinetto del Sindaco – Relazioni Internazionali
top_news:
  - id: prima
    title: Prima notizia
    date: 2024-03-04
    body: Testo della prima notizia.
"""


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/ from the current rendering (review the diff!).")
