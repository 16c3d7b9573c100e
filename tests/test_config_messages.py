"""Config errors in the file's own terms: the key, what was given, what is expected, how to fix it.

No pydantic phrase ("Input should be a valid dictionary or instance of RankerSettings") reaches
the user.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from papersift.cli import main
from papersift.config import load_settings
from papersift.errors import ConfigError

PYDANTIC_PHRASES = ("Input should", "valid dictionary", "instance of", "Settings", "Value error")


def _error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> ConfigError:
    path = tmp_path / "papersift.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env or {})
    error = caught.value
    for phrase in PYDANTIC_PHRASES:
        assert phrase not in str(error), str(error)
    assert error.exit_code == 2
    return error


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            'ranker = "hybrid"\n',
            "'ranker' is text ('hybrid'), but it must be a table of settings.",
            '[ranker]\nkind = "hybrid"\n',
        ),
        (
            'sources = ["cs.LG", "cs.AI"]\n',
            "'sources' is a list (['cs.LG', 'cs.AI']), but it must be a table of settings.",
            '[sources]\ncategories = ["cs.LG", "cs.AI"]\n',
        ),
        (
            "judge = true\n",
            "'judge' is a true/false value (true), but it must be a table of settings.",
            "[judge]\nenabled = true\n",
        ),
        ("store = 3\n", "'store' is a whole number (3), but it must be a table", "[store]\n"),
    ],
)
def test_a_section_that_is_not_a_table(tmp_path: Path, text: str, message: str, hint: str) -> None:
    error = _error(tmp_path, text)
    assert message in error.message
    assert error.hint is not None and hint in error.hint + "\n"
    assert "Its keys:" in error.hint
    example = error.hint.split("e.g.\n", 1)[1].split("\nIts keys", 1)[0]
    assert isinstance(tomllib.loads(example), dict)


def test_an_array_of_tables_instead_of_a_table(tmp_path: Path) -> None:
    error = _error(tmp_path, "[[ranker]]\ntop = 5\n")
    assert "'ranker' is a list" in error.message and "must be a table" in error.message
    assert error.hint == "Write the table with single brackets, [ranker], not [[ranker]]."


@pytest.mark.parametrize(
    ("text", "message", "allowed"),
    [
        (
            '[sources]\ncategories = "cs.LG"\n',
            "key 'sources.categories' has the value 'cs.LG' (text)",
            'a list in square brackets, such as ["cs.LG"].',
        ),
        (
            '[output]\nformats = "html"\n',
            "key 'output.formats' has the value 'html' (text)",
            'a list in square brackets, such as ["html"].',
        ),
        (
            "[sources]\ncategories = []\n",
            "key 'sources.categories' has the value [] (a list)",
            "a list of at least 1 item.",
        ),
        (
            '[sources]\ncategories = ["cs.LG", 7]\n',
            "key 'sources.categories.1' has the value 7 (a whole number)",
            "text in double quotes",
        ),
        (
            "[filters]\nannounce_types = []\n",
            "key 'filters.announce_types' has the value []",
            "a list of at least one of new, cross, replace, replace-cross.",
        ),
        (
            "[judge]\nextra_body = [1, 2]\n",
            "key 'judge.extra_body' has the value [1, 2] (a list)",
            'a table, such as { key = "value" }.',
        ),
        ("[sources]\njoined = 2\n", "key 'sources.joined'", "true or false, without quotes."),
        ("[ranker]\ntop = 2.5\n", "the value 2.5 (a number)", "a whole number without quotes"),
        ('[sources]\ntimeout = "fast"\n', "the value 'fast' (text)", "a number without quotes"),
        ("[judge]\ntemperature = 3\n", "the value 3", "a number less than or equal to 2."),
        ("[sources]\napi_delay = 1\n", "the value 1", "a number greater than or equal to 3."),
        ("[profile]\ninterests = 4\n", "key 'profile.interests'", "a file path in double quotes"),
        ("[profile]\nname = false\n", "the value false (a true/false value)", "text in double"),
    ],
)
def test_a_value_of_the_wrong_kind(tmp_path: Path, text: str, message: str, allowed: str) -> None:
    error = _error(tmp_path, text)
    assert message in error.message
    assert error.hint is not None and error.hint.startswith("Allowed: ")
    assert allowed in error.hint


def test_a_bad_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    error = _error(tmp_path, "[email]\n", env={"SMTP_PORT": "twenty-five"})
    assert error.message.startswith("The environment variable SMTP_PORT (for key 'email.port')")
    assert "'twenty-five'" in error.message and "a whole number" in (error.hint or "")


def test_a_secret_in_a_section_written_as_text_is_not_filled_in(tmp_path: Path) -> None:
    error = _error(tmp_path, 'judge = "gpt-4.1"\n', env={"OPENAI_API_KEY": "sk-secret"})
    assert "'judge' is text" in error.message and "sk-secret" not in str(error)


def test_the_cli_prints_the_message_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "papersift.toml"
    path.write_text('ranker = "hybrid"\n')
    result = CliRunner().invoke(main, ["run", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: Config file {str(path)!r}: 'ranker' is text")
    assert '[ranker]\nkind = "hybrid"' in result.stderr
    assert "Traceback" not in result.stderr


def test_every_bad_key_is_named_at_once(tmp_path: Path) -> None:
    error = _error(tmp_path, '[ranker]\ntop = 0\n[sources]\ntimeout = "x"\nretries = -1\n')
    assert error.message.split(": key ")[1].startswith("'sources.timeout'")
    assert "(also not allowed: 'sources.retries', 'ranker.top')" in error.message


def test_a_section_given_a_secret_as_text_does_not_echo_it(tmp_path: Path) -> None:
    error = _error(tmp_path, 'slack = "https://hooks.slack.com/services/T0/B0/s3cr3t"\n')
    assert "'slack' is text (***), but it must be a table" in error.message
    assert "s3cr3t" not in str(error)
    assert "[slack]" in (error.hint or "")
