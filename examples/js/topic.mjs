// A Redress topic with fetch: its bills, what was said (with sources) and its incidents.
//
// The same module runs in a browser (topic.html renders it) and in Node 18+ (it prints it):
//   node examples/js/topic.mjs [ENDPOINT] [SLUG]
// ENDPOINT defaults to http://127.0.0.1:8000/graphql (`make run`), SLUG to the demo topic.
// No dependencies, no build step: plain fetch and, in the browser, DOM calls that set text
// only (never innerHTML), so nothing in the data can become markup.

export const DEFAULT_ENDPOINT = "http://127.0.0.1:8000/graphql";
export const DEMO_TOPIC = "qualified-immunity-ice";

// Page sizes keep the query's cost (page sizes multiplied down the nesting) far under the
// API's limit; `totalCount` says when a list holds more than was shown.
export const TOPIC_QUERY = `
  query Topic($slug: String!) {
    topic(slug: $slug) {
      slug
      name
      description
      bills(first: 20) {
        totalCount
        nodes {
          billId
          shortTitle
          officialTitle
          introducedDate
          latestAction { date text }
          sponsorBioguideId
          sponsor { bioguideId name { officialFull published } }
          cosponsors { totalCount }
        }
      }
      statements(first: 50) {
        totalCount
        nodes {
          quote
          context
          said { text precision }
          speakerBioguideId
          speaker {
            __typename
            ... on Person { name description }
            ... on Organization { name }
            ... on Legislator { bioguideId legislatorName: name { officialFull published } }
          }
          sources(first: 10) { nodes { title url publisher published { text } } }
        }
      }
      incidents(first: 20) {
        totalCount
        nodes {
          kind
          occurred { text precision }
          location { city state facility }
          outcome
          description
          agencies(first: 10) { nodes { name abbreviation } }
          people(first: 10) { nodes { role age person { name } } }
          sources(first: 10) { nodes { title url publisher } }
        }
      }
    }
  }
`;

/** An error answered by the API: `codes` are the errors' `extensions.code`. */
export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => `${e.extensions?.code}: ${e.message}`).join("; "));
    this.name = "ApiError";
    this.errors = errors;
    this.codes = errors.map((e) => e.extensions?.code);
  }
}

/**
 * The topic `slug` from the GraphQL endpoint at `endpoint`, as TOPIC_QUERY shapes it.
 * Options: `headers` (e.g. `{Authorization: "Bearer <key>"}`), `fetch` (another fetch).
 * Throws ApiError when the answer carries errors (an unknown slug is NOT_FOUND), and Error
 * on an HTTP failure without a GraphQL answer.
 */
export async function fetchTopic(endpoint = DEFAULT_ENDPOINT, slug = DEMO_TOPIC, options = {}) {
  const { headers = {}, fetch: fetchImpl = globalThis.fetch } = options;
  const response = await fetchImpl(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify({ query: TOPIC_QUERY, variables: { slug } }),
  });
  const isJson = (response.headers.get("content-type") ?? "").startsWith("application/json");
  const body = isJson ? await response.json() : null;
  if (body?.errors?.length) throw new ApiError(body.errors);
  if (!response.ok || body === null) {
    throw new Error(`${endpoint} answered HTTP ${response.status}`);
  }
  return body.data.topic;
}

/** A legislator's name as the record gives it: official, else as published, else the id. */
export function legislatorName(name, bioguideId) {
  return name?.officialFull ?? name?.published ?? bioguideId ?? "unknown member";
}

/**
 * Who said it: a person, an organization or a legislator (with their bioguide id). A member
 * whom the data knows only by bioguide id (`speaker` null) is named by that id.
 */
export function speakerName(speaker, speakerBioguideId = null) {
  if (speaker === null) {
    return speakerBioguideId ? `member ${speakerBioguideId} (no record)` : "unknown speaker";
  }
  if (speaker.__typename === "Legislator") {
    return `${legislatorName(speaker.legislatorName, speaker.bioguideId)} (${speaker.bioguideId})`;
  }
  return speaker.name;
}

/** "2026-01 (month)": a fuzzy date with its precision; "date unknown" when there is none. */
export function fuzzyDate(date) {
  return date?.text ? `${date.text} (${date.precision.toLowerCase()})` : "date unknown";
}

/** A source in one line: title, publisher and URL, whichever are known. */
export function sourceLine(source) {
  return [source.title, source.publisher, source.url].filter(Boolean).join(" — ");
}

function sponsorLine(bill) {
  const sponsor = bill.sponsor;
  if (sponsor) return `${legislatorName(sponsor.name, sponsor.bioguideId)} (${sponsor.bioguideId})`;
  return bill.sponsorBioguideId ? `${bill.sponsorBioguideId} (no record)` : "none";
}

function more(connection) {
  const hidden = connection.totalCount - connection.nodes.length;
  return hidden > 0 ? [`  (${hidden} more not shown)`] : [];
}

