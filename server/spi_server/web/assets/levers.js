// View 2: levers (slider + number each) scored live, and GoalSeek with an optional cheapest plan.

import * as commands from "./commands.js";
import { LEVERS } from "./commands.js";
import { unary } from "./connect.js";
import { ctx, ruleset, unitFieldId, unitMessage } from "./context.js";
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

const DEBOUNCE_MS = 40;
const LABELS = {
  internal: "Internal",
  external: "External",
  expert: "Expert",
  correction_integrity: "Correction: survey integrity",
  correction_prevalence: "Correction: corruption prevalence",
};
const MAXIMUM = { correction_integrity: 30, correction_prevalence: 30 };
const STATUS = { GOAL_STATUS_REACHED: "reached" };

let timer = null;
let moveStarted = 0;
let sequence = 0;
let restoreFromUrl = true;
let costOrder = [];

export function setupLevers() {
  const box = $("levers");
  for (const lever of LEVERS) {
    const row = element("div", undefined, "lever");
    const label = element("label", LABELS[lever]);
    label.htmlFor = `lever-${lever}`;
    const slider = element("input");
    Object.assign(slider, { type: "range", id: `slider-${lever}`, min: 0, step: 0.01 });
    slider.max = MAXIMUM[lever] ?? 100;
    slider.setAttribute("aria-label", `${LABELS[lever]} (slider)`);
    const number = element("input");
    Object.assign(number, { id: `lever-${lever}`, inputMode: "decimal", autocomplete: "off" });
    const delta = element("span", "", "delta");
    delta.id = `delta-${lever}`;
    const error = element("p", "", "error");
    error.id = `lever-${lever}-error`;
    error.setAttribute("role", "alert");
    slider.addEventListener("input", () => {
      number.value = slider.value;
      moved();
    });
    number.addEventListener("input", () => {
      if (Number.isFinite(Number(number.value)) && number.value.trim() !== "") slider.value = number.value;
      moved();
    });
    row.append(label, slider, number, delta, error);
    box.append(row);
    addCostRow(lever);
  }
  $("levers-reset").addEventListener("click", () => resetLevers(true));
  $("goal-button").addEventListener("click", () => goalSeek());
  $("target").addEventListener("change", () => {
    setState("target", $("target").value);
    saveState();
  });
}

function addCostRow(lever) {
  const cells = [LABELS[lever]];
  for (const [prefix, name] of [
    ["cost", "cost per point"],
    ["max", "largest change"],
  ]) {
    const input = element("input");
    Object.assign(input, { id: `${prefix}-${lever}`, inputMode: "decimal", autocomplete: "off" });
    input.setAttribute("aria-label", `${LABELS[lever]}: ${name}`);
    input.value = state.get(`${prefix}_${lever}`) || "";
    const error = element("p", "", "error");
    error.id = `${prefix}-${lever}-error`;
    const cell = element("div");
    cell.append(input, error);
    cells.push(cell);
  }
  const row = $("costs").insertRow();
  for (const cell of cells) {
    const td = row.insertCell();
    if (cell instanceof Node) td.append(cell);
    else td.textContent = cell;
  }
}

// The moved unit a link asks for (m_<lever> values), once, before the levers are first set.
export function leversFromLink(base) {
  if (!restoreFromUrl || !LEVERS.some((lever) => state.has(`m_${lever}`))) return null;
  const errors = [];
  const moved = { ...base };
  for (const lever of LEVERS) {
    if (!state.has(`m_${lever}`)) continue;
    const value = readNumber({ id: `lever-${lever}`, value: state.get(`m_${lever}`) }, errors);
    moved[lever] = value;
  }
  return errors.length ? null : moved;
}

