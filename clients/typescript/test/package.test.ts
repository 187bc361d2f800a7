// The package as a Node developer gets it: `npm pack` makes the tarball, a
// scratch project in a temp dir installs it with `npm install <tarball>`
// (its dependencies from the registry), then uses it against a running host:
// an ES module with named imports, a CommonJS require, and `tsc --strict` over
// a TypeScript file that uses the shipped types. The installed package has no .proto file and
// cannot see this repository, so it runs on what it carries.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startHost, type RunningHost } from './host';

const PACKAGE_DIR = path.resolve(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TIMEOUT_MS = 300_000;

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function succeed(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  assert.equal(result.code, 0, `${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

const USE_MJS = `import { CrmClient, RpcError } from '@crm-host/client';

const crm = new CrmClient(process.argv[2], { timeoutMs: 30_000 });
try {
  const health = await crm.health.check();
  const password = 'woven lantern harbor 4711';
  const created = await crm.accounts.createAccount({ name: 'Scratch User', email: 'scratch@example.com', password });
  const login = await crm.login({ email: 'scratch@example.com', password });
  const me = await crm.accounts.getAccount({ id: created.id });
  let listAccounts = 'allowed';
  try {
    await crm.accounts.listAccounts();
  } catch (error) {
    listAccounts = error instanceof RpcError ? \`\${error.codeName} \${error.reason}\` : String(error);
  }
  console.log(JSON.stringify({
    health: health.status,
    name: me.name,
    state: me.state,
    createTimeIsDate: me.createTime instanceof Date,
    createTime: me.createTime.toISOString(),
    tokenKept: crm.token === login.sessionToken,
    listAccounts,
  }));
} finally {
  crm.close();
}
`;

const CHECK_TS = `import { CrmClient, type Account, type AccountState, type Person } from '@crm-host/client';

export async function read(crm: CrmClient): Promise<[Date | null, AccountState, Date | null, string[]]> {
  const account: Account = await crm.accounts.getAccount({ id: 'x' });
  const person: Person = await crm.contacts.getPerson({ id: 'x' });
  // @ts-expect-error: enums are strings
  const asNumber: number = account.state;
  void asNumber;
  await crm.contacts.updatePerson({ person: { id: 'x', createTime: new Date() }, updateMask: { paths: ['given_name'] } });
  return [account.createTime, account.state, person.deleteTime, account.roles];
}
`;

interface Used {
  health: string;
  name: string;
  state: string;
  createTimeIsDate: boolean;
  createTime: string;
  tokenKept: boolean;
  listAccounts: string;
}

describe('the npm package', () => {
  let host: RunningHost;
  let scratch: string;

  before(async () => {
    host = await startHost();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ts-scratch-'));
  });

  after(async () => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    if (host) {
      const code = await host.stop();
      assert.equal(code, 0, `host exit code ${code}; stderr:\n${host.stderr()}`);
    }
  });

  it('packs, installs into a scratch project, and runs against the host', { timeout: 3 * TIMEOUT_MS }, async () => {
    // dist/ is fresh (`npm test` builds first): --ignore-scripts skips prepack's rebuild under the running tests.
    const packed = JSON.parse(
      await succeed(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], PACKAGE_DIR),
    ) as { name: string; filename: string; files: { path: string }[] }[];
    assert.equal(packed[0]!.name, '@crm-host/client');
    const files = packed[0]!.files.map((file) => file.path);
    for (const expected of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/generated/descriptor.js']) {
      assert.ok(files.includes(expected), `${expected} is not in the tarball`);
    }
    const stray = files.filter((file) => !/^(package\.json|README\.md|dist\/src\/|src\/)/.test(file) || file.endsWith('.proto'));
    assert.deepEqual(stray, []);

    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    await succeed(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(scratch, packed[0]!.filename)], scratch);
    const installed = path.join(scratch, 'node_modules', '@crm-host', 'client');
    assert.equal((JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { name: string }).name, '@crm-host/client');

    fs.writeFileSync(path.join(scratch, 'use.mjs'), USE_MJS);
    const used = JSON.parse(await succeed(process.execPath, ['use.mjs', host.address], scratch)) as Used;
    assert.equal(used.health, 'SERVING');
    assert.equal(used.name, 'Scratch User');
    assert.equal(used.state, 'ACTIVE');
    assert.equal(used.createTimeIsDate, true);
    assert.ok(Math.abs(Date.parse(used.createTime) - Date.now()) < 600_000, used.createTime);
    assert.equal(used.tokenKept, true);
    assert.equal(used.listAccounts, 'PERMISSION_DENIED ROLE_REQUIRED');

    const required = "const client = require('@crm-host/client'); console.log(typeof client.CrmClient, client.AccountState.ACTIVE)";
    assert.equal(await succeed(process.execPath, ['-e', required], scratch), 'function ACTIVE\n');

    fs.writeFileSync(path.join(scratch, 'check.ts'), CHECK_TS);
    const tsc = path.join(PACKAGE_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    const typeRoots = path.join(PACKAGE_DIR, 'node_modules', '@types');
    await succeed(
      process.execPath,
      [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--typeRoots', typeRoots, '--types', 'node', 'check.ts'],
      scratch,
    );
  });
});
