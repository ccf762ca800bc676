"""Shared fixtures: a throw-away copy of the project (its newsletter.toml,
templates and the December 2023 issue) so tests never write into the repo."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from newsletter.core.config import load_config
from newsletter.render.build import render_issue

REPO = Path(__file__).resolve().parent.parent
SAMPLE = "2023-12"
PARTIAL_ENGLISH = Path(__file__).resolve().parent / "fixtures" / "2023-12-en-partial.yaml"


def make_project(folder: Path) -> Path:
    """The project as shipped, but speaking English: without its ``[workspace]
    language``, so tests read English unless they set it (test_editor_messages)."""
    shipped = (REPO / "newsletter.toml").read_text(encoding="utf-8")
    english = re.sub(r"^\[workspace\]\nlanguage = .*\n", "", shipped, flags=re.MULTILINE)
    (folder / "newsletter.toml").write_text(english, encoding="utf-8")
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
    """The sample issue and its editions rendered once."""
    issue, rendered, _ = render_issue(sample_config, SAMPLE, allow_incomplete=True)
    return issue, {r.lang: r for r in rendered}


def partial_english(project: Path) -> Path:
    """The sample with its English edition half translated: 14 parts missing."""
    shutil.copy(PARTIAL_ENGLISH, project / "issues" / SAMPLE / "en.yaml")
    return project


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


# -- the store, on SQLite and on PostgreSQL -------------------------------------

import os  # noqa: E402
import uuid  # noqa: E402

import sqlalchemy  # noqa: E402

from newsletter.store import Store  # noqa: E402

POSTGRES_URL = os.environ.get("NEWSLETTER_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = b"test-secret-key"


def _postgres_reason() -> str | None:
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({type(exc).__name__}); " \
               "set NEWSLETTER_TEST_POSTGRES_URL to run these tests"
    return None


@pytest.fixture(scope="session")
def postgres_unavailable() -> str | None:
    return _postgres_reason()


@pytest.fixture
def database_url(request, tmp_path, postgres_unavailable):
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    url = sqlalchemy.engine.make_url(POSTGRES_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def store(database_url):
    store = Store(database_url, SECRET)
    yield store
    store.close()
