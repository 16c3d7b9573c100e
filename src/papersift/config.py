"""The settings: one TOML file, then the environment for secrets, then command-line flags.

The file is ``papersift.toml`` in the working directory unless ``--config`` names another. Every
section is a pydantic model that forbids unknown keys, so a misspelt key is an error rather than a
setting silently ignored. Relative paths in the file are taken relative to the file itself.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from papersift._config_errors import expected, section_hint, shown_value, toml_kind
from papersift.calendar import HOLIDAYS
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
    holidays: list[dt.date] = Field(default_factory=list)
    """Weekdays without an arXiv listing, beyond the built-in table (New Year, Thanksgiving,
    Christmas); arXiv publishes its schedule each year."""

    @property
    def no_listing_days(self) -> frozenset[dt.date]:
        """The built-in holidays and the configured ones."""
        return HOLIDAYS | frozenset(self.holidays)


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
            raise ValueError(f"a list of at least one of {', '.join(ANNOUNCE_TYPES)}")
        return value


class RankerSettings(_Section):
    """The local, free ranker."""

    kind: Literal["embedding", "tfidf", "hybrid"] = "hybrid"
    """``hybrid`` (embedding plus TF-IDF, each standardised within the day) measured best."""
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
    max_papers: int | None = Field(None, ge=0)
    """Cascade: judge at most this many of the ranker's top papers; unset judges every paper."""
    share: float | None = Field(0.6, gt=0, le=1)
    """Cascade: judge this share of the ranker's top papers (0.3 is the top 30 %); unset judges
    every paper. With the hybrid ranker, 0.6 kept 97 % of what judging every paper selected on
    judged astro-ph days, for 62 % of the tokens (README, selection quality)."""
    learned_share: float | None = Field(0.45, gt=0, le=1)
    """Cascade share once the learned ranker has its full weight (``[learning] max_weight``),
    when smaller than ``share``; unset keeps ``share``. On judged astro-ph days, learning as it
    went, 0.45 kept 98 % of what judging every paper selected, at 36 % of the recorded tokens
    (README, the judge benchmark)."""
    min_relevance: float | None = Field(None, ge=0, le=10)
    """Judged papers below this relevance are not selected."""
    min_novelty: float | None = Field(None, ge=0, le=10)
    relevance_weight: float = 1.0
    """Weights of the judge's scores in the order of judged papers."""
    novelty_weight: float = 0.0
    title_pass: bool = False
    """Ask first about titles only and skip the papers the model is sure are irrelevant."""
    title_cutoff: float = Field(2.0, ge=0, le=10)
    """In the title pass, papers at or below this relevance are dropped."""
    batch_size: int | None = Field(None, ge=1, le=200)
    """Papers per request; unset adapts the size to the day's volume."""
    max_batch_size: int = Field(30, ge=1, le=200)
    """Largest adaptive batch: bigger batches share the static prompt but risk long replies."""
    batching: Literal["economical", "spread"] = "economical"
    """Adaptive batches: ``economical`` fills as few batches as ``max_batch_size`` allows, so the
    static prompt is paid for as few times as possible, and asks the papers several replies missed
    again together; ``spread`` spreads the papers over the ``concurrency`` requests in flight (at
    least 10 a batch) and asks each reply's missed papers again at once: faster, more tokens."""
    max_authors: int = Field(3, ge=0, le=100)
    """Authors shown to the judge per paper, the rest as "et al. (N authors)"; 0 shows none."""
    concurrency: int = Field(8, ge=1, le=64)
    """Requests in flight at once."""
    rpm: int | None = Field(None, ge=1)
    """Requests per minute allowed by the endpoint; unset means no limit of ours."""
    tpm: int | None = Field(None, ge=1)
    """Tokens per minute allowed by the endpoint."""
    max_retries: int = Field(4, ge=0, le=20)
    """Retries of one request by the SDK (429, 5xx, time-outs), with back-off and Retry-After."""
    timeout: float = Field(60.0, gt=0)
    """Seconds one request may take."""
    missing_retries: int = Field(2, ge=0, le=10)
    """Times papers missing from a reply are asked again before they count as judge failed."""
    budget_usd: float | None = Field(None, ge=0)
    """Hard limit of one run's cost; judging stops before a request would exceed it."""
    budget_tokens: int | None = Field(None, ge=0)
    """Hard limit of one run's tokens, prompt plus completion."""
    structured_output: bool = True
    """Ask for a JSON-schema reply; off for endpoints that reject ``response_format``."""
    temperature: float | None = Field(0.0, ge=0, le=2)
    """``"none"`` sends no temperature, for models that reject one (some reasoning models)."""
    max_tokens_param: Literal["max_tokens", "max_completion_tokens", "none"] = "max_tokens"
    """The name the endpoint wants for the reply limit; reasoning models want
    ``max_completion_tokens``; ``none`` sends no limit."""
    completion_tokens_per_paper: int = Field(90, ge=10)
    """Reply allowance per paper, used for the reply limit and for estimates."""
    extra_body: dict[str, Any] = Field(default_factory=dict)
    """Extra request fields some endpoints want, sent as given."""
    price_input: float | None = Field(None, ge=0)
    """US dollars per million prompt tokens, overriding the price table."""
    price_output: float | None = Field(None, ge=0)
    price_cached_input: float | None = Field(None, ge=0)
    system_prompt: Path | None = None
    """A file replacing the default system prompt; likewise the three below."""
    criteria: Path | None = None
    title_prompt: Path | None = None
    abstract_prompt: Path | None = None
    cache_file: Path | None = None
    """Where judgments are kept; defaults to the user's cache directory."""

    @field_validator("model")
    @classmethod
    def _model_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('a model name, such as "gpt-4.1-mini"')
        return value

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None  # written as "", as the starter config leaves addresses unset
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError(
                'an address starting with http:// or https://, e.g. "http://localhost:11434/v1"'
            )
        return value

    @field_validator("temperature", mode="before")
    @classmethod
    def _no_temperature(cls, value: object) -> object:
        # TOML has no null, so the word "none" leaves the parameter out.
        return None if isinstance(value, str) and value.strip().lower() == "none" else value


