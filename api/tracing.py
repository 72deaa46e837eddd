"""OpenTelemetry traces: one trace per request, with GraphQL resolver and SQL spans.

Three libraries make the spans: opentelemetry-instrumentation-starlette (the HTTP request),
Strawberry's own `OpenTelemetryExtension` (the operation, parsing, validation and each
resolver that is not a plain attribute read) and opentelemetry-instrumentation-asyncpg (each
SQL statement, without its parameters). `REDRESS_TRACING` chooses the exporter: `off` (the
default: no instrumentation at all), `console` (spans printed to stdout) or `otlp` (OTLP over
HTTP, configured by the standard `OTEL_EXPORTER_OTLP_*` variables; needs the `otlp` extra).
The service is named by `OTEL_SERVICE_NAME` (default `redress`). See docs/operations.md.
"""

import os
from collections.abc import Callable
from functools import partial
from typing import Any

from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.starlette import StarletteInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from starlette.applications import Starlette
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

DROPPED_ARGUMENTS = frozenset({"input"})


class TracingUnavailable(RuntimeError):
    """The exporter `REDRESS_TRACING` names cannot be used in this installation."""


def exporter_for(name: str) -> SpanExporter:
    """The span exporter `REDRESS_TRACING` names (`console` or `otlp`).

    Raises TracingUnavailable for `otlp` without the `otlp` extra installed.
    """
    if name == "console":
        return ConsoleSpanExporter()
    if name == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError as error:
            raise TracingUnavailable(
                "REDRESS_TRACING=otlp needs the OTLP exporter: pip install -e '.[otlp]'"
            ) from error
        return OTLPSpanExporter()
    raise TracingUnavailable(f"no span exporter named {name!r}: use off, console or otlp")


def tracer_provider(exporter: str) -> TracerProvider | None:
    """A provider sending spans in batches to the named exporter; None when it is `off`."""
    if exporter == "off":
        return None
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "redress")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter_for(exporter)))
    return provider


def without_payloads(arguments: dict[str, Any], _info: Any) -> dict[str, Any]:
    """Resolver arguments as span attributes, less mutation payloads (`input`)."""
    return {name: value for name, value in arguments.items() if name not in DROPPED_ARGUMENTS}


def graphql_extension(provider: TracerProvider) -> Callable[[], SchemaExtension]:
    """A factory of Strawberry's OpenTelemetry extension (one per request) on `provider`."""
    return partial(OpenTelemetryExtension, tracer_provider=provider, arg_filter=without_payloads)


def instrument(app: Starlette, provider: TracerProvider) -> None:
    """Trace `app`'s HTTP requests and every asyncpg statement of this process on `provider`.

    asyncpg's instrumentation patches the driver's classes, so it holds for the whole process
    and the first provider given; `uninstrument_database` undoes it.
    """
    StarletteInstrumentor.instrument_app(app, tracer_provider=provider)
    database = AsyncPGInstrumentor()
    if not database.is_instrumented_by_opentelemetry:
        database.instrument(tracer_provider=provider)


def uninstrument_database() -> None:
    """Stop tracing asyncpg statements (tests, or a process that switches providers)."""
    database = AsyncPGInstrumentor()
    if database.is_instrumented_by_opentelemetry:
        database.uninstrument()