/** The topic as lines of plain text, for a terminal. */
export function topicLines(topic) {
  const lines = [`${topic.name} (${topic.slug})`];
  if (topic.description) lines.push(topic.description);
  lines.push("", `Bills (${topic.bills.totalCount})`);
  for (const bill of topic.bills.nodes) {
    lines.push(`- ${bill.billId}: ${bill.shortTitle ?? bill.officialTitle}`);
    lines.push(
      `  introduced ${bill.introducedDate}; sponsor ${sponsorLine(bill)}; ${bill.cosponsors.totalCount} cosponsors`,
    );
    if (bill.latestAction) lines.push(`  latest: ${bill.latestAction.date} ${bill.latestAction.text}`);
  }
  lines.push(...more(topic.bills), "", `Statements (${topic.statements.totalCount})`);
  for (const statement of topic.statements.nodes) {
    lines.push(`- "${statement.quote}"`);
    lines.push(`  ${speakerName(statement.speaker, statement.speakerBioguideId)}, ${fuzzyDate(statement.said)}`);
    if (statement.context) lines.push(`  ${statement.context}`);
    for (const source of statement.sources.nodes) lines.push(`  source: ${sourceLine(source)}`);
  }
  lines.push(...more(topic.statements), "", `Incidents (${topic.incidents.totalCount})`);
  for (const incident of topic.incidents.nodes) {
    const place = [incident.location.facility, incident.location.city, incident.location.state];
    lines.push(
      `- ${incident.kind.toLowerCase()}, ${fuzzyDate(incident.occurred)}, ${place.filter(Boolean).join(", ")}`,
    );
    for (const involved of incident.people.nodes) {
      const age = involved.age === null ? "" : `, ${involved.age}`;
      lines.push(`  ${involved.role.toLowerCase()}: ${involved.person.name}${age}`);
    }
    const agencies = incident.agencies.nodes.map((a) => a.abbreviation ?? a.name);
    if (agencies.length) lines.push(`  agencies: ${agencies.join(", ")}`);
    if (incident.outcome) lines.push(`  outcome: ${incident.outcome}`);
    if (incident.description) lines.push(`  ${incident.description}`);
    for (const source of incident.sources.nodes) lines.push(`  source: ${sourceLine(source)}`);
  }
  lines.push(...more(topic.incidents));
  return lines;
}

function element(document, tag, text, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  node.append(...children);
  return node;
}

// A paragraph, or nothing when there is no text.
function paragraphs(document, ...texts) {
  return texts.filter(Boolean).map((text) => element(document, "p", text));
}

function sourceItem(document, source) {
  const item = element(document, "li");
  if (source.url) {
    const link = element(document, "a", source.title ?? source.url);
    link.href = source.url;
    link.rel = "noopener noreferrer";
    item.append(link);
  } else {
    item.append(element(document, "cite", source.title));
  }
  if (source.publisher) item.append(` — ${source.publisher}`);
  return item;
}

/** Renders the topic into the DOM element `root` (its contents are replaced). */
export function renderTopic(topic, root) {
  const document = root.ownerDocument;
  const section = (title, connection, render) =>
    element(document, "section", null, [
      element(document, "h2", `${title} (${connection.totalCount})`),
      element(document, "ul", null, connection.nodes.map(render)),
      ...more(connection).map((line) => element(document, "p", line.trim())),
    ]);

  root.replaceChildren(
    element(document, "h1", topic.name),
    ...paragraphs(document, topic.description),
    section("Bills", topic.bills, (bill) => {
      return element(document, "li", null, [
        element(document, "strong", bill.billId),
        ` ${bill.shortTitle ?? bill.officialTitle} — introduced ${bill.introducedDate}, `,
        `sponsor ${sponsorLine(bill)}, ${bill.cosponsors.totalCount} cosponsors`,
      ]);
    }),
    section("Statements", topic.statements, (statement) =>
      element(document, "li", null, [
        element(document, "blockquote", statement.quote),
        ...paragraphs(
          document,
          `${speakerName(statement.speaker, statement.speakerBioguideId)}, ${fuzzyDate(statement.said)}`,
          statement.context,
        ),
        element(document, "ul", null, statement.sources.nodes.map((s) => sourceItem(document, s))),
      ]),
    ),
    section("Incidents", topic.incidents, (incident) => {
      const place = [incident.location.facility, incident.location.city, incident.location.state];
      const people = incident.people.nodes.map(
        (p) => `${p.role.toLowerCase()}: ${p.person.name}${p.age === null ? "" : `, ${p.age}`}`,
      );
      const outcome = incident.outcome ? [`outcome: ${incident.outcome}`] : [];
      return element(document, "li", null, [
        ...paragraphs(
          document,
          `${incident.kind.toLowerCase()}, ${fuzzyDate(incident.occurred)}, ${place.filter(Boolean).join(", ")}`,
          [...people, ...outcome].join("; "),
          incident.description,
        ),
        element(document, "ul", null, incident.sources.nodes.map((s) => sourceItem(document, s))),
      ]);
    }),
  );
}

/** Node: prints the topic at argv[2] (endpoint) / argv[3] (slug); exit status 1 on errors. */
export async function main(argv = process.argv.slice(2)) {
  const [endpoint = DEFAULT_ENDPOINT, slug = DEMO_TOPIC] = argv;
  try {
    const topic = await fetchTopic(endpoint, slug);
    process.stdout.write(`${topicLines(topic).join("\n")}\n`);
    return 0;
  } catch (error) {
    const cause = error.cause?.message ? ` (${error.cause.message})` : "";
    process.stderr.write(`${error.message}${cause}\n`);
    return 1;
  }
}

const runByNode =
  typeof process !== "undefined" &&
  process.argv?.[1] !== undefined &&
  import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href;
if (runByNode) process.exitCode = await main();
