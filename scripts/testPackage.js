// `npm run test:package`: wirekit as a stranger gets it. Packs every package (prepack builds it),
// then, once with React 18.3 and once with React 19, makes a new Vite + React + TypeScript app in
// a temporary directory outside the repository (scripts/strangersApp plus two templates copied
// verbatim), installs the tarballs and the rest from the registry, type-checks and builds it,
// renders it on the server, serves it next to @wirekit/server started from its tarball, and
// drives it in Chromium through a server restart. Prints each step; the first failure stops it,
// says why, and keeps the temporary directory (with screenshots) for a look.
import { execFile, spawn } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, relative } from "node:path";
import { promisify } from "node:util";
import { CHROMIUM_PATH, launchChromium } from "./chromium.js";
import { packPackages, ROOT } from "./packPackages.js";

const FIXTURE = join(import.meta.dirname, "strangersApp");
/** An event stream and channels: between them, both halves of @wirekit/react. */
const TEMPLATES = ["LiveMetricCard.tsx", "ChatRoom.tsx"];
/** What every tarball must hold besides `dist` and `src`. */
const PACKAGE_FILES = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"];
/** How long the page may take to show what it must; each wait ends as soon as it does. */
const PATIENCE = 60_000;
/** How long a command or a server start may take before it counts as hung. */
const CEILING = 240_000;

const repository = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
/** @type {Record<string, string>} */
const tested = repository.devDependencies;
/** The app builds with what this repository builds and tests with. */
const TOOLS = Object.fromEntries(
  ["vite", "@vitejs/plugin-react", "typescript", "@types/node"].map((name) => [name, tested[name]]),
);

/**
 * @typedef {object} ReactLine
 * @property {string} label
 * @property {string} expect The installed `react` version must start with this.
 * @property {Record<string, string>} dependencies
 * @property {Record<string, string>} types
 */
/** @type {ReactLine[]} The React versions @wirekit/react's peer range claims. */
const REACTS = [
  {
    label: "React 18.3",
    expect: "18.3.",
    dependencies: { react: "~18.3.1", "react-dom": "~18.3.1" },
    types: { "@types/react": "~18.3.0", "@types/react-dom": "~18.3.0" },
  },
  {
    label: "React 19",
    expect: "19.",
    dependencies: { react: tested["react"] ?? "", "react-dom": tested["react-dom"] ?? "" },
    types: {
      "@types/react": tested["@types/react"] ?? "",
      "@types/react-dom": tested["@types/react-dom"] ?? "",
    },
  },
];

/** @type {Array<() => Promise<void> | void>} Undone in reverse order, pass or fail. */
const cleanups = [];
/** @type {Map<string, import("playwright-core").Page>} Screenshotted when a step fails. */
const pages = new Map();
let currentStep = "start";

const work = mkdtempSync(join(tmpdir(), "wirekit-package-"));
if (!relative(ROOT, work).startsWith("..")) {
  throw new Error(`The temporary directory ${work} is inside the repository; set TMPDIR.`);
}

const started = performance.now();
/** @type {string[]} */
const timings = [];
try {
  console.log(`test:package: working in ${work}, with the Chromium at ${CHROMIUM_PATH}`);
  const packed = await step("pack every package (prepack: a clean build of each)", async () => {
    const list = await packPackages(mkdir(join(work, "tarballs")));
    for (const entry of list) checkTarball(entry);
    return list;
  });
  for (const react of REACTS) {
    const begun = performance.now();
    await strangersApp(react, packed);
    timings.push(`${react.label} ${seconds(performance.now() - begun)}`);
  }
  await undo();
  rmSync(work, { recursive: true, force: true });
  console.log(
    `\ntest:package: passed in ${seconds(performance.now() - started)} (${timings.join(", ")})`,
  );
} catch (error) {
  await Promise.all(
    [...pages].map(([name, page]) =>
      page.screenshot({ path: join(work, `${name}.png`), fullPage: true }).catch(() => {}),
    ),
  );
  await undo();
  console.error(`\ntest:package: FAILED at "${currentStep}":\n`);
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  console.error(`\nThe app, its logs and screenshots are kept in ${work}`);
  process.exitCode = 1;
}

