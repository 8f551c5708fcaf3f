// The planner page: pick or type a unit, score it, and open the what-if views on it.
// Every number shown comes from spi.v1.SpiEngine over Connect JSON (see connect.js).

import { unary } from "./connect.js";
import * as commands from "./commands.js";
import { LEVERS } from "./commands.js";
import { ctx, ruleset, unitField, unitFieldId, unitMessage } from "./context.js";
import { setupGroup } from "./group.js";
import { leversFromLink, resetLevers, setupLevers } from "./levers.js";
import {
  $,
  categoryBadge,
  clearErrors,
  copy,
  element,
  fixed,
  readNumber,
  saveState,
  setState,
  showError,
  showServerError,
  state,
  table,
} from "./ui.js";
import { setupUncertainty } from "./uncertainty.js";

const VIEWS = ["score", "levers", "uncertainty", "group"];

async function start() {
  setupTabs();
  setupCopyButtons();
  setupLevers();
  setupUncertainty();
  $("score-button").addEventListener("click", () => scoreUnit());
  for (const lever of LEVERS) {
    // Typed inputs are no longer the picked institution's: its id and name go.
    $(`in-${lever}`).addEventListener("input", () => {
      setState("unit", "");
      showName("");
    });
    $(`in-${lever}`).addEventListener("keydown", (event) => {
      if (event.key === "Enter") scoreUnit();
    });
  }
  // The unit of a link is scored at once, while the rulesets and the dataset load.
  restoreUnit();
  const rulesetsReady = loadRulesets();
  const datasetsReady = loadDatasets();
  const scored = LEVERS.every((lever) => state.has(lever)) && state.get("ruleset") ? scoreUnit() : null;
  await rulesetsReady;
  await datasetsReady;
  setupGroup();
  showName(ctx.rows.find((r) => r.input.unitId === state.get("unit"))?.name || "");
  await scored;
  document.body.dataset.readyMs = performance.now().toFixed(1); // since navigation start
  document.body.dataset.ready = "true";
}

function showName(name) {
  ctx.unitName = name;
  if ($("score-name")) $("score-name").textContent = name;
}

function setupTabs() {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  }
  showView(VIEWS.includes(state.get("view")) ? state.get("view") : "score");
}

export function showView(view) {
  for (const tab of document.querySelectorAll(".tab")) {
    const current = tab.dataset.view === view;
    tab.setAttribute("aria-current", current ? "page" : "false");
  }
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  $("unit").hidden = view === "group";
  setState("view", view);
  saveState();
}

function setupCopyButtons() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => {
      const view = button.dataset.for;
      if (button.dataset.copy === "link") copy(location.href);
      else copy(ctx.commands[view] || "Run this view first: there is nothing to reproduce yet.");
    });
  }
}

async function loadRulesets() {
  const answer = await unary("ListRulesets", {});
  const select = $("ruleset");
  const wanted = select.value;
  for (const ruleset of answer.rulesets || []) {
    ctx.rulesets.set(ruleset.id, ruleset);
    const option = element("option", `${ruleset.id} — ${ruleset.label}`);
    option.value = ruleset.id;
    select.append(option);
  }
  // A link's ruleset was put in before the list came: keep it once, say when it is not loaded.
  const early = select.querySelector("option[data-early]");
  if (early && ctx.rulesets.has(early.value)) early.remove();
  else if (early) early.textContent = `${early.value} (not loaded here)`;
  select.value = wanted;
  const count = ctx.rulesets.size;
  $("engine").textContent = `spi-engine: ${count} ruleset${count === 1 ? "" : "s"} loaded`;
  }

