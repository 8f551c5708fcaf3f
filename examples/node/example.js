#!/usr/bin/env node
// A Node.js caller of spi.v1.SpiEngine, with @grpc/grpc-js and @grpc/proto-loader loading the
// repository's protos/ at run time (no generated code). It calls health, server reflection,
// ListRulesets, Score (one unit, then a batch), an invalid Score whose google.rpc.BadRequest it
// decodes from the `grpc-status-details-bin` trailer, and GoalSeek, and prints every answer as one
// JSON document on standard output (tests/integration/test_node_client.py checks it against the
// Python client).
//
//   npm ci && node example.js --target localhost:50051 [--token TOKEN] [--protos DIR]
//
// Exit codes: 0 done, 1 a call failed unexpectedly (the error is on standard error), 2 bad usage.
'use strict';

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

// How decoded messages look, for proto-loader and for protobufjs alike. Each option avoids a trap:
const CONVERSION = {
  // Field names as written in the .proto (unit_id, correction_integrity), as in the docs and in the
  // server's field paths ("units[0].correction_integrity"). Without it the loader expects
  // camelCase (unitId) and silently DROPS a snake_case key it does not know: the server then sees
  // the field as absent.
  keepCase: true,
  // 64-bit integers as decimal strings: a JavaScript number loses precision above 2^53.
  longs: String,
  // Enum values by name ("REACHED", "SERVING"), not by number.
  enums: String,
  // Leave absent fields out of decoded messages. With defaults: true an absent `optional double`
  // (e.g. LeverAnswer.change when a lever cannot reach the target) would read as 0, a real-looking
  // number that means "not there": the silent default this API never gives.
  defaults: false,
  // Name the field that is set in each oneof (e.g. `message_response: "list_services_response"`),
  // so a caller can switch on it instead of probing every member.
  oneofs: true,
};

const RPC_PROTOS = ['google/rpc/status.proto', 'google/rpc/error_details.proto'];

class UsageError extends Error {}

function parseArguments(argv) {
  const options = {
    target: 'localhost:50051',
    token: '',
    protos: path.resolve(__dirname, '..', '..', 'protos'),
    timeout: 10,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const name = flag.replace(/^--/, '');
    if (!(name in options) || value === undefined) {
      throw new UsageError(
        `unknown option or missing value: ${flag}; expected --target HOST:PORT, --token TOKEN, ` +
          '--protos DIR, --timeout SECONDS',
      );
    }
    if (name === 'timeout' && !(Number(value) > 0)) {
      throw new UsageError(`--timeout: expected a number of seconds > 0; got '${value}'`);
    }
    options[name] = name === 'timeout' ? Number(value) : value;
  }
  return options;
}

// The service stubs, from protos/ (our API) and protos/third_party/ (health, reflection).
function loadServices(protos) {
  const definition = protoLoader.loadSync(
    [
      'spi/v1/engine.proto',
      'grpc/health/v1/health.proto',
      'grpc/reflection/v1alpha/reflection.proto',
      'grpc/reflection/v1/reflection.proto',
    ],
    { ...CONVERSION, includeDirs: [protos, path.join(protos, 'third_party')] },
  );
  return grpc.loadPackageDefinition(definition);
}

// google.rpc.Status and its details, for decoding the trailer of a failed call. proto-loader makes
// service stubs only, so these messages are loaded with protobufjs (which proto-loader runs on);
// google/protobuf/any.proto and duration.proto are built into protobufjs.
function loadStatusTypes(protos) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protos, 'third_party', target);
  root.loadSync(RPC_PROTOS, { keepCase: true });
  return root;
}

// The google.rpc.Status of a failed call, its details unpacked, or null when it has none.
function richStatus(statusTypes, error) {
  const trailer = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  if (trailer.length === 0) return null;
  const Status = statusTypes.lookupType('google.rpc.Status');
  const status = Status.decode(trailer[0]);
  return {
    code: status.code,
    message: status.message,
    details: status.details.map((any) => {
      const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
      const type = statusTypes.lookup(typeName);
      if (!(type instanceof protobuf.Type)) {
        return { '@type': typeName, value_base64: Buffer.from(any.value).toString('base64') };
      }
      return { '@type': typeName, ...type.toObject(type.decode(any.value), CONVERSION) };
    }),
  };
}

const CODE_NAMES = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));

class Caller {
  constructor(options) {
    this.timeout = options.timeout;
    this.metadata = new grpc.Metadata();
    if (options.token) this.metadata.set('authorization', `Bearer ${options.token}`);
  }

  deadline() {
    return new Date(Date.now() + this.timeout * 1000);
  }

