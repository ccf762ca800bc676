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


@pytest.mark.parametrize(("header", "body", "message"), [
    ("[dispatch]", "conections = 4", "dispatch.conections: unknown key (known keys in "
                                     "[dispatch]: connections, rate"),
    ("[dispatch]", 'connections = "four"', "dispatch.connections: input should be a valid integer"),
    ("[dispatch]", "connections = 0", "dispatch.connections: input should be greater than or equal"),
    ("[scheduler]", "reminder_day = 31", "scheduler.reminder_day: input should be less than or equal"),
    ("[scheduler]", 'editors = "redazione@example.org"', "scheduler.editors: input should be a "
                                                          "valid list"),
    ("[web]", "confirm_hours = 72.5", "web.confirm_hours: input should be a valid integer"),
    ("[sender]", 'reply_to = "relint at comune"', "sender.reply_to: 'relint at comune' is not an "
                                                  "e-mail address"),
    ("[dkim]", 'private_key = "nope.pem"\ndomain = "comune.torino.it"\nselector = "wip"',
     "dkim.private_key: cannot read"),
    ("[dkmi]", 'domain = "comune.torino.it"', "[dkmi]: unknown section (known sections: "),
])
def test_a_wrong_key_in_any_section_fails_at_load_with_file_line_and_key(project, header, body,
                                                                       message):
    path = project / "newsletter.toml"
    lines = path.read_text().splitlines()
    key = body.split("=")[0].strip()
    existing = [n for n, line in enumerate(lines) if line.split("=")[0].strip() == key]
    if header in lines and existing:  # the file has that key: change its value
        at = existing[0]
        lines[at] = body
    elif header in lines:
        at = lines.index(header) + 1
        lines[at:at] = body.split("\n")
    else:
        lines += ["", header, *body.split("\n")]
        at = len(lines) - len(body.split("\n"))
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as refused:
        load_config(project, {})
    text = str(refused.value)
    assert message in text
    # the key's line, or the section's header for an unknown section
    assert text.startswith((f"{path}:{at + 1}:", f"{path}:{at}: [dkmi]")), text


def test_a_missing_key_points_at_its_section(project):
    path = project / "newsletter.toml"
    path.write_text(path.read_text() + '\n[dkim]\ndomain = "comune.torino.it"\n')
    with pytest.raises(ConfigError, match=r"newsletter.toml:\d+: dkim.selector: missing"):
        load_config(project, {})


def test_each_command_refuses_a_broken_configuration_before_doing_anything(project):
    from click.testing import CliRunner

    from newsletter.cli import cli

    path = project / "newsletter.toml"
    path.write_text(path.read_text().replace("retries = 3", "retires = 3"))
    result = CliRunner().invoke(cli, ["--project", str(project), "deliveries"])
    assert result.exit_code == 1
    assert "newsletter.toml:" in result.output and "dispatch.retires: unknown key" in result.output
    assert not (project / "subscribers" / "newsletter.sqlite3").exists()


def test_typed_sections_reach_the_code(project):
    path = project / "newsletter.toml"
    path.write_text(path.read_text().replace("# rate = 50", "rate = 50")
                    .replace('editors = []', 'editors = ["redazione@example.org"]'))
    config = load_config(project, {})
    assert config.dispatch.rate == 50.0 and config.dispatch.connections == 4
    assert config.scheduler.editors == ["redazione@example.org"]
    assert config.sender_domain == "comune.torino.it"
    assert config.dkim is None
