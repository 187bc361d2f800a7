// Starts the real CRM host (`crm-host serve`) as a child process for the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root, found from this file's location (src or dist). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'pyproject.toml')) && fs.existsSync(path.join(dir, 'protos', 'accounts', 'v1', 'accounts.proto'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
  }
}

const START_TIMEOUT_MS = 120_000;

export interface RunningHost {
  /** e.g. 127.0.0.1:43123 */
  address: string;
  port: number;
  /** Temporary working directory; the SQLite file is crm.db in it. */
  dir: string;
  databaseUrl: string;
  /** The plugins it serves, e.g. ['accounts', 'contacts']. */
  plugins: readonly string[];
  /** Everything the host wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits; resolves to the exit code. Removes the directory. */
  stop(): Promise<number | null>;
}

function hostEnv(plugins: readonly string[]): NodeJS.ProcessEnv {
  return { ...process.env, CRM_ACCOUNTS__ARGON2_PROFILE: 'insecure-test-only', CRM_PLUGINS: plugins.join(',') };
}

/** Starts `crm-host serve --listen <listen> --plugins <plugins>` in a new temp dir. */
export async function startHost(listen = '127.0.0.1:0', plugins: readonly string[] = ['accounts']): Promise<RunningHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-ts-test-'));
  const child = spawn('uv', ['run', '--project', REPO_ROOT, 'crm-host', 'serve', '--listen', listen, '--plugins', plugins.join(',')], {
    cwd: dir,
    env: hostEnv(plugins),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`host did not listen within ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
      const onData = () => {
        const match = /listening on \S+ \(port (\d+)\)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          child.stderr!.off('data', onData);
          resolve(Number(match[1]));
        }
      };
      child.stderr!.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`host exited with ${code} before listening:\n${stderr}`));
      });
    });
  } catch (error) {
    await terminate(child, exited);
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    address: `127.0.0.1:${port}`,
    port,
    dir,
    plugins,
    databaseUrl: `sqlite:///${path.join(dir, 'crm.db')}`,
    stderr: () => stderr,
    async stop() {
      const code = await terminate(child, exited);
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** `crm-host accounts create-admin` against the host's database; the password goes on stdin. */
export async function createAdmin(host: RunningHost, email: string, password: string): Promise<string> {
  const args = ['run', '--project', REPO_ROOT, 'crm-host', 'accounts', 'create-admin', '--email', email, '--database-url', host.databaseUrl];
  const child = spawn('uv', args, { cwd: host.dir, env: hostEnv(host.plugins), stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin!.end(`${password}\n`);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`create-admin exited with ${code}:\n${output}`);
  return output;
}
