"""The settings: one TOML file, then the environment for secrets, then command-line flags.

The file is ``papersift.toml`` in the working directory unless ``--config`` names another. Every
section is a pydantic model that forbids unknown keys, so a misspelt key is an error rather than a
setting silently ignored. Relative paths in the file are taken relative to the file itself.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from papersift.errors import ConfigError
from papersift.models import ANNOUNCE_TYPES, AnnounceType

DEFAULT_CONFIG = Path("papersift.toml")
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ProfileSettings(_Section):
    """Who the digest is for."""

    name: str = "default"
    """Names the profile in digests and, later, in the store."""
    interests: Path = Path("interests.md")
    """The Markdown file with the researcher's topics, keywords and watched authors."""


class SourceSettings(_Section):
    """Where each day's listing comes from."""

    kind: Literal["rss", "api"] = "rss"
    categories: list[str] = Field(default_factory=lambda: ["cs.LG", "cs.AI"], min_length=1)
    joined: bool = True
    """Fetch one joined feed (``cs.LG+cs.AI``) instead of one feed per category."""
    rss_url: str = "https://rss.arxiv.org/rss/"
    api_url: str = "https://export.arxiv.org/api/query"
    timeout: float = Field(30.0, gt=0)
    """Seconds to wait for a feed before retrying."""
    retries: int = Field(3, ge=0, le=10)
    api_delay: float = Field(3.0, ge=3.0)
    """Seconds between arXiv API requests; arXiv asks for at least 3."""


class FilterSettings(_Section):
    """Deterministic rules applied before ranking."""

    announce_types: list[AnnounceType] = Field(default_factory=lambda: ["new", "cross"])
    include_categories: list[str] = Field(default_factory=list)
    """Keep only papers listed in one of these; empty keeps all."""
    exclude_categories: list[str] = Field(default_factory=list)
    primary_only: bool = False
    """Keep only papers whose primary category is one of ``sources.categories``."""
    keywords_include: list[str] = Field(default_factory=list)
    """Keep only papers matching one of these (whole words, case-insensitive, regex allowed)."""
    keywords_exclude: list[str] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    """Watched authors, added to those of the interests file."""

    @field_validator("announce_types")
    @classmethod
    def _known_types(cls, value: list[AnnounceType]) -> list[AnnounceType]:
        if not value:
            raise ValueError(f"needs at least one of {', '.join(ANNOUNCE_TYPES)}")
        return value


class RankerSettings(_Section):
    """The local, free ranker."""

    kind: Literal["embedding", "tfidf", "hybrid"] = "embedding"
    model: str = DEFAULT_MODEL
    model_path: Path | None = None
    """A local folder holding a sentence-transformers model, used instead of the model name."""
    batch_size: int = Field(64, ge=1, le=4096)
    top: int = Field(20, ge=1)
    """How many papers the digest keeps."""
    threshold: float | None = None
    """Drop papers scoring below this, even within the top."""
    cache_dir: Path | None = None
    """Where embeddings are cached; defaults to the user's cache directory."""


class JudgeSettings(_Section):
    """The LLM judge; off unless a model is set and ``enabled`` is true."""

    enabled: bool = False
    model: str = "gpt-4.1-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    """Better given as ``OPENAI_API_KEY``; a key written here is never echoed."""


class OutputSettings(_Section):
    """Where the rendered digests go."""

    dir: Path = Path("out")
    formats: list[Literal["markdown", "json"]] = Field(
        default_factory=lambda: ["markdown", "json"], min_length=1
    )
    send_empty: bool = False
    """Write a digest even on a day without announcements."""


class LearningSettings(_Section):
    """The learned ranker: what counts as a positive, how history is weighed and blended."""

    enabled: bool = True
    """Blend the learned model in once the profile has history; off ranks by interests alone."""
    dir: Path | None = None
    """Where the profile's examples, ratings and model are kept; defaults to the user data dir."""
    positive_relevance: float = Field(8.0, ge=0, le=10)
    """A judged paper with at least this relevance is a positive example."""
    half_life_days: float = Field(90.0, gt=0)
    """Evidence this many days old counts half, so interests may drift."""
    min_days: int = Field(3, ge=0)
    """Judged days needed before the model gets any weight."""
    min_positives: int = Field(5, ge=0)
    """Positive examples needed before the model gets any weight."""
    full_days: int = Field(10, ge=1)
    full_positives: int = Field(40, ge=1)
    """With this many days and positives the model has its full weight."""
    max_weight: float = Field(0.9, ge=0, le=1)
    """The model's share of the blended score once history is full."""
    rating_weight: float = Field(3.0, gt=0)
    """A rating counts this many judged examples."""
    seed_weight: float = Field(1.0, gt=0)
    regularisation: float = Field(1.0, gt=0)
    """The logistic regression's inverse regularisation strength (scikit-learn's ``C``)."""
    similarity_scale: float = Field(1.0, gt=0)
    """Multiplies the topic similarities beside the embedding before fitting."""


