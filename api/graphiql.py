"""The self-hosted GraphiQL IDE: its page, and its assets served from the API's own origin.

The assets (GraphiQL 5 with the explorer plugin, React and Monaco's workers) are built from
npm packages by `scripts/vendor_graphiql.sh` and committed in `api/static/graphiql/assets/`,
with their licences in `api/static/graphiql/LICENSES.md`: the page loads nothing from outside,
so it works offline and under the strict Content-Security-Policy it is served with (no inline
script; `style-src 'unsafe-inline'` because Monaco adds its styles at run time). Asset URLs
carry a digest of the build (`/graphql/static/<digest>/graphiql.js`), so they are cached for a
year. See docs/graphiql.md.
"""

import gzip
import hashlib
import html
from functools import cache
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

ASSETS = Path(__file__).parent / "static" / "graphiql" / "assets"
STATIC_PREFIX = "/graphql/static"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
}
IMMUTABLE = "public, max-age=31536000, immutable"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "worker-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

# The demo topic's example query, as in README.md (tests/test_graphiql.py checks they agree).
DEFAULT_QUERY = """\
# The demo topic. Run it: the pink button, or Ctrl-Enter.
# Explorer and Docs: the icons on the far left.
# An API key (for writes) goes in the Headers tab below.
{
  topic(slug: "qualified-immunity-ice") {
    name
    bills { nodes { billId shortTitle } }
    statements {
      nodes {
        quote
        said { text precision }
        speaker {
          __typename
          ... on Person { name description }
          ... on Legislator { bioguideId fullName: name { officialFull } }
          ... on Organization { name }
        }
        sources { nodes { title url } }
      }
    }
    incidents {
      nodes {
        kind
        occurred { text precision }
        location { city state }
        people { nodes { role age person { name } } }
        sources { nodes { url publisher } }
      }
    }
  }
}
"""

DEFAULT_HEADERS = """\
{
  // Reading needs no key. For writes (redress keys create):
  // "Authorization": "Bearer <your API key>"
}
"""

PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Redress GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{static}/graphiql.css">
    <script type="module" src="{static}/graphiql.js"></script>
  </head>
  <body style="margin: 0">
    <div id="graphiql" style="height: 100vh"
         data-endpoint="{endpoint}"
         data-default-query="{query}"
         data-default-headers="{headers}">Loading GraphiQL…</div>
  </body>
</html>
"""


@cache
def digest() -> str:
    """A short SHA-256 of every asset's name and bytes: it changes with each build."""
    sha = hashlib.sha256()
    for path in sorted(ASSETS.iterdir()):
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:16]


def page(request: Request) -> HTMLResponse:
    """The GraphiQL page for the endpoint at `request`'s path, with its CSP header."""
    body = PAGE.format(
        static=f"{STATIC_PREFIX}/{digest()}",
        endpoint=html.escape(request.url.path),
        query=html.escape(DEFAULT_QUERY),
        headers=html.escape(DEFAULT_HEADERS),
    )
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@cache
def _asset(name: str) -> tuple[bytes, bytes] | None:
    """An asset's bytes and their gzip, read once; None for a name that is not an asset.

    An asset too large to commit plainly (the GraphiQL bundle, 5 MB) is stored as `NAME.gz`,
    as scripts/vendor_graphiql.sh writes it, and served from that.
    """
    path = ASSETS / name
    if path.suffix not in MEDIA_TYPES or "/" in name:
        return None
    packed_path = path.with_name(name + ".gz")
    if packed_path.is_file():
        packed = packed_path.read_bytes()
        return gzip.decompress(packed), packed
    if not path.is_file():
        return None
    raw = path.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


async def asset(request: Request) -> Response:
    """GET `/graphql/static/{version}/{name}`: one asset of this build, cached for a year.

    A version other than this build's digest, or an unknown name, answers 404 (as JSON, via
    the app's 404 handler), so a stale page never gets new files under an old URL.
    """
    name = request.path_params["name"]
    found = _asset(name) if request.path_params["version"] == digest() else None
    if found is None:
        raise HTTPException(404, f"no GraphiQL asset {name!r} in this build")
    raw, packed = found
    headers = {
        "Cache-Control": IMMUTABLE,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    body = raw
    if "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["Content-Encoding"] = packed, "gzip"
    return Response(body, media_type=MEDIA_TYPES[Path(name).suffix], headers=headers)
