"""schema/compat.py: the only home of private library APIs, and its start-up version check."""

import re
import tomllib
import warnings

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from api.settings import ROOT
from schema.compat import TESTED, SupportedRange, UnsupportedDependency, check_versions, unsupported

# Modules whose names the libraries document for applications. Anything else of strawberry,
# any graphql-core submodule and cross-web (Strawberry's internal HTTP layer) is private.
PUBLIC = {
    "graphql",
    "strawberry",
    "strawberry.asgi",
    "strawberry.dataloader",
    "strawberry.extensions",
    "strawberry.extensions.tracing",
    "strawberry.http",  # process_result and GraphQLHTTPResponse, for custom views
    "strawberry.relay",
    "strawberry.scalars",
    "strawberry.types",
    "strawberry.types.nodes",  # SelectedField, the type of Info.selected_fields
    "strawberry.types.unset",  # UNSET, also exported as strawberry.UNSET
}
_IMPORT = re.compile(r"^\s*(?:from|import)\s+((?:strawberry|graphql|cross_web)[\w.]*)", re.M)


def test_the_installed_versions_are_supported() -> None:
    assert unsupported() == []


def test_the_tested_ranges_are_the_declared_ones() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        requirement.name: requirement.specifier
        for requirement in map(Requirement, project["dependencies"])
    }
    for item in TESTED:
        assert declared[item.distribution] == SpecifierSet(item.supported), item.distribution
        assert any(spec.operator == "<" for spec in declared[item.distribution]), (
            f"{item.distribution} needs an upper bound: the private API may change"
        )


def test_an_unsupported_version_is_named_with_the_supported_range() -> None:
    tested = (
        SupportedRange("strawberry-graphql", ">=0.338,<0.342"),
        SupportedRange("cross-web", ">=0.6,<0.10"),
    )
    installed: dict[str, str | None] = {"strawberry-graphql": "0.350.0", "cross-web": None}
    problems = unsupported(tested, installed)
    assert problems == [
        "strawberry-graphql 0.350.0 is not supported (supported: >=0.338,<0.342)",
        "cross-web is not installed (supported: >=0.6,<0.10)",
    ]
    with pytest.raises(UnsupportedDependency) as raised:
        check_versions(tested, installed, allow_untested=False)
    message = str(raised.value)
    assert "strawberry-graphql 0.350.0 is not supported" in message
    assert "cross-web is not installed" in message
    assert "constraints.txt" in message and "REDRESS_ALLOW_UNTESTED_DEPENDENCIES=1" in message


def test_allowing_untested_versions_warns_instead() -> None:
    tested = (SupportedRange("graphql-core", ">=3.3.0,<3.4"),)
    with pytest.warns(RuntimeWarning, match=r"graphql-core 3\.4\.0 is not supported"):
        check_versions(tested, {"graphql-core": "3.4.0"}, allow_untested=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_versions(tested, {"graphql-core": "3.3.2"}, allow_untested=False)


def test_private_imports_live_only_in_the_compat_module() -> None:
    outside = []
    for package in ("api", "schema", "loaders", "db"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "schema" / "compat.py":
                continue
            for module in _IMPORT.findall(path.read_text()):
                if module not in PUBLIC:
                    outside.append(f"{path.relative_to(ROOT)}: {module}")
    assert outside == [], "import these through schema/compat.py"
