// View 4: a scenario over a group of dataset units (Simulate, streamed): category counts before
// and after, and the units that change category.

import * as commands from "./commands.js";
import { LEVERS } from "./commands.js";
import { serverStream, unary } from "./connect.js";
import { ctx, ruleset } from "./context.js";
import {
  $,
  categoryBadge,
  clearErrors,
  element,
  fixed,
  readNumber,
  saveState,
  setState,
  showError,
  showServerError,
  signed,
  state,
  table,
} from "./ui.js";

const OPERATIONS = { add: "OPERATION_ADD", set: "OPERATION_SET", scale: "OPERATION_SCALE", cap: "OPERATION_CAP" };

export function setupGroup() {
  const dataset = ctx.datasets[0];
  if (!dataset) {
    showError(null, "This view needs a reference dataset: start spi-server with --dataset NAME=PATH.", "group-error");
    $("group-button").disabled = true;
    return;
  }
  fill($("g-year"), [...(dataset.years || [])].reverse().map(String), state.get("g_year"));
  fill($("g-group"), ["", ...(dataset.groups || [])], state.get("g_group"), "every type");
  fill($("g-lever"), LEVERS, state.get("g_lever") || "external");
  $("g-operation").value = state.get("g_op") || "add";
  $("g-name").value = state.get("g_name") || "";
  $("g-value").value = state.get("g_value") || "";
  $("group-button").addEventListener("click", () => runGroup());
}

function fill(select, values, wanted, emptyLabel) {
  select.replaceChildren();
  for (const value of values) {
    const option = element("option", value || emptyLabel);
    option.value = value;
    select.append(option);
  }
  if (wanted !== null && values.includes(wanted)) select.value = wanted;
}

function fieldId(path) {
  if (path.startsWith("units.dataset.year")) return "g-year";
  if (path.startsWith("units.dataset.groups")) return "g-group";
  if (path.startsWith("units.dataset.unit_ids")) return "g-name";
  const change = /^scenario\.interventions\[0\]\.(\w+)$/.exec(path);
  if (change) return { lever: "g-lever", value: "g-value", operation: "g-operation" }[change[1]] ?? null;
  return null;
}

// The selection: year, type and (from a name part) the ids; null after showing an error.
async function selection(dataset) {
  const year = Number($("g-year").value);
  const groups = $("g-group").value ? [$("g-group").value] : [];
  const name = $("g-name").value.trim();
  let unitIds = [];
  if (name) {
    const found = await unary("ListDatasetUnits", {
      units: { dataset: { dataset: dataset.name, year, groups } },
      nameContains: name,
    });
    unitIds = (found.units || []).map((row) => row.input.unitId);
    if (!unitIds.length) {
      showError("g-name", `No ${groups[0] || "institution"} of ${year} has a name containing ${JSON.stringify(name)}.`, "group-error");
      return null;
    }
  }
  return { year, groups, unitIds };
}

export async function runGroup() {
  clearErrors($("view-group"));
  const dataset = ctx.datasets[0];
  const errors = [];
  const value = readNumber($("g-value"), errors);
  for (const [id, message] of errors) showError(id, message, "group-error");
  if (errors.length) return;
  const intervention = { lever: $("g-lever").value, operation: $("g-operation").value, value };
  for (const [key, id] of [["g_year", "g-year"], ["g_group", "g-group"], ["g_name", "g-name"], ["g_lever", "g-lever"], ["g_op", "g-operation"], ["g_value", "g-value"]]) {
    setState(key, $(id).value.trim());
  }
  saveState();
  try {
    const chosen = await selection(dataset);
    if (!chosen) return;
    const scenario = {
      name: "planner page",
      interventions: [{ lever: intervention.lever, operation: OPERATIONS[intervention.operation], value }],
    };
    const messages = await serverStream("Simulate", {
      units: { dataset: { dataset: dataset.name, year: chosen.year, groups: chosen.groups, unitIds: chosen.unitIds } },
      scenario,
    });
    await render(messages);
    ctx.commands.group = commands.groupCommand(dataset, chosen, { ...intervention, value });
    $("group-command").textContent = ctx.commands.group;
  } catch (error) {
    showServerError(error, fieldId, "group-error");
  }
}

async function render(messages) {
  const summary = messages[0].summary;
  const comparison = summary.comparisons[0];
  const d = comparison.baseline.indexDecimals ?? 2;
  const details = await ruleset(comparison.baseline.rulesetId);
  const box = $("group-result");
  box.replaceChildren();
  box.append(
    element(
      "p",
      `${summary.units} units (${summary.excluded ?? 0} withheld rows left out); mean index ` +
        `${fixed(comparison.meanBefore, d)} → ${fixed(comparison.meanAfter, d)}; ` +
        `${comparison.movedUp ?? 0} move up, ${comparison.movedDown ?? 0} move down.`,
    ),
  );
  const after = new Map((comparison.countsAfter || []).map((c) => [c.category, c.units ?? 0]));
  const counts = (comparison.countsBefore || []).map((c) => {
    const before = element("span", String(c.units ?? 0));
    before.dataset.category = c.category;
    before.dataset.side = "before";
    const later = element("span", String(after.get(c.category) ?? 0));
    later.dataset.category = c.category;
    later.dataset.side = "after";
    return [categoryBadge(c.category, details.categories), before, later];
  });
  const tally = table(["category", "before", "after"], counts, "Units per category");
  tally.id = "group-counts";
  box.append(tally);
  const movers = messages
    .slice(1)
    .flatMap((m) => m.rows?.rows || [])
    .filter((row) => row.categoryBefore !== row.categoryAfter)
    .map((row) => [
      row.name || row.unitId,
      `${fixed(row.indexBefore, d)} → ${fixed(row.indexAfter, d)} (${signed(row.delta, d)})`,
      categoryBadge(row.categoryBefore, details.categories),
      categoryBadge(row.categoryAfter, details.categories),
    ]);
  const moved = table(["unit", "index", "before", "after"], movers, `Units that change category (${movers.length})`);
  moved.id = "group-movers";
  box.append(moved);
}
