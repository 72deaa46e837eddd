"""Settings read from the environment: `DATABASE_URL` and `REDRESS_*`."""

from dataclasses import dataclass
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import Secret

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, resolved once at start-up."""

    database_url: Secret | None
    host: str
    port: int
    embedded_dir: Path
    data_dir: Path
    graphiql: bool
    introspection: bool
    pool_min_size: int
    pool_max_size: int
    statement_timeout_ms: int
    log_level: str
    redis_url: Secret | None = None
    rate_limit_anonymous: int = 600
    rate_limit_key: int = 6000
    max_body_bytes: int = 1_048_576
    request_timeout_s: float = 30.0
    cors_origins: tuple[str, ...] = ()
    response_cache_mb: int = 0
    metrics: str = "off"
    metrics_key: Secret | None = None
    tracing: str = "off"
    cache_prefix: str = "redress"
    # Subscriptions (docs/subscriptions.md): live ones per API key (or client address) in one
    # process, and how long one send to a client may take before it is closed as too slow.
    subscriptions_per_key: int = 5
    subscription_send_timeout_s: float = 10.0
    subscription_close_timeout_s: float = 10.0
    changes_retention_days: int = 90
    # Webhooks (docs/webhooks.md): the delivery worker and what registration allows.
    webhooks: bool = True
    webhook_allow_private: bool = False
    webhooks_per_key: int = 10
    webhook_timeout_s: float = 10.0
    webhook_batch: int = 100
    webhook_backoff_base_s: float = 5.0
    webhook_backoff_cap_s: float = 3600.0
    webhook_max_failures: int = 50
    webhook_poll_s: float = 5.0


METRICS_MODES = ("off", "open", "key")
TRACING_EXPORTERS = ("off", "console", "otlp")


def origins(value: str) -> tuple[str, ...]:
    """The origins in a comma-separated list, blanks dropped."""
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """`value` (lower-cased) when it is one of `allowed`; else ValueError naming `name`."""
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; it is {value!r}")
    return chosen


def metrics_access(mode: str, key: Secret | None) -> tuple[str, Secret | None]:
    """`REDRESS_METRICS` and `REDRESS_METRICS_KEY` checked together (docs/operations.md).

    `key` mode needs a key of at least 16 characters; ValueError otherwise.
    """
    chosen = one_of("REDRESS_METRICS", mode, METRICS_MODES)
    if chosen == "key" and (key is None or len(str(key)) < 16):
        raise ValueError("REDRESS_METRICS=key needs REDRESS_METRICS_KEY of 16 characters or more")
    return chosen, key if chosen == "key" else None


def load_settings(env_file: str | None = None) -> Settings:
    """Read the settings from the process environment (and an optional `.env` file)."""
    config = Config(env_file)
    url = config("DATABASE_URL", cast=Secret, default=None)
    redis = config("REDIS_URL", cast=Secret, default=None)
    production = config("REDRESS_ENV", default="development") == "production"
    metrics, metrics_key = metrics_access(
        config("REDRESS_METRICS", default="off" if production else "open"),
        config("REDRESS_METRICS_KEY", cast=Secret, default=None),
    )
    return Settings(
        database_url=url if url and str(url) else None,
        host=config("REDRESS_HOST", default="127.0.0.1"),
        port=config("REDRESS_PORT", cast=int, default=8000),
        embedded_dir=Path(config("REDRESS_EMBEDDED_DIR", default=str(ROOT / ".pgdata"))),
        data_dir=Path(config("REDRESS_DATA_DIR", default=str(ROOT / "data"))),
        graphiql=config("REDRESS_GRAPHIQL", cast=bool, default=not production),
        introspection=config("REDRESS_INTROSPECTION", cast=bool, default=not production),
        pool_min_size=config("REDRESS_POOL_MIN", cast=int, default=1),
        pool_max_size=config("REDRESS_POOL_MAX", cast=int, default=10),
        statement_timeout_ms=config("REDRESS_STATEMENT_TIMEOUT_MS", cast=int, default=5000),
        log_level=config("REDRESS_LOG_LEVEL", default="info"),
        redis_url=redis if redis and str(redis) else None,
        rate_limit_anonymous=config("REDRESS_RATE_LIMIT_ANONYMOUS", cast=int, default=600),
        rate_limit_key=config("REDRESS_RATE_LIMIT_KEY", cast=int, default=6000),
        max_body_bytes=config("REDRESS_MAX_BODY_BYTES", cast=int, default=1_048_576),
        request_timeout_s=config("REDRESS_REQUEST_TIMEOUT_S", cast=float, default=30.0),
        cors_origins=config("REDRESS_CORS_ORIGINS", cast=origins, default=""),
        response_cache_mb=config("REDRESS_RESPONSE_CACHE_MB", cast=int, default=64),
        cache_prefix=config("REDRESS_CACHE_PREFIX", default="redress"),
        subscriptions_per_key=config("REDRESS_SUBSCRIPTIONS_PER_KEY", cast=int, default=5),
        subscription_send_timeout_s=config(
            "REDRESS_SUBSCRIPTION_SEND_TIMEOUT_S", cast=float, default=10.0
        ),
        subscription_close_timeout_s=config(
            "REDRESS_SUBSCRIPTION_CLOSE_TIMEOUT_S", cast=float, default=10.0
        ),
        changes_retention_days=config("REDRESS_CHANGES_RETENTION_DAYS", cast=int, default=90),
        webhooks=config("REDRESS_WEBHOOKS", cast=bool, default=True),
        webhook_allow_private=config("REDRESS_WEBHOOK_ALLOW_PRIVATE", cast=bool, default=False),
        webhooks_per_key=config("REDRESS_WEBHOOKS_PER_KEY", cast=int, default=10),
        webhook_timeout_s=config("REDRESS_WEBHOOK_TIMEOUT_S", cast=float, default=10.0),
        webhook_batch=config("REDRESS_WEBHOOK_BATCH", cast=int, default=100),
        webhook_backoff_base_s=config("REDRESS_WEBHOOK_BACKOFF_BASE_S", cast=float, default=5.0),
        webhook_backoff_cap_s=config("REDRESS_WEBHOOK_BACKOFF_CAP_S", cast=float, default=3600.0),
        webhook_max_failures=config("REDRESS_WEBHOOK_MAX_FAILURES", cast=int, default=50),
        webhook_poll_s=config("REDRESS_WEBHOOK_POLL_S", cast=float, default=5.0),
        metrics=metrics,
        metrics_key=metrics_key,
        tracing=one_of(
            "REDRESS_TRACING", config("REDRESS_TRACING", default="off"), TRACING_EXPORTERS
        ),
    )
