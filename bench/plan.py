"""How long the compiled path takes to plan each workload document (docs/compiled.md).

Usage: python bench/plan.py [--repeat N]. Prints, per workload, the mean time of
`schema.compiled.plan` (walk the operation, build the SQL) and of graphql-core's `parse`, in
microseconds. No database is needed: planning reads only the schema and db/model.py.
"""

import argparse
import json
import re
import time
from pathlib import Path

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values

from schema.compiled import plan
from schema.root import schema

WORKLOADS = Path(__file__).resolve().parent / "workloads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    repeat = parser.parse_args().repeat
    graphql_schema = schema._schema
    for path in sorted(WORKLOADS.glob("W*.graphql")):
        text = path.read_text()
        found = re.search(r"^# variables: (.*)$", text, re.MULTILINE)
        variables = json.loads(found.group(1)) if found else {}
        document = parse(text)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        coerced = get_variable_values(
            graphql_schema, operation.variable_definitions or (), variables
        )
        started = time.perf_counter()
        for _ in range(repeat):
            plan(graphql_schema, operation, fragments, coerced)
        planned = (time.perf_counter() - started) / repeat
        started = time.perf_counter()
        for _ in range(repeat):
            parse(text)
        parsed = (time.perf_counter() - started) / repeat
        print(f"{path.stem}: plan {planned * 1e6:.0f} us, parse {parsed * 1e6:.0f} us")


if __name__ == "__main__":
    main()
