// Bundles the GraphiQL page and Monaco's workers into $OUT_DIR and writes the licence of every
// npm package that went into them to $LICENSES (run by scripts/vendor_graphiql.sh).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const common = {
  bundle: true,
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
  define: { "process.env.NODE_ENV": '"production"' },
  target: ["es2022"],
  outdir: process.env.OUT_DIR,
};

const page = await build({
  ...common,
  entryPoints: { graphiql: "main.jsx" },
  format: "esm",
  jsx: "automatic",
  loader: { ".ttf": "file", ".woff": "file", ".woff2": "file", ".svg": "file" },
  assetNames: "[name]",
});

const workers = await build({
  ...common,
  entryPoints: {
    "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
    "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
    "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
  },
  format: "iife",
});

// Every package a bundled file came from, e.g. node_modules/@graphiql/react/dist/x.js.
const packages = new Set();
for (const result of [page, workers]) {
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match) packages.add(match[1]);
  }
}

function licenceText(dir) {
  const name = readdirSync(dir).find((file) => /^(licen[cs]e|copying)/i.test(file));
  return name ? readFileSync(join(dir, name), "utf8").trim() : null;
}

const sections = [...packages].sort().map((name) => {
  const dir = join("node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const text = licenceText(dir) ?? `(no licence file in the package; package.json says ${meta.license})`;
  return `## ${name} ${meta.version}\n\nLicence: ${meta.license}\n\n\`\`\`text\n${text}\n\`\`\`\n`;
});

writeFileSync(
  process.env.LICENSES,
  "# Licences of the GraphiQL assets\n\n" +
    "The files in `assets/` are built by `scripts/vendor_graphiql.sh` from these npm packages " +
    "(versions pinned in `src/package-lock.json`), bundled and minified by esbuild. " +
    "Each package's licence follows.\n\n" +
    sections.join("\n"),
);