/**
 * One stranger's app on one React line, from an empty directory to a server restart survived.
 * @param {ReactLine} react
 * @param {import("./packPackages.js").PackedPackage[]} packed
 */
async function strangersApp(react, packed) {
  const app = join(work, `app-${react.label.replace(/\W+/g, "-").toLowerCase()}`);
  console.log(`\n${react.label}: a new Vite + React + TypeScript app in ${app}`);

  await step(`write the app, copy ${TEMPLATES.join(" and ")} verbatim`, () => {
    cpSync(FIXTURE, app, { recursive: true });
    for (const name of TEMPLATES) {
      const from = join(ROOT, "templates", name);
      const to = join(app, "src", name);
      copyFileSync(from, to);
      if (!readFileSync(to).equals(readFileSync(from))) throw new Error(`${name} changed on copy`);
    }
    const tarball = (/** @type {string} */ name) => {
      const entry = packed.find((candidate) => candidate.name === name);
      if (entry === undefined) throw new Error(`${name} was not packed`);
      return `file:${relative(app, entry.tarball)}`;
    };
    const manifest = {
      name: "strangers-app",
      private: true,
      version: "0.0.0",
      type: "module",
      scripts: { build: "tsc -b && vite build" },
      dependencies: {
        "@wirekit/core": tarball("@wirekit/core"),
        "@wirekit/react": tarball("@wirekit/react"),
        "@wirekit/server": tarball("@wirekit/server"),
        ...react.dependencies,
      },
      devDependencies: {
        "@wirekit/testing": tarball("@wirekit/testing"),
        ...react.types,
        ...TOOLS,
      },
    };
    writeFileSync(join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  });

  await step("npm install: the tarballs, and the rest from the registry", async () => {
    const install = ["install", "--no-audit", "--no-fund", "--prefer-offline"];
    const { stderr } = await run("npm", install, { cwd: app });
    // A peer range or an engines field of ours that npm disagrees with shows up here first.
    const complaints = stderr
      .split("\n")
      .filter((line) => /ERESOLVE|EBADENGINE|peer dep|conflicting peer/i.test(line));
    if (complaints.length > 0) throw new Error(`npm install complained:\n${complaints.join("\n")}`);
  });

  await step("the install: real copies, one @wirekit/core, one React", () => {
    for (const name of ["core", "react", "testing", "server"]) {
      const directory = join(app, "node_modules", "@wirekit", name);
      if (lstatSync(directory).isSymbolicLink() || !realpathSync(directory).startsWith(app)) {
        throw new Error(`@wirekit/${name} is a link, not a copy from its tarball`);
      }
    }
    for (const name of ["@wirekit/core", "react"]) {
      const copies = findPackages(join(app, "node_modules"), name);
      if (copies.length !== 1) throw new Error(`${copies.length} copies of ${name}: ${copies}`);
    }
    const { version } = JSON.parse(
      readFileSync(join(app, "node_modules", "react", "package.json"), "utf8"),
    );
    if (!version.startsWith(react.expect)) throw new Error(`installed react ${version}`);
    return `react ${version}`;
  });

  await step("tsc -b with the app's strict tsconfig (src and server.js)", () =>
    run(bin(app, "tsc"), ["-b"], { cwd: app }),
  );

  await step("vite build, for the browser and for the server", async () => {
    await run(bin(app, "vite"), ["build", "--logLevel", "warn"], { cwd: app });
    await run(
      bin(app, "vite"),
      ["build", "--ssr", "src/entry-server.tsx", "--outDir", "dist-server", "--logLevel", "warn"],
      { cwd: app },
    );
  });

  await step("every entry point resolves into dist; import() and require() load it", async () => {
    const { stdout } = await run(process.execPath, ["checkEntryPoints.js"], { cwd: app });
    return stdout.trim().split("\n").join("; ");
  });

  await step("renderToString in Node: no browser global there, none read or written", async () => {
    const { stdout } = await run(process.execPath, ["checkServerRender.js"], { cwd: app });
    const { present, touched, html } = JSON.parse(stdout);
    if (present.length > 0) throw new Error(`Node defines browser globals: ${present}`);
    if (touched.length > 0) throw new Error(`the server render touched: ${touched.join(", ")}`);
    for (const expected of ['aria-label="CPU"', 'aria-label="Chat: lobby"']) {
      if (!html.includes(expected)) throw new Error(`no ${expected} in the HTML:\n${html}`);
    }
  });

  const site = await step("serve dist, and start @wirekit/server from its tarball", async () => {
    const url = await serveStatic(join(app, "dist"));
    const server = await startServer(app, { port: 0, origin: url, generation: 1 });
    return { url, server };
  });
  const api = `http://127.0.0.1:${site.server.port}`;

  const browser = await step("launch Chromium", async () => {
    const launched = await launchChromium();
    cleanups.push(() => launched.close());
    return launched;
  });
  /** @type {string[]} */
  const pageErrors = [];
  const open = async (/** @type {string} */ user) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(`${user}: ${error.message}`));
    pages.set(`${react.label} ${user}`, page);
    await page.goto(`${site.url}/?api=${encodeURIComponent(api)}&user=${user}`);
    return page;
  };

  // Presence here is announced once, on mount, and a fresh subscription hears only what comes
  // after it: so alice is in the room before bob comes, and her seeing bob arrive means bob's
  // subscriptions, chat's first, are on the server.
  const alice = await step("Chromium: alice sees live samples and is in the room", async () => {
    const page = await open("alice");
    await untilSamplesFrom(page, 1);
    await page.getByText(/Online: alice$/).waitFor({ timeout: PATIENCE });
    return page;
  });
  const bob = await step("Chromium: bob too, and alice sees him arrive", async () => {
    const page = await open("bob");
    await untilSamplesFrom(page, 1);
    await alice.getByText(/Online: alice, bob$/).waitFor({ timeout: PATIENCE });
    return page;
  });

  await step("Chromium: alice's chat message reaches bob through the server", async () => {
    await say(alice, "hello from alice");
    await inLog(bob, "hello from alice");
  });

  await step("kill -9 the server, start it again on the same port", async () => {
    await site.server.kill();
    site.server = await startServer(app, {
      port: site.server.port,
      origin: site.url,
      generation: 2,
    });
  });

  await step("Chromium: both pages show samples from the new server", async () => {
    for (const page of [alice, bob]) await untilSamplesFrom(page, 2);
  });

  await step("Chromium: the room is back, and bob's message reaches alice", async () => {
    // The new server's broker never gave out the ids the pages hold, so each page's chat
    // resubscribes as not recovered and says so: then it is listening again.
    for (const page of [alice, bob]) {
      await page.getByText(/messages may be missing/i).waitFor({ timeout: PATIENCE });
    }
    await say(bob, "hello again, from bob");
    await inLog(alice, "hello again, from bob");
    if (pageErrors.length > 0) throw new Error(`uncaught errors in the page:\n${pageErrors}`);
  });

  await undo();
  pages.clear();
}