class OutputSettings(_Section):
    """Where the rendered digests go."""

    dir: Path = Path("out")
    formats: list[Literal["markdown", "json", "html"]] = Field(
        default_factory=lambda: ["markdown", "json"], min_length=1
    )
    send_empty: bool = False
    """Write a digest even on a day without announcements."""


class StoreSettings(_Section):
    """The SQLite database of papers, caches, runs and digests."""

    path: Path | None = None
    """The database file; defaults to ``papersift.sqlite3`` in the user's data directory."""
    lock_timeout: float = Field(60.0, ge=0)
    """Seconds a run waits for another run on the same database before giving up."""
    show_replacements: bool = False
    """Show again a paper already shown on an earlier day when it comes back as a new version."""


class SiteSettings(_Section):
    """The static archive site, rebuilt from the digest JSON files."""

    enabled: bool = False
    """Rebuild the site at the end of every ``papersift run``."""
    dir: Path | None = None
    """Where the site goes; defaults to ``site`` inside the output folder."""
    title: str = "papersift"
    base_url: str = ""
    """The address the site is published at, for the feed's absolute links; may stay empty."""
    feed_days: int = Field(30, ge=1)
    """How many of the latest days the Atom feed holds."""


class SlackSettings(_Section):
    """Posting the digest to Slack, by incoming webhook or bot token; off while neither is set."""

    webhook_url: SecretStr | None = None
    """Better given as ``SLACK_WEBHOOK_URL``; the URL is a secret and never echoed."""
    bot_token: SecretStr | None = None
    """Better given as ``SLACK_BOT_TOKEN``; used with ``channel`` when no webhook is set."""
    channel: str | None = None
    api_url: str = "https://slack.com/api/"
    top: int = Field(10, ge=1, le=100)
    """How many papers the message shows."""
    timeout: int = Field(30, ge=1)
    retries: int = Field(3, ge=0, le=10)
    """Further attempts on 429 (after ``Retry-After``), 500 and 503."""
    site_url: str = ""
    """A link to the published day page, shown under the papers when set."""