async function loadDatasets() {
  const answer = await unary("ListDatasets", {});
  ctx.datasets = answer.datasets || [];
  const select = $("dataset");
  if (!ctx.datasets.length) {
    $("pick-hint").textContent =
      "No reference dataset is loaded on this server (spi-server --dataset NAME=PATH): type the five inputs.";
    return;
  }
  select.replaceChildren();
  for (const dataset of ctx.datasets) {
    const option = element("option", `${dataset.name} (${dataset.rows} rows)`);
    option.value = dataset.name;
    select.append(option);
  }
  select.value = state.get("dataset") || ctx.datasets[0].name;
  select.addEventListener("change", () => pickDataset());
  $("year").addEventListener("change", () => loadRows());
  $("search").value = state.get("q") || "";
  $("search").addEventListener("input", () => showMatches());
  $("matches").addEventListener("change", () => pickRow($("matches").value));
  $("matches").addEventListener("keydown", (event) => {
    if (event.key === "Enter") pickRow($("matches").value);
  });
  await pickDataset(state.get("year"));
}

export function currentDataset() {
  return ctx.datasets.find((d) => d.name === $("dataset").value);
}

async function pickDataset(year) {
  const dataset = currentDataset();
  const select = $("year");
  select.replaceChildren();
  for (const y of [...(dataset.years || [])].reverse()) {
    const option = element("option", String(y));
    option.value = String(y);
    select.append(option);
  }
  if (year) select.value = year;
  setState("dataset", dataset.name);
  await loadRows();
}

let rowsAsked = 0;

async function loadRows() {
  clearErrors($("pick"));
  const year = Number($("year").value);
  const mine = ++rowsAsked;
  ctx.rows = [];
  $("matches").replaceChildren();
  delete $("matches").dataset.year;
  try {
    const answer = await unary("ListDatasetUnits", {
      units: { dataset: { dataset: $("dataset").value, year } },
    });
    if (mine !== rowsAsked) return; // another year was chosen meanwhile
    ctx.rows = answer.units || [];
    $("matches").dataset.year = String(year);
  } catch (error) {
    if (mine !== rowsAsked) return;
    showServerError(error, (path) => (path.endsWith(".year") ? "year" : null), "dataset-error");
  }
  setState("year", year);
  saveState();
  showMatches();
}

function showMatches() {
  const needle = $("search").value.trim().toLocaleLowerCase();
  setState("q", $("search").value.trim());
  saveState();
  const found = ctx.rows.filter((row) => (row.name || "").toLocaleLowerCase().includes(needle));
  const list = $("matches");
  list.replaceChildren();
  for (const row of found.slice(0, 200)) {
    const published = row.publishedIndex === undefined ? "" : ` — published ${row.publishedIndex}`;
    const option = element("option", `${row.name} (${row.input.group})${published}`);
    option.value = row.input.unitId;
    list.append(option);
  }
  $("pick-hint").textContent = `${found.length} of ${ctx.rows.length} institutions match${
    found.length > 200 ? " (the first 200 are listed)" : ""
  }. Choose one, or type the five inputs below.`;
  if (state.get("unit") && found.some((r) => r.input.unitId === state.get("unit"))) {
    list.value = state.get("unit");
  }
}

async function pickRow(unitId) {
  const row = ctx.rows.find((r) => r.input.unitId === unitId);
  if (!row) return;
  for (const lever of LEVERS) {
    $(`in-${lever}`).value = String(row.input[unitField(lever)] ?? 0);
  }
  const id = `spi-${row.year}`;
  if (ctx.rulesets.has(id)) $("ruleset").value = id;
  setState("unit", unitId);
  showName(row.name);
  await scoreUnit();
}

function restoreUnit() {
  const id = state.get("ruleset");
  if (id) {
    // Before the rulesets are listed; an id this server lacks gets its NOT_FOUND beside the field.
    const option = element("option", id);
    option.value = id;
    option.dataset.early = "true";
    $("ruleset").append(option);
    $("ruleset").value = id;
  }
  for (const lever of LEVERS) if (state.has(lever)) $(`in-${lever}`).value = state.get(lever);
}