  // One unary call as a promise.
  unary(stub, method, request) {
    return new Promise((resolve, reject) => {
      stub[method](request, this.metadata, { deadline: this.deadline() }, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  }

  // One request on the bidirectional reflection stream; its answers.
  reflect(stub, request) {
    return new Promise((resolve, reject) => {
      const call = stub.ServerReflectionInfo(this.metadata, { deadline: this.deadline() });
      const answers = [];
      call.on('data', (answer) => answers.push(answer));
      call.on('error', reject);
      call.on('end', () => resolve(answers));
      call.write(request);
      call.end();
    });
  }
}

async function health(caller, services, target) {
  const stub = new services.grpc.health.v1.Health(target, grpc.credentials.createInsecure());
  const status = {};
  for (const service of ['', 'spi.v1.SpiEngine']) {
    status[service || '(server)'] = (await caller.unary(stub, 'Check', { service })).status;
  }
  stub.close();
  return status;
}

// The services a reflection version lists, and the files describing spi.v1.SpiEngine; a version
// the server does not serve gives its status code instead.
async function reflection(caller, services, target, version) {
  const Reflection = services.grpc.reflection[version].ServerReflection;
  const stub = new Reflection(target, grpc.credentials.createInsecure());
  try {
    const [listed] = await caller.reflect(stub, { list_services: '' });
    const [files] = await caller.reflect(stub, { file_containing_symbol: 'spi.v1.SpiEngine' });
    return {
      services: listed.list_services_response.service.map((s) => s.name).sort(),
      files_for_spi_engine: files.file_descriptor_response.file_descriptor_proto
        .map((bytes) => descriptor.FileDescriptorProto.decode(bytes).name)
        .sort(),
    };
  } catch (error) {
    if (error.code === grpc.status.UNIMPLEMENTED) return { error: 'UNIMPLEMENTED' };
    throw error;
  } finally {
    stub.close();
  }
}

// Every unit gives its correction explicitly (0 when there is none): an absent correction is an
// error, and with keepCase a misspelt key would be dropped, so the server names the field.
const PROBOLINGGO = {
  unit_id: 'probolinggo',
  group: 'kabupaten',
  internal: 75.61,
  external: 89.02,
  expert: 73.53,
  correction: 7.59,
};
const BATCH = [
  PROBOLINGGO,
  { unit_id: 'inspektorat', group: 'kota', internal: 80.1, external: 85.0, expert: 74.2,
    correction_integrity: 1.2, correction_prevalence: 0.0 },
  { unit_id: 'bappeda', group: 'kota', internal: 76.4, external: 82.1, expert: 70.0,
    correction_integrity: 2.1, correction_prevalence: 0.5 },
  { unit_id: 'dinas-kesehatan', group: 'kabupaten', internal: 92.0, external: 95.5, expert: 88.0,
    correction: 0 },
];
// Three bad values in two units: the BadRequest names each one.
const INVALID = [
  { unit_id: 'too-high', internal: 101.5, external: 80.0, expert: 70.0, correction: 0 },
  { unit_id: 'negative', internal: 70.0, external: -3.0, expert: 60.0, correction: -1.0 },
];

async function invalidScore(caller, engine, statusTypes, request) {
  try {
    await caller.unary(engine, 'Score', request);
  } catch (error) {
    return {
      code: CODE_NAMES[error.code],
      message: error.details,
      status: richStatus(statusTypes, error),
    };
  }
  throw new Error('Score with invalid units succeeded; expected INVALID_ARGUMENT');
}

const GOAL_SEEK = {
  ruleset_id: 'spi-2024',
  units: { inline: { units: [PROBOLINGGO] } },
  target: { category: 'waspada' },
  costs: [
    { lever: 'internal', cost_per_point: 3 },
    { lever: 'external', cost_per_point: 1, max_change: 2 },
    { lever: 'expert', cost_per_point: 5 },
    { lever: 'correction', cost_per_point: 2, max_change: 1 },
  ],
};

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const services = loadServices(options.protos);
  const statusTypes = loadStatusTypes(options.protos);
  const caller = new Caller(options);
  const engine = new services.spi.v1.SpiEngine(options.target, grpc.credentials.createInsecure());
  const requests = {
    score_one: { ruleset_id: 'spi-2024', units: [PROBOLINGGO] },
    score_batch: { ruleset_id: 'spi-2024', units: BATCH },
    invalid_score: { ruleset_id: 'spi-2024', units: INVALID },
    goal_seek: GOAL_SEEK,
  };
  const report = {
    target: options.target,
    health: await health(caller, services, options.target),
    reflection: {
      v1alpha: await reflection(caller, services, options.target, 'v1alpha'),
      v1: await reflection(caller, services, options.target, 'v1'),
    },
    list_rulesets: await caller.unary(engine, 'ListRulesets', {}),
    score_one: await caller.unary(engine, 'Score', requests.score_one),
    score_batch: await caller.unary(engine, 'Score', requests.score_batch),
    invalid_score: await invalidScore(caller, engine, statusTypes, requests.invalid_score),
    goal_seek: await caller.unary(engine, 'GoalSeek', requests.goal_seek),
    // What was sent, so that anyone can replay it through another client.
    requests,
  };
  engine.close();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`example.js: ${error.message}\n`);
    process.exitCode = 2;
  } else if (typeof error.code === 'number') {
    process.stderr.write(`example.js: a call failed: ${CODE_NAMES[error.code]}: ${error.details}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`example.js: ${error.stack || error}\n`);
    process.exitCode = 1;
  }
});