class EmailSettings(_Section):
    """Mailing the digest over SMTP; off while ``recipients`` is empty."""

    host: str = "localhost"
    port: int | None = Field(None, ge=1, le=65535)
    """Defaults to 587 for STARTTLS, 465 for implicit TLS and 25 without encryption."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password: SecretStr | None = None
    """Better given as ``SMTP_PASSWORD``; never echoed."""
    sender: str = "papersift@localhost"
    recipients: list[str] = Field(default_factory=list)
    subject: str = "arXiv digest {date}: {count} papers"
    """``{date}``, ``{count}`` and ``{profile}`` are filled in."""
    timeout: float = Field(30.0, gt=0)
    ca_file: Path | None = None
    """A certificate file to trust besides the system's, e.g. for a server's own certificate."""


class LearningSettings(_Section):
    """The learned ranker: what counts as a positive, how history is weighed and blended."""

    enabled: StrictBool = True
    """Blend the learned model in once the profile has history; off ranks by interests alone.
    Only true or false: a quoted "yes" or "false" is refused rather than guessed at."""
    dir: Path | None = None
    """Where the profile's examples, ratings and model are kept; defaults to the user data dir."""
    features: Literal["text", "embedding"] = "text"
    """What the model reads of a paper: TF-IDF of its words (``text``), or its MiniLM embedding
    (``embedding``, which needs an embedding-based ranker)."""
    positive_relevance: float = Field(7.0, ge=0, le=10)
    """A judged paper with at least this relevance is a positive example. Training on 7 and up
    found more of the judge's 8-and-up picks on judged astro-ph days than training on 8."""
    half_life_days: float = Field(90.0, gt=0)
    """Evidence this many days old counts half, so interests may drift."""
    min_days: int = Field(3, ge=0)
    """Judged days needed before the model gets any weight."""
    min_positives: int = Field(5, ge=0)
    """Positive examples needed before the model gets any weight."""
    full_days: int = Field(10, ge=1, validate_default=True)
    full_positives: int = Field(40, ge=1, validate_default=True)
    """With this many days and positives the model has its full weight."""
    max_weight: float = Field(0.9, ge=0, le=1)
    """The model's share of the blended score once history is full."""
    rating_weight: float = Field(3.0, gt=0)
    """A rating counts this many judged examples."""
    seed_weight: float = Field(1.0, gt=0)
    regularisation: float = Field(8.0, gt=0)
    """The logistic regression's inverse regularisation strength (scikit-learn's ``C``)."""

    @field_validator("full_days", "full_positives")
    @classmethod
    def _not_below_minimum(cls, value: int, info: ValidationInfo) -> int:
        low = "min_days" if info.field_name == "full_days" else "min_positives"
        minimum = info.data.get(low)
        if isinstance(minimum, int) and value < minimum:
            raise ValueError(
                f"a whole number at least {low} ({minimum}): the model's weight starts at "
                f"{low} and is full at {info.field_name}"
            )
        return value


class ZoteroSettings(_Section):
    """A Zotero library read through the Zotero web API, for ``papersift seed --zotero``."""

    base_url: str = "https://api.zotero.org"
    """The web API's address; change it for a self-hosted Zotero data server."""
    library_id: str | None = None
    """The user's numeric id (zotero.org/settings/keys) or the group's id."""
    library_type: Literal["user", "group"] = "user"
    api_key: SecretStr | None = None
    """Better given as ``ZOTERO_API_KEY``; public libraries need none. Never echoed."""
    collection: str | None = None
    """Read only this collection (its key, e.g. ``ABCD2345``); empty reads the whole library."""
    max_wait: float = Field(60.0, ge=0)
    """The longest pause papersift takes when the server asks for one (Backoff, Retry-After)."""
    retries: int = Field(2, ge=0, le=10)
    """How often a request answered with a 5xx status, or not answered, is sent again."""


