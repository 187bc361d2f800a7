// google.protobuf.Timestamp <-> Date, guided by the message types: a field is
// converted because the proto declares it a Timestamp, never because an
// object happens to look like one.
import * as protobuf from 'protobufjs';

const TIMESTAMP = '.google.protobuf.Timestamp';

/** Which message types hold a Timestamp somewhere below them; most do not, and are passed through. */
const holdsTimestamp = new Map<protobuf.Type, boolean>();

function messageType(field: protobuf.Field): protobuf.Type | undefined {
  return field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
}

function hasTimestamp(type: protobuf.Type): boolean {
  const known = holdsTimestamp.get(type);
  if (known !== undefined) return known;
  holdsTimestamp.set(type, false); // a recursive message: the cycle adds nothing
  const found = type.fieldsArray.some((field) => {
    const nested = messageType(field);
    return nested !== undefined && (nested.fullName === TIMESTAMP || hasTimestamp(nested));
  });
  holdsTimestamp.set(type, found);
  return found;
}

type Convert = (type: protobuf.Type, value: unknown, path: string) => unknown;

/**
 * A copy of `message` (a plain object of `type`) with `leaf` applied to every
 * Timestamp field, in repeated fields and map values too.
 */
function walk(type: protobuf.Type, message: unknown, path: string, leaf: Convert): unknown {
  if (message === null || typeof message !== 'object' || !hasTimestamp(type)) return message;
  const source = message as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...source };
  const one: Convert = (nested, value, at) => (nested.fullName === TIMESTAMP ? leaf(nested, value, at) : walk(nested, value, at, leaf));
  for (const field of type.fieldsArray) {
    const nested = messageType(field);
    const value = source[field.name];
    if (nested === undefined || value === null || value === undefined) continue;
    const at = path === '' ? field.name : `${path}.${field.name}`;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      copy[field.name] = Object.fromEntries(entries.map(([key, item]) => [key, one(nested, item, `${at}[${key}]`)]));
    } else if (field.repeated && Array.isArray(value)) {
      copy[field.name] = value.map((item, index) => one(nested, item, `${at}[${index}]`));
    } else {
      copy[field.name] = one(nested, value, at);
    }
  }
  return copy;
}

/** A Timestamp as decoded (`seconds` a string, as LOAD_OPTIONS has longs: String) to a Date, to the millisecond. */
function timestampToDate(_type: protobuf.Type, value: unknown): unknown {
  const { seconds, nanos } = value as { seconds: string | number; nanos: number };
  return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1e6));
}

function dateToTimestamp(_type: protobuf.Type, value: unknown, path: string): unknown {
  if (!(value instanceof Date)) return value; // { seconds, nanos } is sent as it is
  const millis = value.getTime();
  if (Number.isNaN(millis)) throw new TypeError(`${path}: Invalid Date`);
  const seconds = Math.floor(millis / 1000);
  return { seconds, nanos: (millis - seconds * 1000) * 1_000_000 };
}

/** A decoded response with every Timestamp as a Date. */
export function fromWire(type: protobuf.Type, message: unknown): unknown {
  return walk(type, message, '', timestampToDate);
}

/** A request ready to encode: every Date as a Timestamp. Throws a TypeError naming the field of an Invalid Date. */
export function toWire(type: protobuf.Type, message: unknown): unknown {
  return walk(type, message, '', dateToTimestamp);
}
