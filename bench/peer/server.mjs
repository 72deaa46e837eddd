// PostGraphile v5 on the benchmark database: the peer bench/run.py compares against.
// Usage: DATABASE_URL=postgresql://... PORT=8766 node server.mjs  (Node >= 22)
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 8766);

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      // The same pool size as the Python server's default (REDRESS_POOL_MAX=10).
      poolConfig: { max: 10 },
    }),
  ],
  grafserv: { host, port, graphqlPath: "/graphql", graphiql: false, websockets: false },
  // Lets bench/run.py count the SQL statements of one request (header X-GraphQL-Explain: sql);
  // requests without the header are not affected.
  grafast: { explain: ["sql"] },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.once("listening", () => console.log(`PostGraphile listening on http://${host}:${port}/graphql`));
serv.addTo(server);
server.listen(port, host);

const stop = async () => {
  server.close();
  await pgl.release();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