// After a baseline is scored: the levers go to its values (or, once, to the link's values, with
// their answer `movedResult` when the baseline's call brought it).
export async function resetLevers(fromButton, movedResult = null) {
  if (!ctx.base) return;
  const useUrl = restoreFromUrl && !fromButton;
  restoreFromUrl = false;
  for (const lever of LEVERS) {
    const value = useUrl && state.has(`m_${lever}`) ? state.get(`m_${lever}`) : ctx.base.unit[lever];
    $(`lever-${lever}`).value = String(value ?? "");
    $(`slider-${lever}`).value = String(value ?? 0);
  }
  await fillTargets();
  const moved = LEVERS.some((lever) => Number($(`lever-${lever}`).value) !== ctx.base.unit[lever]);
  if (moved && !movedResult) {
    await runMove();
    return;
  }
  // The answer is already here (the baseline's, or the link's moved unit): no second call.
  clearErrors($("view-levers"));
  const unit = readMoved("levers-error");
  if (!unit) return;
  for (const lever of LEVERS) {
    setState(`m_${lever}`, unit[lever] === ctx.base.unit[lever] ? "" : unit[lever]);
  }
  saveState();
  await renderMove(movedResult || ctx.baseResult, ctx.baseProvenance);
  ctx.commands.levers = commands.leversCommand(ctx.base.ruleset, ctx.base.unit, unit);
  $("levers-command").textContent = ctx.commands.levers;
}

async function fillTargets() {
  const details = await ruleset(ctx.base.ruleset);
  const select = $("target");
  const wanted = state.get("target") || select.value || ctx.baseResult?.marginUp?.category;
  select.replaceChildren();
  for (const category of details.categories) {
    const option = element("option", category.label ? `${category.id} — ${category.label}` : category.id);
    option.value = category.id;
    select.append(option);
  }
  if (wanted && details.categories.some((c) => c.id === wanted)) select.value = wanted;
}

function moved() {
  moveStarted = performance.now();
  clearTimeout(timer);
  timer = setTimeout(runMove, DEBOUNCE_MS);
}

function readMoved(errorLine) {
  const errors = [];
  const unit = { unit_id: ctx.base.unit.unit_id };
  for (const lever of LEVERS) unit[lever] = readNumber($(`lever-${lever}`), errors);
  for (const [id, message] of errors) showError(id, message, errorLine);
  return errors.length ? null : unit;
}

async function runMove() {
  if (!ctx.base) return;
  clearErrors($("view-levers"));
  const unit = readMoved("levers-error");
  if (!unit) return;
  const mine = ++sequence;
  for (const lever of LEVERS) {
    setState(`m_${lever}`, unit[lever] === ctx.base.unit[lever] ? "" : unit[lever]);
  }
  saveState();
  try {
    const answer = await unary("Score", { rulesetId: ctx.base.ruleset, units: [unitMessage(unit)] });
    if (mine !== sequence) return;
    await renderMove(answer.results[0], answer.provenance);
    ctx.commands.levers = commands.leversCommand(ctx.base.ruleset, ctx.base.unit, unit);
    $("levers-command").textContent = ctx.commands.levers;
    if (moveStarted) {
      ctx.timings.lever = performance.now() - moveStarted;
      $("levers-result").dataset.ms = ctx.timings.lever.toFixed(1);
      moveStarted = 0;
    }
  } catch (error) {
    if (mine === sequence) {
      showServerError(error, (path) => unitFieldId(path, "lever-"), "levers-error");
    }
  }
}

async function renderMove(result, provenance) {
  const d = provenance.indexDecimals ?? 2;
  const details = await ruleset(ctx.base.ruleset);
  const base = ctx.baseResult;
  for (const lever of LEVERS) {
    const change = Number($(`lever-${lever}`).value) - Number(ctx.base.unit[lever]);
    $(`delta-${lever}`).textContent = Math.abs(change) < 1e-9 ? "" : signed(change, 2);
  }
  const box = $("levers-result");
  box.replaceChildren();
  const line = element("p", "", "headline");
  const index = element("span", fixed(result.index, d), "index");
  index.id = "levers-index";
  index.dataset.value = String(result.index);
  const badge = categoryBadge(result.category, details.categories);
  badge.id = "levers-category";
  const change = result.index - base.index;
  line.append(index, " ", badge, " ", element("span", `${signed(change, d)} from ${fixed(base.index, d)} ${base.category}`));
  box.append(line);
  if (result.marginUp) {
    box.append(element("p", `+${fixed(result.marginUp.points, d)} to ${result.marginUp.category}`));
  }
}