// Reads the unit's fields: {ruleset, unit} or null after showing the errors beside the fields.
function readUnit() {
  const errors = [];
  const unit = { unit_id: state.get("unit") || "" };
  for (const lever of LEVERS) unit[lever] = readNumber($(`in-${lever}`), errors);
  for (const [id, message] of errors) showError(id, message, "score-error");
  return errors.length ? null : { ruleset: $("ruleset").value, unit };
}

export async function scoreUnit() {
  clearErrors($("unit"));
  clearErrors($("view-score"));
  const read = readUnit();
  if (!read) return;
  if (!read.ruleset) {
    showError("ruleset", "Choose a ruleset (the survey year's rules).", "score-error");
    return;
  }
  setState("ruleset", read.ruleset);
  for (const lever of LEVERS) setState(lever, read.unit[lever]);
  saveState();
  try {
    // A link with moved levers: the baseline and the moved unit in one call.
    const moved = leversFromLink(read.unit);
    const units = [read.unit, ...(moved ? [moved] : [])].map(unitMessage);
    const [answer, details] = await Promise.all([
      unary("Score", { rulesetId: read.ruleset, units }),
      ruleset(read.ruleset),
    ]);
    ctx.base = read;
    ctx.baseResult = answer.results[0];
    ctx.baseProvenance = answer.provenance;
    renderScore(answer.results[0], answer.provenance, details);
    ctx.commands.score = commands.scoreCommand(read.ruleset, read.unit);
    $("score-command").textContent = ctx.commands.score;
    await resetLevers(false, moved ? answer.results[1] : null);
    // The first answer on screen, in ms since navigation (the page test reports it).
    document.body.dataset.answeredMs ??= performance.now().toFixed(1);
  } catch (error) {
    showServerError(error, (path) => unitFieldId(path), "score-error");
  }
}

function renderScore(result, provenance, details) {
  const d = provenance.indexDecimals ?? 2;
  const c = result.contributions || {};
  const box = $("score-result");
  box.replaceChildren();
  const headline = element("p", "", "headline");
  const index = element("span", fixed(result.index, d), "index");
  index.id = "score-index";
  index.dataset.value = String(result.index);
  const badge = categoryBadge(result.category, details.categories);
  badge.id = "score-category";
  headline.append(index, " ", badge);
  const name = element("span", ctx.unitName, "name");
  name.id = "score-name";
  headline.append(" ", name);
  box.append(headline);
  const margins = element("p", "", "margins");
  margins.id = "score-margins";
  if (result.marginUp) {
    const up = element("span", `+${fixed(result.marginUp.points, d)} to ${result.marginUp.category}`);
    up.id = "score-up";
    up.dataset.value = String(result.marginUp.points);
    up.dataset.category = result.marginUp.category;
    margins.append(up);
  }
  if (result.marginDown) {
    const down = element("span", `−${fixed(result.marginDown.points, d)} to ${result.marginDown.category}`);
    down.id = "score-down";
    down.dataset.value = String(result.marginDown.points);
    margins.append(result.marginUp ? " · " : "", down);
  }
  box.append(margins);
  const rows = ["internal", "external", "expert", "correction"].map((part) => {
    const value = element("span", `${(c[part] ?? 0) < 0 ? "" : "+"}${(c[part] ?? 0).toFixed(6)}`);
    value.dataset.part = part;
    value.dataset.value = String(c[part] ?? 0);
    return [part, value];
  });
  const raw = element("span", String(result.indexRaw ?? 0));
  raw.id = "score-raw";
  raw.dataset.value = String(result.indexRaw ?? 0);
  rows.push(["index before rounding", raw]);
  box.append(table(["term", "index points"], rows, "Contributions"));
  const origin = element("p", "", "provenance");
  origin.id = "score-provenance";
  origin.append(
    `ruleset ${provenance.rulesetId}, sha256 `,
    element("code", provenance.rulesetSha256),
    `, spi-engine ${provenance.engineVersion}`,
  );
  box.append(origin);
}

start().catch((error) => {
  $("engine").textContent = `The page could not reach spi-engine: ${error.message}`;
  document.body.dataset.ready = "error";
});
