"""The [site], [slack] and [email] sections and their environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import load_settings
from papersift.deliver import deliveries_configured
from papersift.errors import ConfigError


def test_environment_fills_slack_and_smtp(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text('[email]\nrecipients = ["ada@example.test"]\n', encoding="utf-8")
    env = {
        "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook-zq81",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_CHANNEL": "#papers",
        "SMTP_HOST": "mail.example.test",
        "SMTP_PORT": "2525",
        "SMTP_USER": "reader",
        "SMTP_PASSWORD": "pw-zq82",
        "SMTP_FROM": "digest@example.test",
    }
    settings = load_settings(config, env)
    assert settings.slack.webhook_url is not None
    assert settings.slack.webhook_url.get_secret_value() == "http://127.0.0.1:9/hook-zq81"
    assert settings.slack.bot_token is not None and settings.slack.channel == "#papers"
    assert settings.email.host == "mail.example.test" and settings.email.port == 2525
    assert settings.email.user == "reader" and settings.email.sender == "digest@example.test"
    assert settings.email.password is not None
    assert "pw-zq82" not in repr(settings) and "zq81" not in repr(settings)
    assert deliveries_configured(settings)


def test_nothing_is_delivered_unless_configured(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text("", encoding="utf-8")
    settings = load_settings(config, {"SMTP_HOST": "mail.example.test"})
    assert not deliveries_configured(settings)
    assert not settings.site.enabled


def test_paths_are_relative_to_the_config_and_html_is_a_format(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text(
        '[output]\nformats = ["html"]\n[site]\ndir = "public"\n[email]\nca_file = "ca.pem"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, {})
    assert settings.output.formats == ["html"]
    assert settings.site.dir == tmp_path / "public"
    assert settings.email.ca_file == tmp_path / "ca.pem"


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("slack", "webhook_url", "12"), ("slack", "bot_token", "[1]"), ("email", "password", "[2]")],
)
def test_a_bad_secret_value_is_not_echoed(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert "***" in caught.value.message and value not in caught.value.message


def test_unknown_keys_are_named(tmp_path: Path) -> None:
    config = tmp_path / "papersift.toml"
    config.write_text('[email]\nrecipient = "a@b"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'email.recipient'") as caught:
        load_settings(config, {})
    assert "recipients" in str(caught.value.hint)


@pytest.mark.parametrize("command", [["site", "build"], ["deliver"]])
def test_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "--config" in result.output and "--out" in result.output