function readCosts(errors) {
  const costs = [];
  for (const lever of LEVERS) {
    const cost = readNumber($(`cost-${lever}`), errors);
    const most = readNumber($(`max-${lever}`), errors);
    setState(`cost_${lever}`, $(`cost-${lever}`).value.trim());
    setState(`max_${lever}`, $(`max-${lever}`).value.trim());
    if (cost === undefined && most === undefined) continue;
    if (cost === undefined) {
      errors.push([`cost-${lever}`, "a largest change needs a cost per point too"]);
      continue;
    }
    costs.push({ lever, costPerPoint: cost, ...(most === undefined ? {} : { maxChange: most }) });
  }
  return costs;
}

function goalFieldId(path) {
  const cost = /^costs\[(\d+)\]\.(\w+)$/.exec(path);
  if (cost) {
    const lever = costOrder[Number(cost[1])];
    return lever ? `${cost[2] === "max_change" ? "max" : "cost"}-${lever}` : null;
  }
  if (path.startsWith("target")) return "target";
  return unitFieldId(path, "lever-");
}

export async function goalSeek() {
  if (!ctx.base) {
    showError(null, "Score a unit first (view 1).", "goal-error");
    return;
  }
  clearErrors($("view-levers"));
  const errors = [];
  const unit = readMoved("goal-error");
  const costs = readCosts(errors);
  for (const [id, message] of errors) showError(id, message, "goal-error");
  if (!unit || errors.length) return;
  const target = $("target").value;
  setState("target", target);
  saveState();
  costOrder = costs.map((c) => c.lever);
  const request = {
    rulesetId: ctx.base.ruleset,
    units: { inline: { units: [unitMessage(unit)] } },
    target: { category: target },
    levers: LEVERS,
    costs,
  };
  try {
    const answer = await unary("GoalSeek", request);
    renderGoal(answer, await ruleset(ctx.base.ruleset));
    ctx.commands.goal = commands.goalCommand(ctx.base.ruleset, unit, target, costs);
    $("goal-command").textContent = ctx.commands.goal;
  } catch (error) {
    showServerError(error, goalFieldId, "goal-error");
  }
}

function renderGoal(answer, details) {
  const d = answer.provenance?.indexDecimals ?? 2;
  const goal = answer.units[0];
  const box = $("goal-result");
  box.replaceChildren();
  box.append(element("p", `Now ${fixed(goal.index, d)} ${goal.category}; target ${answer.target} (index ${fixed(goal.targetIndex, d)}).`));
  const rows = (goal.levers || []).map((lever) => {
    const reached = lever.status === "GOAL_STATUS_REACHED";
    const change = element("span", reached ? signed(lever.change ?? 0, 2) : "—");
    change.dataset.lever = lever.lever;
    change.dataset.value = reached ? String(lever.change ?? 0) : "";
    return [
      LABELS[lever.lever] ?? lever.lever,
      change,
      reached ? fixed(lever.newValue, 2) : "—",
      reached ? fixed(lever.newIndex, d) : "—",
      reached ? categoryBadge(lever.newCategory, details.categories) : (lever.reason || STATUS[lever.status] || lever.status),
    ];
  });
  const levers = table(["lever alone", "change", "new value", "new index", "category / why not"], rows, "Each lever alone");
  levers.id = "goal-levers";
  box.append(levers);
  if (goal.plan) box.append(renderPlan(goal.plan, d, details));
}

function renderPlan(plan, d, details) {
  const part = element("div", undefined, "plan");
  part.id = "goal-plan";
  if (!plan.feasible) {
    part.append(element("p", "No plan within these levers and bounds reaches the target."));
    return part;
  }
  part.dataset.cost = String(plan.cost ?? 0);
  part.dataset.changes = JSON.stringify(plan.changes || []);
  const moves = (plan.changes || []).map((c) => `${LABELS[c.lever] ?? c.lever} ${signed(c.change, 2)}`);
  const line = element("p", `Cheapest plan: ${moves.join(", ")} — cost ${fixed(plan.cost, 2)}`);
  if (plan.bestSingleCost !== undefined) line.append(` (cheapest single lever: ${fixed(plan.bestSingleCost, 2)})`);
  line.append(` → ${fixed(plan.newIndex, d)} `, categoryBadge(plan.newCategory, details.categories));
  part.append(line);
  return part;
}
