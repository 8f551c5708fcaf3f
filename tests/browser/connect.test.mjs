// node --test: the page's Connect client decodes a google.rpc.BadRequest from its base64 value
// when a server sends no "debug" JSON (the field violations are what the page shows).

import assert from "node:assert/strict";
import { test } from "node:test";
import { badRequestFromBase64 } from "../../server/spi_server/web/assets/connect.js";

// BadRequest{field_violations: [{units[0].external, ...}, {units[0].expert, ...}]}, unpadded
// base64 as a Connect server sends it.
const VALUE =
  "ClcKEXVuaXRzWzBdLmV4dGVybmFsEkJleHBlY3RlZCBhIG51bWJlciBmcm9tIDAgdG8gMTAwOyBnb3Qgbm90aGluZyAodGhlIGZpZWxkIGlzIGFic2VudCkKVQoPdW5pdHNbMF0uZXhwZXJ0EkJleHBlY3RlZCBhIG51bWJlciBmcm9tIDAgdG8gMTAwOyBnb3Qgbm90aGluZyAodGhlIGZpZWxkIGlzIGFic2VudCk";

test("field violations decoded from the protobuf bytes", () => {
  const absent = "expected a number from 0 to 100; got nothing (the field is absent)";
  assert.deepEqual(badRequestFromBase64(VALUE), [
    { field: "units[0].external", description: absent },
    { field: "units[0].expert", description: absent },
  ]);
});

test("padded and url-safe base64 decode the same", () => {
  const padded = VALUE + "=".repeat((4 - (VALUE.length % 4)) % 4);
  assert.deepEqual(badRequestFromBase64(padded), badRequestFromBase64(VALUE));
  assert.deepEqual(badRequestFromBase64(VALUE.replace(/\+/g, "-").replace(/\//g, "_")), badRequestFromBase64(VALUE));
});

test("no violations in an empty message", () => {
  assert.deepEqual(badRequestFromBase64(""), []);
});
