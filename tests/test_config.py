"""Configuration: newsletter.toml, overridden by the environment."""

import pytest

from newsletter.core.config import find_root, load_config
from newsletter.core.errors import ConfigError


def test_defaults_from_the_project_file(project):
    config = load_config(project, {})
    assert config.languages == ("it", "en", "fr")
    assert config.primary_language == "it"
    assert config.base_url == "https://www.comune.torino.it/relint/wip"
    assert config.database_url == f"sqlite:///{project}/subscribers/newsletter.sqlite3"
    assert config.smtp_url is None
    assert config.office.name_lines("en") == ("Mayor's Cabinet", "International Relations",
                                              "City of Torino")


def test_environment_overrides(project):
    config = load_config(project, {
        "NEWSLETTER_BASE_URL": "https://wip.example.org/",
        "NEWSLETTER_DATABASE_URL": "postgresql+psycopg://127.0.0.1/test",
        "NEWSLETTER_SMTP_URL": "smtp://127.0.0.1:2525",
        "NEWSLETTER_SECRET_KEY": "s3cret",
    })
    assert config.base_url == "https://wip.example.org"
    assert config.database_url == "postgresql+psycopg://127.0.0.1/test"
    assert config.smtp_url == "smtp://127.0.0.1:2525"
    assert config.secret_key == "s3cret"


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.replace('languages = ["it", "en", "fr"]', 'languages = ["it", "de"]'),
     "newsletter.languages: 'de' is not supported"),
    (lambda s: s.replace('timezone = "Europe/Rome"', 'timezone = "Europe/Torino"'),
     "newsletter.timezone: unknown time zone 'Europe/Torino'"),
    (lambda s: s.replace('base_url = "https://', 'base_url = "'),
     "newsletter.base_url: 'www.comune.torino.it/relint/wip' must start with https://"),
    (lambda s: s.replace("[sender]", "[sender"), "newsletter.toml: "),
    (lambda s: s.replace('address = "international', 'adress = "international', 1),
     "sender.address: missing"),
])
def test_bad_configuration_is_explained(project, edit, message):
    path = project / "newsletter.toml"
    path.write_text(edit(path.read_text()))
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(project, {})


def test_root_is_found_from_a_subfolder(project):
    assert find_root(project / "issues" / "2023-12") == project
