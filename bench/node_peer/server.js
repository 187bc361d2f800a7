'use strict';
// accounts.v1.AccountsService/GetAccount as a Node developer would write it
// against the host's own SQLite file: the benchmark's "peer". It repeats what
// the host does per call (crm_host/auth.py, crm_accounts/sessions.py and
// servicer.GetAccount): resolve the bearer token by its SHA-256, refuse expired
// sessions and inactive accounts, let an account read itself and an admin read
// any account, then read the row.
//
//   node server.js --database PATH [--port N]   (or NODE_PEER_DATABASE, NODE_PEER_PORT)
//
// Prints the bound port alone on a line once listening; stops on SIGTERM/SIGINT.

const crypto = require('node:crypto');
const path = require('node:path');
const { parseArgs } = require('node:util');

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const Database = require('better-sqlite3');

const PROTO = path.join(__dirname, '..', '..', 'protos', 'accounts', 'v1', 'accounts.proto');
const ADMIN = 'admin';
const HOST_DOMAIN = 'crm-host';
// sessions.LAST_USED_RESOLUTION: at most one write per session and minute.
const LAST_USED_RESOLUTION_US = 60 * 1_000_000;

class CallError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function unauthenticated(message) {
  return new CallError(grpc.status.UNAUTHENTICATED, message);
}

// SQLAlchemy stores the host's UTCDateTime columns on SQLite as naive UTC text,
// "YYYY-MM-DD HH:MM:SS.ffffff". Microseconds since the epoch fit a double exactly.
const STORED_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function parseStoredTime(text) {
  const m = STORED_TIME.exec(text);
  if (m === null) {
    throw new Error(`unexpected stored time format: ${JSON.stringify(text)}`);
  }
  const millis = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return millis * 1000 + Number((m[7] ?? '').padEnd(6, '0'));
}

function formatStoredTime(micros) {
  const iso = new Date(Math.floor(micros / 1000)).toISOString(); // ...THH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function timestamp(text) {
  const micros = parseStoredTime(text);
  const nanos = (micros % 1_000_000) * 1000;
  return { seconds: (micros - nanos / 1000) / 1_000_000, nanos };
}

function nowMicros() {
  return Date.now() * 1000;
}

// uuid.UUID() as parse_account_id uses it: braces, "urn:uuid:" and missing
// hyphens are accepted; the canonical lower-case hyphenated form is compared.
function canonicalAccountId(value) {
  const hex = value
    .replaceAll('urn:', '')
    .replaceAll('uuid:', '')
    .replace(/^[{}]+|[{}]+$/g, '')
    .replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    return null;
  }
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function bearerToken(metadata) {
  const values = metadata.get('authorization');
  if (values.length === 0) {
    throw unauthenticated("this method needs 'authorization: Bearer <session token>'");
  }
  if (values.length > 1) {
    throw unauthenticated("send exactly one 'authorization: Bearer <token>' metadata entry");
  }
  const value = String(values[0]);
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  const token = space === -1 ? '' : value.slice(space + 1).trim();
  if (scheme.toLowerCase() !== 'bearer' || token === '') {
    throw unauthenticated("authorization metadata must be 'Bearer <token>'");
  }
  return token;
}

function openDatabase(file) {
  // fileMustExist: the host creates and migrates the database, never the peer.
  let db;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  } catch (error) {
    throw new Error(`cannot open the SQLite file ${file}: ${error.message}`);
  }
  db.pragma('journal_mode = WAL');
  return db;
}

function accountsService(db) {
  // Prepared once: better-sqlite3 statements are reusable and synchronous.
  const sessionByTokenHash = db.prepare(
    `SELECT s.id AS session_id, s.expire_time, s.last_used_time,
            a.id AS account_id, a.state, a.roles
       FROM accounts_sessions AS s JOIN accounts AS a ON a.id = s.account_id
      WHERE s.token_hash = ?`,
  );
  const touchSession = db.prepare('UPDATE accounts_sessions SET last_used_time = ? WHERE id = ?');
  const accountById = db.prepare(
    `SELECT id, name, email, state, version, create_time, update_time
       FROM accounts WHERE id = ?`,
  );

  // SessionAuthenticator._resolve: the caller, or UNAUTHENTICATED.
  function caller(metadata) {
    const token = bearerToken(metadata);
    const hash = crypto.createHash('sha256').update(token, 'utf8').digest('hex');
    const found = sessionByTokenHash.get(hash);
    const now = nowMicros();
    if (
      found === undefined ||
      parseStoredTime(found.expire_time) <= now ||
      found.state !== 'ACTIVE'
    ) {
      throw unauthenticated('the session token is invalid or expired');
    }
    if (now - parseStoredTime(found.last_used_time) >= LAST_USED_RESOLUTION_US) {
      touchSession.run(formatStoredTime(now), found.session_id);
    }
    return { accountId: found.account_id, roles: found.roles.split(/\s+/) };
  }

  function getAccount(call) {
    const who = caller(call.metadata);
    const key = canonicalAccountId(call.request.id);
    if (key === null) {
      throw new CallError(
        grpc.status.INVALID_ARGUMENT,
        'invalid request: id: must be an account id (a UUID)',
      );
    }
    // Permission before existence, as the host does, so ids cannot be probed.
    if (key !== who.accountId && !who.roles.includes(ADMIN)) {
      throw new CallError(
        grpc.status.PERMISSION_DENIED,
        'only the account itself or an admin may do this',
      );
    }
    const row = accountById.get(key);
    if (row === undefined) {
      throw new CallError(grpc.status.NOT_FOUND, `account ${key} not found`);
    }
    return {
      id: row.id,
      name: row.name,
      email: row.email,
      state: row.state,
      create_time: timestamp(row.create_time),
      update_time: timestamp(row.update_time),
      etag: `"${row.version}"`,
    };
  }

  return {
    GetAccount(call, callback) {
      try {
        callback(null, getAccount(call));
      } catch (error) {
        if (error instanceof CallError) {
          callback({ code: error.code, details: error.message });
          return;
        }
        // Like the host: log the bug, answer nothing about it.
        console.error('GetAccount failed unexpectedly:', error);
        callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      }
    },
  };
}

function options() {
  const { values } = parseArgs({
    options: { database: { type: 'string' }, port: { type: 'string' } },
  });
  const database = values.database ?? process.env.NODE_PEER_DATABASE;
  const port = Number(values.port ?? process.env.NODE_PEER_PORT ?? '0');
  if (!database) {
    throw new Error('give the SQLite file: --database PATH (or NODE_PEER_DATABASE)');
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('--port must be an integer from 0 to 65535');
  }
  return { database, port };
}

function main() {
  const { database, port } = options();
  const db = openDatabase(database);
  // keepCase and String enums: the handler returns the table's column values as they are.
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, enums: String });
  const { AccountsService } = grpc.loadPackageDefinition(definition).accounts.v1;
  const server = new grpc.Server();
  // Every other method of the service answers UNIMPLEMENTED.
  server.addService(AccountsService.service, accountsService(db));
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
    if (error) {
      console.error(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
      process.exit(1);
    }
    process.stdout.write(`${bound}\n`);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    const finish = () => {
      db.close();
      process.exit(0);
    };
    // Calls in flight finish; a client holding its connection open cannot stall the exit.
    const force = setTimeout(() => {
      server.forceShutdown();
      finish();
    }, 5000);
    server.tryShutdown(() => {
      clearTimeout(force);
      finish();
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (error) {
  console.error(`node peer: ${error.message}`);
  process.exit(2);
}