/**
 * Runs `action` as a named step and prints how it went.
 * @template T
 * @param {string} title
 * @param {() => T | Promise<T>} action
 * @returns {Promise<T>}
 */
async function step(title, action) {
  currentStep = title;
  const begun = performance.now();
  const result = await action();
  const note = typeof result === "string" && result !== "" ? `: ${result}` : "";
  console.log(`  ok ${title} (${seconds(performance.now() - begun)})${note}`);
  return result;
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string }} options
 * @returns {Promise<{ stdout: string, stderr: string }>}
 */
async function run(command, args, { cwd }) {
  try {
    return await promisify(execFile)(command, args, {
      cwd,
      timeout: CEILING,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = /** @type {{ stdout?: string, stderr?: string, code?: unknown }} */ (error);
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) failed with ${failure.code}:\n` +
        `${failure.stdout ?? ""}${failure.stderr ?? ""}`,
    );
  }
}

async function undo() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/**
 * The tarball holds the built package and what npm shows about it, and nothing from the tests.
 * @param {import("./packPackages.js").PackedPackage} entry
 */
function checkTarball({ name, files }) {
  const missing = [...PACKAGE_FILES, "dist/index.js", "dist/index.d.ts"].filter(
    (file) => !files.includes(file),
  );
  const strays = files.filter(
    (file) => !PACKAGE_FILES.includes(file) && !/^(dist|src)\//.test(file),
  );
  if (missing.length > 0 || strays.length > 0) {
    throw new Error(`${name}: missing ${missing.join(", ")}; should not ship ${strays.join(", ")}`);
  }
}

/**
 * Every installed copy of package `name` under `nodeModules`, nested ones included.
 * @param {string} nodeModules
 * @param {string} name
 * @returns {string[]}
 */
function findPackages(nodeModules, name) {
  /** @type {string[]} */
  const found = [];
  if (!existsSync(nodeModules)) return found;
  if (existsSync(join(nodeModules, name, "package.json"))) found.push(join(nodeModules, name));
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const scoped = entry.name.startsWith("@")
      ? readdirSync(join(nodeModules, entry.name)).map((inner) => join(entry.name, inner))
      : [entry.name];
    for (const directory of scoped) {
      found.push(...findPackages(join(nodeModules, directory, "node_modules"), name));
    }
  }
  return found;
}

/**
 * Serves a built app on 127.0.0.1, index.html for any path that is not a file.
 * @param {string} directory
 * @returns {Promise<string>} Its origin.
 */
async function serveStatic(directory) {
  /** @type {Record<string, string>} */
  const types = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
  };
  const server = createServer((request, response) => {
    const path = join(directory, new URL(request.url ?? "/", "http://app").pathname);
    const file = existsSync(path) && statSync(path).isFile() ? path : join(directory, "index.html");
    response.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return `http://127.0.0.1:${address.port}`;
}

/**
 * @typedef {object} ServerProcess
 * @property {number} port
 * @property {() => Promise<void>} kill SIGKILL, and wait until the process is gone.
 */

/**
 * Starts the app's server.js (which imports @wirekit/server from node_modules) and waits until
 * it says where it listens. Its output goes to server-<generation>.log in the app.
 * @param {string} app
 * @param {{ port: number, origin: string, generation: number }} options
 * @returns {Promise<ServerProcess>}
 */
async function startServer(app, { port, origin, generation }) {
  const child = spawn(process.execPath, ["server.js"], {
    cwd: app,
    env: { ...process.env, PORT: String(port), ORIGIN: origin, GENERATION: String(generation) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  cleanups.push(kill);
  let output = "";
  const log = join(app, `server-${generation}.log`);
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      output += chunk;
      writeFileSync(log, output);
    });
  }
  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server.js is not listening:\n${output}`)),
      CEILING,
    );
    child.stdout.on("data", () => {
      const match = /listening on (\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server.js exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return { port: /** @type {number} */ (listening), kill };
}

/**
 * Waits until the CPU card shows a sample from server start `generation`, then a later one:
 * data is arriving, not just there.
 * @param {import("playwright-core").Page} page
 * @param {number} generation
 */
async function untilSamplesFrom(page, generation) {
  const shown = () =>
    page.evaluate(() => Number(document.querySelector('section[aria-label="CPU"] p')?.textContent));
  const atLeast = (/** @type {number} */ floor) =>
    page.waitForFunction(
      (least) =>
        Number(document.querySelector('section[aria-label="CPU"] p')?.textContent) >= least,
      floor,
      { timeout: PATIENCE },
    );
  await atLeast(generation * 100_000 + 1);
  const first = await shown();
  if (first >= (generation + 1) * 100_000) throw new Error(`sample ${first} is from a later start`);
  await atLeast(first + 1);
}

/**
 * @param {import("playwright-core").Page} page
 * @param {string} text
 */
async function say(page, text) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/**
 * Waits until the room's message log shows `text`.
 * @param {import("playwright-core").Page} page
 * @param {string} text
 */
async function inLog(page, text) {
  await page
    .getByRole("log", { name: "Messages" })
    .getByText(text)
    .first()
    .waitFor({ timeout: PATIENCE });
}

/** @param {string} directory */
function mkdir(directory) {
  mkdirSync(directory, { recursive: true });
  return directory;
}

/**
 * @param {string} app
 * @param {string} name
 */
function bin(app, name) {
  return join(app, "node_modules", ".bin", name);
}

/** @param {number} ms */
function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
