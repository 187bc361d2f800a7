// The inside half of example.test.ts. It runs in a private network namespace,
// whose 127.0.0.1:50051 is its own: starts the host there (the seed example's
// fixed address), runs the compiled example twice, logs in as the account the
// example made, stops the host, and prints one JSON Report on stdout.
//
//   unshare --net sh -c 'ip link set lo up && exec "$@"' sh node dist/test/seed-example-netns.js
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import { CrmClient } from '../src/index';
import { startHost, type RunningHost } from './host';

/** The address the seed example calls (`localhost:50051`). */
export const SEED_LISTEN = '127.0.0.1:50051';
const EXAMPLE = path.resolve(__dirname, '..', 'examples', 'create-account.js');
const EXAMPLE_TIMEOUT_MS = 60_000;

export interface ExampleRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface Report {
  /** The first run: creates john@example.com. */
  first: ExampleRun;
  /** The name on the account john@example.com logs in to. */
  loginName: string;
  /** The second run: ALREADY_EXISTS. */
  second: ExampleRun;
  hostExitCode: number | null;
  hostStderr: string;
}

function runExample(): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXAMPLE_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function exercise(host: RunningHost): Promise<Pick<Report, 'first' | 'loginName' | 'second'>> {
  const first = await runExample();
  const client = new CrmClient(host.address, { timeoutMs: 30_000 });
  let loginName: string;
  try {
    const login = await client.login({ email: 'john@example.com', password: 'securepassword123' });
    loginName = login.account?.name ?? '';
  } finally {
    client.close();
  }
  const second = await runExample();
  return { first, loginName, second };
}

async function main(): Promise<void> {
  const host = await startHost(SEED_LISTEN);
  const outcome = await exercise(host).then(
    (runs) => ({ runs }),
    (error: unknown) => ({ error }),
  );
  const hostExitCode = await host.stop();
  if ('error' in outcome) throw outcome.error;
  const report: Report = { ...outcome.runs, hostExitCode, hostStderr: host.stderr() };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
