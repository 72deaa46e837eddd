"""The `redress` command: serve, migrate, load, import, keys and export-schema."""

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from api.settings import Settings, load_settings

log = logging.getLogger("redress")


def database_url(settings: Settings) -> tuple[str, Any]:
    """DATABASE_URL, or else the URL of an embedded server (and its handle, to keep alive)."""
    if settings.database_url is not None:
        return str(settings.database_url), None
    from db.embedded import start_embedded

    log.info("DATABASE_URL is unset: starting an embedded PostgreSQL in %s", settings.embedded_dir)
    return start_embedded(settings.embedded_dir)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from db.migrate import migrate

    url, _server = database_url(settings)
    applied = asyncio.run(migrate(url))
    print(f"applied {len(applied)} migration(s)" + "".join(f"\n  {m.path.name}" for m in applied))
    return 0


def cmd_load(settings: Settings, _args: argparse.Namespace) -> int:
    from db.importers.errors import ImportFailure
    from db.load import load_shipped
    from db.migrate import migrate

    url, _server = database_url(settings)
    asyncio.run(migrate(url))
    try:
        summary = asyncio.run(load_shipped(url, settings.data_dir))
    except ImportFailure as failure:
        print(f"redress load: {failure}", file=sys.stderr)
        return 1
    print(summary)
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from db.importers.errors import ImportFailure
    from db.load import import_paths
    from db.migrate import migrate

    url, _server = database_url(settings)
    asyncio.run(migrate(url))
    try:
        summary = asyncio.run(
            import_paths(
                url,
                args.paths,
                fmt=args.format,
                dry_run=args.dry_run,
                progress=True,
                data_dir=settings.data_dir,
                keep_going=args.keep_going,
                strict=args.strict,
            )
        )
    except ImportFailure as failure:
        print(f"redress import: {failure}", file=sys.stderr)
        return 1
    print(summary)
    if args.dry_run:
        print("dry run: nothing was written")
    if summary.refused:
        print(f"redress import: {summary.refusals()}", file=sys.stderr)
        return 1
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.logs import configure as configure_logging
    from api.runtime import tune_garbage_collector

    busy = port_in_use(settings.host, settings.port)
    if busy is not None:
        print(
            f"redress serve: cannot listen on {settings.host}:{settings.port}: {busy}."
            " Stop what uses it, or choose another port with REDRESS_PORT.",
            file=sys.stderr,
        )
        return 2
    from db.embedded import stop_embedded

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = None
    configure_logging(settings.log_level)  # JSON lines from here on; api.logs writes the access log
    try:
        url, server = database_url(settings)
        if args.prepare:
            from db.load import load_shipped
            from db.migrate import migrate

            asyncio.run(migrate(url))
            print(asyncio.run(load_shipped(url, settings.data_dir)))
        app = create_app(settings, url=url)
        tune_garbage_collector()
        print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql", flush=True)
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            log_config=None,
            access_log=False,
        )
    except Stopped:
        pass  # uvicorn shut down gracefully, then passed the signal on
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_embedded(server)
    return 0


class Stopped(Exception):
    """SIGINT or SIGTERM arrived: the server stops, and the embedded PostgreSQL with it."""


def _stop(signum: int, _frame: Any) -> None:
    """uvicorn handles these signals while it runs and raises them again once it has shut
    down; by default SIGTERM would then end the process before the embedded PostgreSQL is
    stopped, and SIGINT would print a traceback."""
    raise Stopped(signal.Signals(signum).name)


