// scripts/build-site, after wasm-opt: rewrites every `integrity="sha384-…"` in index.html to
// the hash of the file its tag names (Trunk hashed the files before they were optimised), so
// the browser's subresource-integrity check passes. Usage: node tools/site/integrity.mjs <dir>
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const file = path.join(dir, 'index.html');
let changed = 0;
const html = fs.readFileSync(file, 'utf8').replace(/<link\b[^>]*>/g, (tag) => {
  const href = tag.match(/\bhref="\/?([^"]+)"/)?.[1];
  if (!href || !/\bintegrity="/.test(tag)) return tag;
  const hash = crypto.createHash('sha384').update(fs.readFileSync(path.join(dir, href))).digest('base64');
  const updated = tag.replace(/\bintegrity="[^"]*"/, `integrity="sha384-${hash}"`);
  if (updated !== tag) changed += 1;
  return updated;
});
fs.writeFileSync(file, html);
console.log(`integrity: ${changed} hash(es) updated in ${file}`);
