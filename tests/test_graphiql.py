"""The GraphiQL page and its assets come from the API's own origin, with a strict CSP."""

import dataclasses
import gzip
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from api import graphiql
from api.app import create_app
from api.settings import ROOT, load_settings
from db.pool import Database

HTML = {"accept": "text/html"}


@pytest.fixture
async def browser_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(load_settings(), graphiql=True, rate_limit_anonymous=0)
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http


def _asset_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+)"', page)


async def test_the_page_loads_nothing_from_outside(browser_client):
    response = await browser_client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "unpkg" not in page and "cdn" not in page.lower()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "<script>" not in page  # no inline script: the CSP forbids it
    urls = _asset_urls(page)
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["graphiql.css", "graphiql.js"]
    assert all(u.startswith(f"/graphql/static/{graphiql.digest()}/") for u in urls)


async def test_the_page_has_a_strict_content_security_policy(browser_client):
    csp = (await browser_client.get("/graphql", headers=HTML)).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-eval" not in csp


async def test_assets_are_served_with_long_cache_headers_and_gzip(browser_client):
    page = (await browser_client.get("/graphql", headers=HTML)).text
    for url in _asset_urls(page):
        response = await browser_client.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        name = url.rsplit("/", 1)[1]
        assert response.content == committed_asset(name)
        plain = await browser_client.get(url, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == response.content

    worker = f"/graphql/static/{graphiql.digest()}/graphql.worker.js"
    response = await browser_client.get(worker, headers={"accept-encoding": "identity"})
    assert response.headers["content-type"].startswith("text/javascript")
    assert "content-encoding" not in response.headers


def committed_asset(name: str) -> bytes:
    """An asset's bytes as committed: the file, or its `.gz` decompressed."""
    packed = graphiql.ASSETS / f"{name}.gz"
    if packed.is_file():
        return gzip.decompress(packed.read_bytes())
    return (graphiql.ASSETS / name).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/graphql/static/0000000000000000/graphiql.js",  # an older build
        "/graphql/static/{digest}/package.json",
        "/graphql/static/{digest}/..%2Fgraphiql.py",
    ],
)
async def test_unknown_assets_are_404(browser_client, path):
    response = await browser_client.get(path.format(digest=graphiql.digest()))
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_page_opens_on_the_readme_demo_query():
    examples = re.findall(r"```graphql\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    demo = next(e for e in examples if 'topic(slug: "qualified-immunity-ice")' in e)
    query = "\n".join(
        line for line in graphiql.DEFAULT_QUERY.splitlines() if not line.startswith("#")
    )
    assert query.strip() == demo.strip()
    assert "Bearer <your API key>" in graphiql.DEFAULT_HEADERS


async def test_the_demo_query_runs(client):
    response = await client.post("/graphql", json={"query": graphiql.DEFAULT_QUERY})
    topic = response.json()["data"]["topic"]
    assert topic["name"] == "Qualified immunity for ICE agents"


def test_every_bundled_package_has_its_licence():
    licences = (graphiql.ASSETS.parent / "LICENSES.md").read_text()
    for package in ("graphiql 5.", "@graphiql/plugin-explorer 5.", "react 19.", "monaco-editor"):
        assert f"## {package}" in licences


async def test_no_assets_without_graphiql(database):
    settings = dataclasses.replace(load_settings(), graphiql=False)
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        response = await http.get(f"/graphql/static/{graphiql.digest()}/graphiql.js")
        assert response.status_code == 404
