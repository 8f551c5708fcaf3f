#!/usr/bin/env node
// A Node.js caller of spi.v1.SpiEngine over the HTTP/1.1 door (Connect protocol, JSON), with
// @connectrpc/connect-node. No generated code: the service and its messages come from a
// FileDescriptorSet of protos/ (with google/rpc/error_details.proto, to decode BadRequest):
//
//   buf build protos -o spi.binpb        # or:
//   python -m grpc_tools.protoc -Iprotos -Iprotos/third_party --include_imports \
//       --descriptor_set_out=spi.binpb spi/v1/engine.proto google/rpc/error_details.proto
//   npm ci && node http-example.js --base-url http://localhost:8080 --descriptors spi.binpb
//
// It calls ListRulesets, Score (one unit, then a batch), an invalid Score whose BadRequest it
// decodes from the Connect error's details, a Score with an unknown ruleset, and Sweep (a server
// stream), and prints every request and answer as one JSON document on standard output
// (tests/integration/test_node_client.py checks it against the gRPC door's answers).
//
// Exit codes: 0 done, 1 a call failed unexpectedly (the error is on standard error), 2 bad usage.
'use strict';

const fs = require('node:fs');
const { createClient, ConnectError, Code } = require('@connectrpc/connect');
const { createConnectTransport } = require('@connectrpc/connect-node');
const { createFileRegistry, fromBinary, fromJson, toJson } = require('@bufbuild/protobuf');
const { FileDescriptorSetSchema } = require('@bufbuild/protobuf/wkt');

class UsageError extends Error {}

function parseArguments(argv) {
  const options = { 'base-url': 'http://localhost:8080', descriptors: '', token: '', timeout: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const name = flag.replace(/^--/, '');
    if (!(name in options) || value === undefined) {
      throw new UsageError(
        `unknown option or missing value: ${flag}; expected --base-url URL, ` +
          '--descriptors FILE, --token TOKEN, --timeout SECONDS',
      );
    }
    options[name] = value;
  }
  if (!options.descriptors) {
    throw new UsageError('expected --descriptors FILE (a FileDescriptorSet of protos/); got none');
  }
  if (!(Number(options.timeout) > 0)) {
    throw new UsageError(`--timeout: expected seconds > 0; got ${options.timeout}`);
  }
  return options;
}

// The JSON of a message as the protobuf JSON mapping gives it (camelCase, the same as the door).
function json(registry, schema, message) {
  return toJson(schema, message, { registry });
}

async function main(argv) {
  const options = parseArguments(argv);
  const registry = createFileRegistry(
    fromBinary(FileDescriptorSetSchema, fs.readFileSync(options.descriptors)),
  );
  const service = registry.getService('spi.v1.SpiEngine');
  const badRequest = registry.getMessage('google.rpc.BadRequest');
  if (service === undefined || badRequest === undefined) {
    throw new UsageError(
      `${options.descriptors}: expected spi.v1.SpiEngine and google.rpc.BadRequest in it`,
    );
  }
  const transport = createConnectTransport({
    baseUrl: options['base-url'],
    httpVersion: '1.1',
    // JSON on the wire, readable in a proxy's log; `useBinaryFormat: true` sends protobuf.
    useBinaryFormat: false,
    interceptors: options.token
      ? [
          (next) => async (request) => {
            request.header.set('Authorization', `Bearer ${options.token}`);
            return next(request);
          },
        ]
      : [],
  });
  const client = createClient(service, transport);
  const callOptions = { timeoutMs: Number(options.timeout) * 1000 };
  const method = (name) => service.methods.find((m) => m.localName === name);
  const request = (name, value) => fromJson(method(name).input, value, { registry });
  const report = {};

  report.list_rulesets = json(
    registry,
    method('listRulesets').output,
    await client.listRulesets({}, callOptions),
  );

  const units = [
    { unitId: 'a', group: 'kota', internal: 80.0, external: 85.5, expert: 70.25, correction: 0 },
    { unitId: 'b', internal: 75.61, external: 89.02, expert: 73.53, correction: 7.59 },
    { unitId: 'c', internal: 72, external: 74, expert: 73, correctionIntegrity: 0.5, correctionPrevalence: 0.25 },
  ];
  for (const [key, some] of [
    ['score_one', units.slice(0, 1)],
    ['score_batch', units],
  ]) {
    const sent = { rulesetId: 'spi-2024', units: some };
    const answer = await client.score(request('score', sent), callOptions);
    report[key] = { request: sent, response: json(registry, method('score').output, answer) };
  }

  const invalid = { rulesetId: 'spi-2024', units: [{ ...units[0], external: 101.5 }] };
  report.invalid = { request: invalid, ...(await failure(() => client.score(request('score', invalid), callOptions), badRequest)) };
  const unknown = { rulesetId: 'spi-1999', units: units.slice(0, 1) };
  report.unknown_ruleset = await failure(
    () => client.score(request('score', unknown), callOptions),
    badRequest,
  );

  const sweep = {
    rulesetId: 'spi-2024',
    units: { inline: { units: units.slice(0, 2) } },
    axes: [{ lever: 'external', range: { start: 80, stop: 84, step: 0.5 } }],
    chunkSize: 4,
  };
  const messages = [];
  for await (const message of client.sweep(request('sweep', sweep), callOptions)) {
    messages.push(json(registry, method('sweep').output, message));
  }
  report.sweep = { request: sweep, messages };
  return report;
}

// The Connect error a call ends with: code name, message, and BadRequest field violations.
async function failure(call, badRequest) {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    const violations = error
      .findDetails(badRequest)
      .flatMap((detail) => detail.fieldViolations)
      .map((v) => ({ field: v.field, description: v.description }));
    return { code: Code[error.code], message: error.rawMessage, violations };
  }
  throw new Error('expected the call to fail; it succeeded');
}

main(process.argv.slice(2)).then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  },
  (error) => {
    process.stderr.write(`http-example.js: ${error.stack || error}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
