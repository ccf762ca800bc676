"""The preview server, through Flask's test client: it renders the source as
it is on disk at every request."""

import dataclasses
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from newsletter.core.config import WorkspaceSection
from newsletter.core.i18n import use_language
from newsletter.render.gates import html_facts
from newsletter.web import create_app

from .conftest import MINIMAL, partial_english, write_issue


def test_index_lists_editions_and_warnings(project, config):
    partial_english(project)
    client = create_app(config, preview_month="2023-12").test_client()
    page = client.get("/").get_data(as_text=True)
    assert "Preview of the 2023-12 issue" in page
    assert 'href="it/email.html"' in page and 'href="en/issue.pdf"' in page
    assert "incomplete translation" in page


def test_the_index_speaks_the_office_language_and_each_type_has_one_charset(config):
    italian = dataclasses.replace(config, workspace=WorkspaceSection(language="it"))
    client = create_app(italian, preview_month="2023-12").test_client()
    try:
        page = client.get("/").get_data(as_text=True)
        assert '<html lang="it"' in page and "Anteprima del numero 2023-12" in page
        assert "Preview" not in page and "Editions" not in page
        for path in ("/it/email.html", "/it/email.txt", "/it/"):
            assert client.get(path).headers["Content-Type"].count("charset") == 1, path
    finally:
        use_language(None)


def test_every_output_is_served(config):
    client = create_app(config, preview_month="2023-12").test_client()
    email = client.get("/it/email.html")
    assert email.status_code == 200
    assert "Luci d'Artista" in html_facts(email.get_data(as_text=True)).visible_text
    assert client.get("/it/email.txt").mimetype == "text/plain"
    assert client.get("/it/issue.pdf").get_data().startswith(b"%PDF-")
    web = client.get("/en/").get_data(as_text=True)
    assert '<html lang="en"' in web
    assert client.get("/it/nothing").status_code == 404


def test_links_point_to_the_preview_server(config):
    client = create_app(config, preview_month="2023-12").test_client()
    html = client.get("/it/email.html", base_url="http://127.0.0.1:8765").get_data(as_text=True)
    assert 'href="http://127.0.0.1:8765/2023-12/it/"' in html


def test_changes_on_disk_show_at_the_next_request(project, config):
    folder = write_issue(project, {"it.yaml": MINIMAL})
    client = create_app(config, preview_month="2024-03").test_client()
    assert "Prima notizia" in client.get("/it/email.txt").get_data(as_text=True)
    (folder / "it.yaml").write_text(MINIMAL.replace("Prima notizia", "Notizia corretta"))
    assert "Notizia corretta" in client.get("/it/email.txt").get_data(as_text=True)


def test_errors_are_shown_with_file_and_line(project, config):
    write_issue(project, {"it.yaml": MINIMAL.replace("2024-03-04", "2024-02-30")})
    client = create_app(config, preview_month="2024-03").test_client()
    page = client.get("/it/email.html").get_data(as_text=True)
    assert "Errors: the issue cannot be built" in page
    assert "issues/2024-03/it.yaml:6: top_news[prima].date" in page


def test_preview_command_serves_on_loopback(project):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    newsletter = Path(sys.executable).with_name("newsletter")
    server = subprocess.Popen([str(newsletter), "preview", "2023-12", "--port", str(port)],
                              cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        body = _get(f"http://127.0.0.1:{port}/it/email.txt")
        assert "Top News dicembre 2023" in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str) -> str:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_source_files_are_never_served(config):
    client = create_app(config, preview_month="2023-12").test_client()
    for path in ("/images/it.yaml", "/images/en.yaml", "/2023-12/images/it.yaml",
                 "/images/../2023-12/it.yaml"):
        assert client.get(path).status_code == 404, path


def test_only_requests_for_this_machine_are_answered(config):
    client = create_app(config, preview_month="2023-12").test_client()
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    refused = client.get("/it/email.html", headers={"Host": "evil.example"})
    assert refused.status_code == 403
    assert b"evil.example" not in refused.data


def test_the_preview_refuses_to_listen_beyond_this_machine(project):
    from click.testing import CliRunner

    from newsletter.cli import cli

    result = CliRunner().invoke(cli, ["--project", str(project), "preview", "2023-12",
                                      "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "listens on this machine only" in result.output
