"""Unknown paths answer 404 and wrong methods 405, as JSON coded errors with the request id."""

import pytest


@pytest.mark.parametrize("path", ["/nope", "/graphql/extra", "/healthz/x", "/GRAPHQL"])
async def test_unknown_paths_are_json_404(client, path):
    response = await client.get(path, headers={"x-request-id": "nf-1"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "nf-1"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "NOT_FOUND", "requestId": "nf-1"}
    assert path in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("PUT", "/graphql", "POST"), ("DELETE", "/graphql", "GET"), ("POST", "/healthz", "GET")],
)
async def test_wrong_methods_are_json_405_with_allow(client, method, path, allowed):
    response = await client.request(method, path, headers={"x-request-id": "m-1"})
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"
    assert allowed in response.headers["allow"]
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "requestId": "m-1"}
    assert method in error["message"] and allowed in error["message"]