def port_in_use(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (already in use, say), or None when it can.

    Checked before anything is started or loaded; binding as uvicorn does (SO_REUSEADDR), so a
    port left in TIME_WAIT by a previous run counts as free.
    """
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return f"unknown host ({error.strerror})"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return error.strerror or str(error)
    return None


def cmd_export_schema(_settings: Settings, _args: argparse.Namespace) -> int:
    from schema.root import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from api.export import ExportFailure, export_command, summary
    from db.export import EXPORTS

    url, _server = database_url(settings)
    formats = ["ndjson", "csv"] if args.format == "both" else [args.format]
    names = args.entities or list(EXPORTS)

    try:
        manifest = export_command(url, args.directory, names, formats, args.gzip)
    except ExportFailure as failure:
        print(f"redress export: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the export removed its unfinished files
        print("redress export: interrupted; no file was left half-written", file=sys.stderr)
        return 130
    print(summary(manifest))
    return 0


def export_entities(value: str) -> list[str]:
    """`--entities a,b`: the names of /export/ (docs/export.md)."""
    from api.export import entity_names

    try:
        return entity_names(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_export_command(sub: Any) -> None:
    """`redress export DIR [--format ndjson|csv|both] [--gzip] [--entities a,b]`."""
    command = sub.add_parser(
        "export", help="write every live record and a manifest from one snapshot (bulk export)"
    )
    command.add_argument("directory", type=Path, metavar="DIR", help="created if missing")
    command.add_argument("--format", choices=["ndjson", "csv", "both"], default="ndjson")
    command.add_argument("--gzip", action="store_true", help="write NAME.FORMAT.gz files")
    command.add_argument(
        "--entities",
        type=export_entities,
        metavar="A,B",
        help="only these, named as in /export/ (default: all; docs/export.md)",
    )
    command.set_defaults(run=cmd_export)


def cmd_prune_changes(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from db import changes
    from db.migrate import migrate
    from db.pool import connect

    days = settings.changes_retention_days if args.older_than is None else args.older_than
    if days <= 0:
        print("redress prune-changes: the retention is 0 (keep forever): nothing to do")
        return 0
    url, _server = database_url(settings)
    asyncio.run(migrate(url))

    async def prune() -> int:
        database = await connect(url)
        try:
            return await changes.prune(database, timedelta(days=days))
        finally:
            await database.close()

    print(f"pruned {asyncio.run(prune())} change(s) older than {days} day(s)")
    return 0


def key_name(value: str) -> str:
    """A key's name: 1 to 200 characters."""
    if not 1 <= len(value.strip()) <= 200:
        raise argparse.ArgumentTypeError("a key's name has 1 to 200 characters")
    return value.strip()


async def keys_create(url: str, args: argparse.Namespace) -> int:
    """Create a key and print it, once: only its hash is stored."""
    import asyncpg

    from db import keys
    from db.pool import Executor

    conn = await asyncpg.connect(url)
    try:
        key, secret = await keys.create(Executor(conn), args.name, args.role)
    finally:
        await conn.close()
    print(secret)
    print(
        f"created key {key.id} {key.name!r} with the {key.role} role."
        " This is the only time the key is shown: store it now.",
        file=sys.stderr,
    )
    return 0


async def keys_list(url: str, _args: argparse.Namespace) -> int:
    """List the keys (never the keys themselves)."""
    import asyncpg

    from db import keys
    from db.pool import Executor

    conn = await asyncpg.connect(url)
    try:
        found = await keys.listing(Executor(conn))
    finally:
        await conn.close()

    def when(moment: Any) -> str:
        return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")

    print(f"{'id':>4}  {'role':<6}  {'created':<16}  {'last used':<16}  {'revoked':<16}  name")
    for k in found:
        print(
            f"{k.id:>4}  {k.role:<6}  {when(k.created_at):<16}  {when(k.last_used_at):<16}"
            f"  {when(k.revoked_at):<16}  {k.name}"
        )
    return 0


async def keys_revoke(url: str, args: argparse.Namespace) -> int:
    """Revoke a key by id; it fails from the next request on."""
    import asyncpg

    from db import keys
    from db.pool import Executor

    conn = await asyncpg.connect(url)
    try:
        revoked = await keys.revoke(Executor(conn), args.id)
        existing = None if revoked else await keys.by_id(Executor(conn), args.id)
    finally:
        await conn.close()
    if revoked is not None:
        print(f"revoked key {revoked.id} {revoked.name!r}")
        return 0
    if existing is None:
        print(f"redress keys revoke: no key with id {args.id}", file=sys.stderr)
    else:
        print(f"redress keys revoke: key {args.id} was already revoked", file=sys.stderr)
    return 1


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from db.migrate import migrate

    url, _server = database_url(settings)
    asyncio.run(migrate(url))
    return int(asyncio.run(args.keys_run(url, args)))


def add_keys_commands(sub: Any) -> None:
    """`redress keys create|list|revoke`."""
    group = sub.add_parser("keys", help="create, list and revoke API keys")
    group.set_defaults(run=cmd_keys)
    actions = group.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--role", required=True, choices=["reader", "editor", "admin"])
    create.add_argument("--name", required=True, type=key_name, help="who or what uses it")
    create.set_defaults(keys_run=keys_create)
    actions.add_parser("list", help="list the keys (never the keys themselves)").set_defaults(
        keys_run=keys_list
    )
    revoke = actions.add_parser("revoke", help="revoke a key; it fails from the next request")
    revoke.add_argument("id", type=int, help="the key's id, as `keys list` shows it")
    revoke.set_defaults(keys_run=keys_revoke)


def package_version() -> str:
    """The installed package's version (from its metadata, as pyproject.toml sets it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("redress")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def format_names() -> list[str]:
    """The names `redress import --format` takes."""
    from db.load import FORMAT_NAMES

    return list(FORMAT_NAMES)


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="redress", description=__doc__)
    top.add_argument("--version", action="version", version=f"redress {package_version()}")
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql)")
    serve.add_argument(
        "--prepare", action="store_true", help="migrate and load the shipped data first"
    )
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(run=cmd_migrate)
    sub.add_parser("load", help="load the data shipped in data/").set_defaults(run=cmd_load)
    importer = sub.add_parser(
        "import",
        help="import files, folders (recursively) and zip archives in any supported format",
    )
    importer.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a file, a folder or a .zip archive"
    )
    importer.add_argument(
        "--format",
        metavar="NAME",
        help="skip detection and read every file as this format: " + ", ".join(format_names()),
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="import, report, then roll everything back"
    )
    importer.add_argument(
        "--keep-going",
        action="store_true",
        help="import every good file, then exit 1 listing the refused files and why",
    )
    importer.add_argument(
        "--strict",
        action="store_true",
        help="refuse a file that carries keys, elements or attributes no importer reads",
    )
    importer.set_defaults(run=cmd_import)
    sub.add_parser("export-schema", help="print the schema as SDL").set_defaults(
        run=cmd_export_schema
    )
    prune = sub.add_parser(
        "prune-changes",
        help="remove change-feed entries older than the retention (REDRESS_CHANGES_RETENTION_DAYS)",
    )
    prune.add_argument("--older-than", type=int, metavar="DAYS", help="instead of the setting")
    prune.set_defaults(run=cmd_prune_changes)
    add_keys_commands(sub)
    add_export_command(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `redress` console script."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ValueError as error:  # a setting out of range: one line, not a traceback
        print(f"redress: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    return int(args.run(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
