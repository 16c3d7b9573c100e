"""The settings file: one clear message per mistake, environment overrides for secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import load_settings
from papersift.errors import ConfigError

SRC = Path(__file__).resolve().parent.parent / "src"


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "papersift.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "fragments", "allowed"),
    [
        (
            '[sources]\ncategoriess = ["cs.LG"]\n',
            ["unknown key 'sources.categoriess'"],
            ["categories", "rss_url", "api_delay"],
        ),
        ("[rankr]\ntop = 3\n", ["unknown key 'rankr'"], ["ranker", "sources"]),
        (
            "[ranker]\ntop = 0\n",
            ["key 'ranker.top'", "the value 0"],
            ["greater than or equal to 1"],
        ),
        ('[sources]\nkind = "oai"\n', ["key 'sources.kind'", "'oai'"], ["'rss' or 'api'"]),
        (
            '[filters]\nannounce_types = ["new", "weird"]\n',
            ["key 'filters.announce_types.1'", "'weird'"],
            ["'new', 'cross', 'replace' or 'replace-cross'"],
        ),
        ("[sources]\napi_delay = 1\n", ["'sources.api_delay'", "the value 1"], [">= 3"]),
        ('[ranker]\ntop = "many"\n', ["'ranker.top'", "'many'"], ["a whole number"]),
    ],
)
def test_bad_config_names_file_key_value_and_what_is_allowed(
    tmp_path: Path, text: str, fragments: list[str], allowed: list[str]
) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    error = caught.value
    assert repr(str(path)) in error.message
    for fragment in fragments:
        assert fragment in error.message
    for word in allowed:
        assert word.replace(">= 3", "greater than or equal to 3") in (error.hint or "")
    assert error.exit_code == 2


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = _config(tmp_path, "[ranker]\ntop = \n")
    with pytest.raises(ConfigError, match=r"is not valid TOML: .*line 2"):
        load_settings(path, env={})


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        load_settings(tmp_path / "nope.toml", env={})
    assert "papersift init" in (caught.value.hint or "")


def test_api_key_is_never_echoed(tmp_path: Path) -> None:
    path = _config(tmp_path, "[judge]\napi_key = 12345\nenabled = 3\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert "12345" not in str(caught.value)


def test_environment_overrides_secrets(tmp_path: Path) -> None:
    path = _config(tmp_path, '[judge]\nbase_url = "http://127.0.0.1:1/v1"\n')
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    settings = load_settings(path, env=env)
    assert settings.judge.api_key is not None
    assert settings.judge.api_key.get_secret_value() == "sk-test"
    assert settings.judge.base_url == "http://127.0.0.1:9/v1"
    assert "sk-test" not in repr(settings)
    assert load_settings(path, env={}).judge.base_url == "http://127.0.0.1:1/v1"


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = _config(tmp_path, '[profile]\ninterests = "mine.md"\n[output]\ndir = "digests"\n')
    settings = load_settings(path, env={})
    assert settings.profile.interests == tmp_path / "mine.md"
    assert settings.output.dir == tmp_path / "digests"


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, env={})
    assert settings.sources.categories == ["cs.LG", "cs.AI"]
    assert settings.filters.announce_types == ["new", "cross"]


def test_cli_bad_config_exits_2_with_the_message(tmp_path: Path) -> None:
    path = _config(tmp_path, "[ranker]\ntop = -1\n")
    result = CliRunner().invoke(main, ["run", "--config", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"Error: Config file {str(path)!r}: key 'ranker.top'")
    assert "Allowed:" in result.stderr


def test_cli_missing_config_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--config", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "papersift init" in result.stderr


def test_real_process_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    path = _config(tmp_path, '[sources]\ncolour = "blue"\n')
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("PAPERSIFT_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "papersift", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"Error: Config file {str(path)!r}: unknown key 'sources.colour'." in done.stderr
    assert "Allowed keys in [sources]: kind, categories" in done.stderr
