// Runs the seed's README example (examples/create-account.ts, compiled to
// dist/examples/) unchanged against a host on localhost:50051, its fixed address.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AccountsClient } from '../src/index';
import { startHost, type RunningHost } from './host';

const EXAMPLE = path.resolve(__dirname, '..', 'examples', 'create-account.js');

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function runExample(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the seed README example', async () => {
  const free = await portIsFree(50051);
  let host: RunningHost | undefined;

  before(async () => {
    if (free) host = await startHost('127.0.0.1:50051');
  });

  after(async () => {
    if (host) assert.equal(await host.stop(), 0);
  });

  it('creates an account on localhost:50051 and exits', { skip: free ? false : 'port 50051 is taken' }, async () => {
    const result = await runExample();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^Account created: /);
    assert.match(result.stdout, /email: 'john@example\.com'/);

    const client = new AccountsClient(host!.address, { timeoutMs: 30_000 });
    try {
      const login = await client.authenticate({ email: 'john@example.com', password: 'securepassword123' });
      assert.equal(login.account?.name, 'John Doe');
    } finally {
      client.close();
    }

    // A second run hits ALREADY_EXISTS; the example prints the error and still exits 0.
    const again = await runExample();
    assert.equal(again.code, 0);
    assert.match(again.stderr, /^Error: .*ALREADY_EXISTS/s);
  });
});