class Settings(_Section):
    """Everything one run needs, built once at the CLI edge and passed in."""

    profile: ProfileSettings = Field(default_factory=ProfileSettings)
    sources: SourceSettings = Field(default_factory=SourceSettings)
    filters: FilterSettings = Field(default_factory=FilterSettings)
    ranker: RankerSettings = Field(default_factory=RankerSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    output: OutputSettings = Field(default_factory=OutputSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    site: SiteSettings = Field(default_factory=SiteSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    learning: LearningSettings = Field(default_factory=LearningSettings)
    zotero: ZoteroSettings = Field(default_factory=ZoteroSettings)
    path: Path | None = Field(None, exclude=True)
    """The file the settings came from, if any."""


_ENVIRONMENT = {
    "OPENAI_API_KEY": ("judge", "api_key"),
    "OPENAI_BASE_URL": ("judge", "base_url"),
    "PAPERSIFT_DB": ("store", "path"),
    "SLACK_WEBHOOK_URL": ("slack", "webhook_url"),
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_CHANNEL": ("slack", "channel"),
    "SMTP_HOST": ("email", "host"),
    "SMTP_PORT": ("email", "port"),
    "SMTP_USER": ("email", "user"),
    "SMTP_PASSWORD": ("email", "password"),
    "SMTP_FROM": ("email", "sender"),
    "ZOTERO_API_KEY": ("zotero", "api_key"),
}
_SECRET_KEYS = ("api_key", "webhook_url", "bot_token", "password")


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file at ``path`` (or ``papersift.toml`` if it exists) and the environment.

    Raises:
        ConfigError: the file cannot be read or parsed, or a value is not allowed.
    """
    env = os.environ if env is None else env
    chosen = path if path is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    data: dict[str, Any] = {} if chosen is None else _read_toml(chosen)

    from_env: dict[str, str] = {}
    for variable, (section, key) in _ENVIRONMENT.items():
        # A section written as something other than a table is reported below, not filled in.
        if env.get(variable) and isinstance(data.setdefault(section, {}), dict):
            data[section][key] = env[variable]
            from_env[f"{section}.{key}"] = variable

    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, chosen, data, from_env) from None

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


def _config_error(
    exc: ValidationError,
    path: Path | None,
    data: dict[str, Any],
    from_env: Mapping[str, str] | None = None,
) -> ConfigError:
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
    shown = "***" if any(secret in key for secret in _SECRET_KEYS) else shown_value(value)
    others = [".".join(str(part) for part in e["loc"]) for e in exc.errors()[1:]]
    more = f" (also not allowed: {', '.join(repr(k) for k in others)})" if others else ""
    if error["type"] == "model_type" and len(error["loc"]) == 1:
        defaults = _section_defaults(key)
        if isinstance(value, str) and any(s in k for k in defaults for s in _SECRET_KEYS):
            # A section that holds secrets may have been given one as its value: never echo it.
            shown, value = "***", "..."
        return ConfigError(
            f"{where}: {key!r} is {toml_kind(value)} ({shown}), but it must be a table of "
            f"settings{more}.",
            section_hint(key, value, defaults),
        )
    variable = (from_env or {}).get(key)
    subject = f"{where}: key {key!r}"
    if variable:
        subject = f"The environment variable {variable} (for key {key!r})"
    return ConfigError(
        f"{subject} has the value {shown} ({toml_kind(value)}), which is not allowed{more}.",
        f"Allowed: {expected(dict(error))}.",
    )


def _section_defaults(section: str) -> dict[str, Any]:
    model = Settings.model_fields[section].annotation
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
    }


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
    judge = settings.judge
    for name in ("system_prompt", "criteria", "title_prompt", "abstract_prompt", "cache_file"):
        value = getattr(judge, name)
        if value is not None and not value.is_absolute():
            setattr(judge, name, base / value)
    if settings.store.path and not settings.store.path.is_absolute():
        settings.store.path = base / settings.store.path
    if settings.site.dir and not settings.site.dir.is_absolute():
        settings.site.dir = base / settings.site.dir
    if settings.email.ca_file and not settings.email.ca_file.is_absolute():
        settings.email.ca_file = base / settings.email.ca_file
    if settings.learning.dir and not settings.learning.dir.is_absolute():
        settings.learning.dir = base / settings.learning.dir
