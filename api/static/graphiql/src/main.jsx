// The GraphiQL page of Redress: GraphiQL 5 with the explorer plugin, bundled by esbuild
// (scripts/vendor_graphiql.sh) so that the page loads nothing from outside its own origin.
// Settings come from data attributes of #graphiql, so the page needs no inline script.
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL, HISTORY_PLUGIN } from "graphiql";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";

const workers = {
  json: "json.worker.js",
  graphql: "graphql.worker.js",
  editor: "editor.worker.js",
};

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = workers[label] || workers.editor;
    return new Worker(new URL(name, import.meta.url));
  },
};

const container = document.getElementById("graphiql");
const settings = container.dataset;
const fetcher = createGraphiQLFetcher({ url: settings.endpoint });

createRoot(container).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={[HISTORY_PLUGIN, explorerPlugin()]}
    defaultQuery={settings.defaultQuery}
    initialQuery={settings.defaultQuery}
    defaultHeaders={settings.defaultHeaders}
    initialHeaders={settings.defaultHeaders}
    isHeadersEditorEnabled
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={false}
  />,
);
