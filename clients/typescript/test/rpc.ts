// Assertions the over-the-wire tests share.
import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';

import { RpcError, type CrmClient } from '../src/index';
import type { RunningHost } from './host';

/** Awaits a call that must fail with `code`, and returns its RpcError. */
export async function rejection(call: Promise<unknown>, code: grpc.status): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof RpcError, `expected RpcError, got ${String(error)}`);
    assert.equal(error.codeName, grpc.status[code], `${error.codeName}: ${error.message}`);
    assert.equal(error.code, code);
    return error;
  }
  assert.fail(`expected ${grpc.status[code]}, the call succeeded`);
}

/** Closes the client, stops the host, and asserts it exited cleanly (for an after() hook). */
export async function shutDown(client: CrmClient | undefined, host: RunningHost | undefined): Promise<void> {
  client?.close();
  if (host) {
    const code = await host.stop();
    assert.equal(code, 0, `host exit code ${code}; stderr:\n${host.stderr()}`);
  }
}
