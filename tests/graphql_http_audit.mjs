// Runs the graphql-http audit suite against a running server and prints the results as JSON.
// Usage: node graphql_http_audit.mjs <graphql url> <folder holding node_modules/graphql-http>
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [url, prefix] = process.argv.slice(2);
const require = createRequire(join(prefix, 'package.json'));
const { auditServer } = require('graphql-http');

const results = await auditServer({ url });
console.log(JSON.stringify(results.map(({ id, name, status, reason }) => ({ id, name, status, reason }))));
