// Generates the TypeScript types for the protos with proto-loader-gen-types.
//
//   node scripts/generate.mjs          rewrite src/generated/ and examples/generated/
//   node scripts/generate.mjs --check  fail (exit 1) when either is stale
//
// Output types describe what a load returns, so each tree is generated with the
// flags that match the options its code passes to `protoLoader.loadSync`:
//
//   src/generated/       --defaults, for the client's loadSync(path, { defaults: true })
//                        (LOAD_OPTIONS in src/client.ts): every field of a
//                        response is present, scalars at their default ('' and
//                        0), repeated fields as [], unset message fields null, so
//                        `response.accounts.length` type-checks under strict.
//   examples/generated/  no flags, for the seed example's loadSync(PROTO_PATH) with
//                        no options: fields at their default are absent, and
//                        every field is optional.
//
// Both: camelCase fields, enums as numbers, int64 as Long.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targets = [
  { outDir: path.join(packageDir, 'src', 'generated'), flags: ['--defaults'] },
  { outDir: path.join(packageDir, 'examples', 'generated'), flags: [] },
];
// Relative paths: they end up in the "Original file:" comments of the output.
const protoRoot = '../../protos';
const protoFiles = ['accounts/v1/accounts.proto'];

function generate(into, flags) {
  const bin = path.join(packageDir, 'node_modules', '.bin', 'proto-loader-gen-types');
  const args = ['--grpcLib=@grpc/grpc-js', '--includeComments', ...flags, '-I', protoRoot, '-O', into, ...protoFiles];
  const result = spawnSync(bin, args, { cwd: packageDir, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`proto-loader-gen-types exited with ${result.status ?? result.signal}`);
  }
}

function listFiles(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(prefix, entry.name);
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), rel) : [rel];
  });
}

const check = process.argv.includes('--check');
for (const { outDir, flags } of targets) {
  const name = `${path.relative(packageDir, outDir)}/`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ts-gen-'));
  try {
    generate(tmp, flags);
    if (check) {
      const fresh = new Set(listFiles(tmp));
      const committed = new Set(listFiles(outDir));
      const stale = [];
      for (const file of new Set([...fresh, ...committed])) {
        if (!fresh.has(file)) stale.push(`${file}: not generated any more (delete it)`);
        else if (!committed.has(file)) stale.push(`${file}: missing`);
        else if (!fs.readFileSync(path.join(tmp, file)).equals(fs.readFileSync(path.join(outDir, file)))) {
          stale.push(`${file}: differs`);
        }
      }
      if (stale.length > 0) {
        console.error(`${name} is stale; run \`npm run generate\`:`);
        for (const line of stale.sort()) console.error(`  ${line}`);
        process.exitCode = 1;
      } else {
        console.log(`${name} is up to date (${fresh.size} files)`);
      }
    } else {
      fs.rmSync(outDir, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(outDir), { recursive: true });
      fs.cpSync(tmp, outDir, { recursive: true });
      console.log(`generated ${listFiles(outDir).length} files into ${name}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
