// What the views share: rulesets, datasets, the scored baseline unit, commands and timings.

import { unary } from "./connect.js";

export const ctx = {
  rulesets: new Map(), // id -> RulesetSummary
  details: new Map(), // id -> {categories, decimals, sha256}
  datasets: [], // DatasetSummary
  rows: [], // the chosen dataset year's rows (ListDatasetUnits)
  unitName: "",
  base: null, // {ruleset, unit}: the last unit scored
  baseResult: null,
  commands: {}, // view -> `spi` command
  timings: {}, // ms: ready (page load), lever (last lever move to answer)
};

// The UnitInput JSON field of a lever.
export function unitField(lever) {
  return lever.replace(/_(\w)/g, (_, letter) => letter.toUpperCase());
}

// A UnitInput message (protobuf JSON) from {unit_id, internal, ...}: absent numbers stay absent.
export function unitMessage(unit) {
  const message = {};
  if (unit.unit_id) message.unitId = unit.unit_id;
  for (const [key, value] of Object.entries(unit)) {
    if (key !== "unit_id" && value !== undefined) message[unitField(key)] = value;
  }
  return message;
}

// The categories and decimals of a ruleset (GetRuleset, once per id).
export async function ruleset(id) {
  if (!id) return { categories: [], decimals: 2 };
  if (!ctx.details.has(id)) {
    const answer = await unary("GetRuleset", { rulesetId: id });
    const scheme = answer.ruleset.categories?.categories || [];
    ctx.details.set(id, {
      categories: scheme.map((c) => ({ ...c, lowerBound: c.lowerBound ?? 0 })),
      decimals: answer.ruleset.rounding?.decimals ?? 0,
      sha256: answer.sha256,
    });
  }
  return ctx.details.get(id);
}

// The input id that a field path of a one-unit request names (Score, GoalSeek, uncertainty).
export function unitFieldId(path, prefix = "in-") {
  const match = /^units(?:\.inline\.units)?\[0\]\.(\w+)$/.exec(path);
  if (match) return `${prefix}${match[1] === "correction" ? "correction_integrity" : match[1]}`;
  return path === "ruleset_id" ? "ruleset" : null;
}
