"""The `redress` command: serve, migrate, load and export-schema."""

import argparse
import asyncio
import logging
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
            import_paths(url, args.paths, fmt=args.format, dry_run=args.dry_run, progress=True)
        )
    except ImportFailure as failure:
        print(f"redress import: {failure}", file=sys.stderr)
        return 1
    print(summary)
    if args.dry_run:
        print("dry run: nothing was written")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    url, _server = database_url(settings)
    if args.prepare:
        from db.load import load_shipped
        from db.migrate import migrate

        asyncio.run(migrate(url))
        print(asyncio.run(load_shipped(url, settings.data_dir)))
    app = create_app(settings, url=url)
    print(f"GraphiQL: http://{settings.host}:{settings.port}/graphql", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


def cmd_export_schema(_settings: Settings, _args: argparse.Namespace) -> int:
    from schema.root import schema

    sys.stdout.write(schema.as_str() + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="redress", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL at /graphql)")
    serve.add_argument(
        "--prepare", action="store_true", help="migrate and load the shipped data first"
    )
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(run=cmd_migrate)
    sub.add_parser("load", help="load the data shipped in data/").set_defaults(run=cmd_load)
    importer = sub.add_parser("import", help="import files in any supported format")
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    importer.add_argument("--format", help="skip detection and read every file as this format")
    importer.add_argument(
        "--dry-run", action="store_true", help="import, report, then roll everything back"
    )
    importer.set_defaults(run=cmd_import)
    sub.add_parser("export-schema", help="print the schema as SDL").set_defaults(
        run=cmd_export_schema
    )
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `redress` console script."""
    args = parser().parse_args(argv)
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    return int(args.run(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