class Settings(_Section):
    """Everything one run needs, built once at the CLI edge and passed in."""

    profile: ProfileSettings = Field(default_factory=ProfileSettings)
    sources: SourceSettings = Field(default_factory=SourceSettings)
    filters: FilterSettings = Field(default_factory=FilterSettings)
    ranker: RankerSettings = Field(default_factory=RankerSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    learning: LearningSettings = Field(default_factory=LearningSettings)
    path: Path | None = Field(None, exclude=True)
    """The file the settings came from, if any."""


_ENVIRONMENT = {
    "OPENAI_API_KEY": ("judge", "api_key"),
    "OPENAI_BASE_URL": ("judge", "base_url"),
}


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file at ``path`` (or ``papersift.toml`` if it exists) and the environment.

    Raises:
        ConfigError: the file cannot be read or parsed, or a value is not allowed.
    """
    env = os.environ if env is None else env
    chosen = path if path is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    data: dict[str, Any] = {} if chosen is None else _read_toml(chosen)

    for variable, (section, key) in _ENVIRONMENT.items():
        if env.get(variable):
            data.setdefault(section, {})[key] = env[variable]

    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, chosen, data) from None

    if chosen is not None:
        settings.path = chosen
        _resolve_paths(settings, chosen.parent)
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Config file {str(path)!r} does not exist.",
            "Create one with `papersift init`, or name another with --config PATH.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Config file {str(path)!r} cannot be read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Config file {str(path)!r} is not valid TOML: {exc}.",
            "Fix the line it names; TOML strings need quotes and tables [brackets].",
        ) from None


def _config_error(exc: ValidationError, path: Path | None, data: dict[str, Any]) -> ConfigError:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    where = f"Config file {str(path)!r}" if path else "The configuration"
    if error["type"] == "extra_forbidden":
        section = error["loc"][0] if len(error["loc"]) > 1 else None
        known = _known_keys(section)
        return ConfigError(
            f"{where}: unknown key {key!r}.",
            f"Allowed keys{f' in [{section}]' if section else ''}: {', '.join(known)}.",
        )
    value = error.get("input")
    shown = "***" if "api_key" in key else repr(value)
    more = (
        f" ({len(exc.errors()) - 1} more problem(s) after this one)"
        if len(exc.errors()) > 1
        else ""
    )
    return ConfigError(
        f"{where}: key {key!r} has the value {shown}, which is not allowed{more}.",
        f"Allowed: {error['msg']}.",
    )


def _known_keys(section: object) -> list[str]:
    model: type[BaseModel] = Settings
    if isinstance(section, str) and section in Settings.model_fields:
        annotation = Settings.model_fields[section].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return [name for name in model.model_fields if name != "path"]


def _resolve_paths(settings: Settings, base: Path) -> None:
    if not settings.profile.interests.is_absolute():
        settings.profile.interests = base / settings.profile.interests
    if not settings.output.dir.is_absolute():
        settings.output.dir = base / settings.output.dir
    if settings.ranker.model_path and not settings.ranker.model_path.is_absolute():
        settings.ranker.model_path = base / settings.ranker.model_path
    if settings.ranker.cache_dir and not settings.ranker.cache_dir.is_absolute():
        settings.ranker.cache_dir = base / settings.ranker.cache_dir
    if settings.learning.dir and not settings.learning.dir.is_absolute():
        settings.learning.dir = base / settings.learning.dir
