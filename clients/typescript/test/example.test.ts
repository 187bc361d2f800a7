// Runs the seed's README example (examples/create-account.ts, compiled to
// dist/examples/) unchanged against a host on localhost:50051, its fixed
// address. Both run inside a private network namespace (`unshare --net`, with
// its own loopback), so the machine's port 50051 is never used: taken or free,
// the test runs the same. Where no namespace can be made (not Linux, no
// `unshare` or `ip`, no privilege), the test fails and says why; it never skips.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { REPO_ROOT } from './host';
import type { Report } from './seed-example-netns';

const INSIDE = path.resolve(__dirname, 'seed-example-netns.js');
const TIMEOUT_MS = 300_000;

interface Finished {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout stops everything it started (the host too).
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const NEEDS =
  'The seed example test runs the host and the example in a private network namespace: ' +
  "it needs Linux, util-linux's `unshare`, iproute2's `ip`, and root (or, as another user, " +
  'unprivileged user namespaces, used through `unshare --map-root-user`).';

/** Runs `node <script>` in a new network namespace whose loopback is up. */
async function inPrivateNetwork(script: string): Promise<Finished> {
  if (process.platform !== 'linux') assert.fail(`${NEEDS} This is ${process.platform}.`);
  const asRoot = process.getuid?.() === 0;
  const args = ['--net', ...(asRoot ? [] : ['--map-root-user']), 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, script];
  let finished: Finished;
  try {
    finished = await run('unshare', args, TIMEOUT_MS);
  } catch (error) {
    assert.fail(`${NEEDS} Starting \`unshare\` failed: ${String(error)}`);
  }
  return finished;
}

describe('the seed README example', () => {
  it('creates an account on localhost:50051 (in a private network namespace) and exits', { timeout: TIMEOUT_MS + 30_000 }, async () => {
    // With the network: `uv run` may need to lock or sync the environment; inside, it finds it ready.
    const prepared = await run('uv', ['run', '--project', REPO_ROOT, 'crm-host', '--version'], TIMEOUT_MS);
    assert.equal(prepared.code, 0, `uv run crm-host --version:\n${prepared.stderr}`);

    const inside = await inPrivateNetwork(INSIDE);
    // No report: `unshare` or `ip` failed, or the host did not start; stderr says which.
    assert.equal(inside.code, 0, `exit ${inside.code ?? inside.signal}. ${NEEDS}\nstderr:\n${inside.stderr}`);
    const report = JSON.parse(inside.stdout) as Report;

    assert.equal(report.first.code, 0, report.first.stderr);
    assert.equal(report.first.stderr, '');
    assert.match(report.first.stdout, /^Account created: /);
    assert.match(report.first.stdout, /email: 'john@example\.com'/);

    assert.equal(report.loginName, 'John Doe');

    // A second run hits ALREADY_EXISTS; the example prints the error and still exits 0.
    assert.equal(report.second.code, 0);
    assert.match(report.second.stderr, /^Error: .*ALREADY_EXISTS/s);

    assert.equal(report.hostExitCode, 0, report.hostStderr);
  });
});
