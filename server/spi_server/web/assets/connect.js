// A small Connect-protocol client for the browser: spi.v1.SpiEngine over HTTP with JSON.
//
// Unary calls POST JSON to /spi.v1.SpiEngine/<Method>; server-streaming calls POST one
// application/connect+json envelope (1 flag byte, 4-byte big-endian length, JSON) and read the
// answer's envelopes until the end-stream one (flag 0x02), which may carry an error. Errors
// become a ConnectError with the Connect code, the message and the field violations of a
// google.rpc.BadRequest detail (from its "debug" JSON, else decoded from its base64 protobuf).

const SERVICE = "/spi.v1.SpiEngine/";
const END_STREAM = 0x02;

export class ConnectError extends Error {
  constructor(code, message, violations = []) {
    super(message);
    this.code = code;
    this.violations = violations; // [{field, description}]
  }
}

function token() {
  // A bearer token for a server started with tokens: kept in this tab only, never in the URL.
  return sessionStorage.getItem("spi-token") || "";
}

function headers(contentType) {
  const h = { "Content-Type": contentType, "Connect-Protocol-Version": "1" };
  if (token()) h.Authorization = `Bearer ${token()}`;
  return h;
}

export async function unary(method, request) {
  const response = await fetch(SERVICE + method, {
    method: "POST",
    headers: headers("application/json"),
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (!response.ok) throw errorFrom(parseJson(text, response.status), response.status);
  return parseJson(text, response.status);
}

export async function serverStream(method, request) {
  const payload = new TextEncoder().encode(JSON.stringify(request));
  const body = new Uint8Array(5 + payload.length);
  new DataView(body.buffer).setUint32(1, payload.length);
  body.set(payload, 5);
  const response = await fetch(SERVICE + method, {
    method: "POST",
    headers: headers("application/connect+json"),
    body,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    throw errorFrom(parseJson(new TextDecoder().decode(bytes), response.status), response.status);
  }
  return envelopes(bytes);
}

function envelopes(bytes) {
  const messages = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 5 <= bytes.length) {
    const flags = bytes[at];
    const size = view.getUint32(at + 1);
    const json = parseJson(new TextDecoder().decode(bytes.subarray(at + 5, at + 5 + size)), 200);
    at += 5 + size;
    if (flags & END_STREAM) {
      if (json.error) throw errorFrom(json.error, 200);
      return messages;
    }
    messages.push(json);
  }
  throw new ConnectError("unknown", "the stream ended without its end-stream message");
}

function parseJson(text, status) {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConnectError("unknown", `HTTP ${status}: not JSON: ${text.slice(0, 200)}`);
  }
}

function errorFrom(body, status) {
  const code = body.code || `http_${status}`;
  const violations = [];
  for (const detail of body.details || []) {
    if (!String(detail.type).endsWith("google.rpc.BadRequest")) continue;
    const found = detail.debug?.fieldViolations || detail.debug?.field_violations;
    violations.push(...(found || badRequestFromBase64(detail.value || "")));
  }
  return new ConnectError(code, body.message || `HTTP ${status}`, violations);
}

// google.rpc.BadRequest: field 1 repeated FieldViolation {1: field, 2: description} (strings).
export function badRequestFromBase64(value) {
  const padded = value.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(padded + "===".slice((padded.length + 3) % 4)), (c) =>
    c.charCodeAt(0),
  );
  return fields(bytes)
    .filter(([number]) => number === 1)
    .map(([, inner]) => {
      const parts = Object.fromEntries(fields(inner).map(([n, v]) => [n, new TextDecoder().decode(v)]));
      return { field: parts[1] || "", description: parts[2] || "" };
    });
}

function fields(bytes) {
  const out = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 2) {
      const size = varint();
      out.push([Math.floor(key / 8), bytes.subarray(at, at + size)]);
      at += size;
    } else if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else break;
  }
  return out;
}
