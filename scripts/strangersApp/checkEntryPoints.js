// Every entry point of every @wirekit package, as Node resolves it in this app: it must resolve
// into the package's dist, and load with import() and with require() (Node 20.19+ loads ESM
// synchronously) — or fail only for want of an optional peer this app did not install. Prints
// one line per entry point.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const PACKAGES = ["@wirekit/core", "@wirekit/react", "@wirekit/testing", "@wirekit/server"];

for (const name of PACKAGES) {
  const manifest = JSON.parse(
    readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), "utf8"),
  );
  const optionalPeers = Object.keys(manifest.peerDependenciesMeta ?? {});
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath === "./package.json") continue;
    const specifier = subpath === "." ? name : `${name}${subpath.slice(1)}`;
    const resolved = import.meta.resolve(specifier);
    if (!resolved.includes(`/node_modules/${name}/dist/`)) {
      throw new Error(`${specifier} resolves to ${resolved}, not into ${name}/dist`);
    }
    try {
      await import(specifier);
      require(specifier);
      console.log(`${specifier}: import() and require()`);
    } catch (error) {
      const { code, message } = /** @type {{ code?: string, message: string }} */ (error);
      const peer = optionalPeers.find((candidate) => message.includes(`'${candidate}'`));
      if (code !== "ERR_MODULE_NOT_FOUND" || peer === undefined) throw error;
      console.log(`${specifier}: resolves; needs ${peer}, an optional peer not installed here`);
    }
  }
}
