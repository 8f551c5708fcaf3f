// View 3: category probabilities from the respondents per group, and the respondents needed for
// the chosen certainty (EstimateUncertainty, analytic).

import * as commands from "./commands.js";
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
  state,
  table,
} from "./ui.js";

const GROUPS = ["internal", "external", "expert"];
const NAMES = { internal: "Internal (staff)", external: "External (service users)", expert: "Expert" };
const STATUS = {
  CERTAINTY_STATUS_CERTAIN_NOW: "already this certain",
  CERTAINTY_STATUS_MORE_RESPONDENTS: "more respondents would make it so",
  CERTAINTY_STATUS_ON_BOUND: "on a category bound: no sample makes it certain",
  CERTAINTY_STATUS_EXCEEDS_POPULATION: "it would take more respondents than the population has",
};

export function setupUncertainty() {
  for (const group of GROUPS) {
    const row = $("sample").insertRow();
    row.insertCell().textContent = NAMES[group];
    for (const [prefix, what] of [
      ["r", "respondents"],
      ["sd", "standard deviation"],
    ]) {
      const input = element("input");
      Object.assign(input, { id: `${prefix}-${group}`, inputMode: "decimal", autocomplete: "off" });
      input.setAttribute("aria-label", `${NAMES[group]}: ${what}`);
      input.value = state.get(`${prefix}_${group}`) || "";
      const error = element("p", "", "error");
      error.id = `${prefix}-${group}-error`;
      row.insertCell().append(input, error);
    }
  }
  for (const id of ["level", "certainty"]) if (state.has(id)) $(id).value = state.get(id);
  $("uncertainty-button").addEventListener("click", () => estimate());
}

function fieldId(path) {
  const sample = /^sampling\.respondents\.units\[0\]\.(respondents|deviations)\.(\w+)$/.exec(path);
  if (sample) return `${sample[1] === "respondents" ? "r" : "sd"}-${sample[2]}`;
  if (path === "level" || path === "certainty") return path;
  return unitFieldId(path);
}

export async function estimate() {
  clearErrors($("view-uncertainty"));
  if (!ctx.base) {
    showError(null, "Score a unit first (view 1): the uncertainty is that unit's.", "uncertainty-error");
    return;
  }
  const errors = [];
  const respondents = {};
  const deviations = {};
  for (const group of GROUPS) {
    respondents[group] = readNumber($(`r-${group}`), errors);
    deviations[group] = readNumber($(`sd-${group}`), errors);
    setState(`r_${group}`, $(`r-${group}`).value.trim());
    setState(`sd_${group}`, $(`sd-${group}`).value.trim());
  }
  const level = readNumber($("level"), errors);
  const certainty = readNumber($("certainty"), errors);
  for (const [id, message] of errors) showError(id, message, "uncertainty-error");
  if (errors.length) return;
  setState("level", $("level").value.trim());
  setState("certainty", $("certainty").value.trim());
  saveState();
  const request = {
    rulesetId: ctx.base.ruleset,
    units: { inline: { units: [unitMessage(ctx.base.unit)] } },
    sampling: { respondents: { units: [{ respondents, deviations }] } },
    level,
    certainty,
  };
  try {
    const answer = await unary("EstimateUncertainty", request);
    render(answer, await ruleset(ctx.base.ruleset));
    ctx.commands.uncertainty = commands.uncertaintyCommand(
      ctx.base.ruleset,
      ctx.base.unit,
      { respondents, deviations },
      level,
      certainty,
    );
    $("uncertainty-command").textContent = ctx.commands.uncertainty;
  } catch (error) {
    showServerError(error, fieldId, "uncertainty-error");
  }
}

function render(answer, details) {
  const d = answer.provenance?.indexDecimals ?? 2;
  const unit = answer.units[0];
  const box = $("uncertainty-result");
  box.replaceChildren();
  const percent = Math.round((answer.level ?? 0) * 100);
  box.append(
    element(
      "p",
      `Index ${fixed(unit.index, d)}, standard error ${fixed(unit.standardError, 2)} points; ` +
        `${percent}% interval ${fixed(unit.ciLow, d)} to ${fixed(unit.ciHigh, d)}.`,
    ),
  );
  const rows = (unit.probabilities || []).map((p) => {
    const value = element("span", `${((p.probability ?? 0) * 100).toFixed(1)}%`);
    value.dataset.category = p.category;
    value.dataset.value = String(p.probability ?? 0);
    return [categoryBadge(p.category, details.categories), value];
  });
  const probabilities = table(["category", "probability"], rows, "Probability of each category");
  probabilities.id = "uncertainty-probabilities";
  box.append(probabilities);
  if (unit.certainty) box.append(renderCertainty(unit.certainty, unit.category, answer.certainty));
}

function renderCertainty(certainty, category, wanted) {
  const part = element("div");
  part.id = "uncertainty-certainty";
  const now = `${((certainty.probability ?? 0) * 100).toFixed(1)}%`;
  part.append(element("p", `${category} is ${now} likely now; for ${Math.round(wanted * 100)}%: ${STATUS[certainty.status] ?? certainty.status}.`));
  if (certainty.respondents) {
    const rows = GROUPS.map((group) => {
      const needed = element("span", String(certainty.respondents[group] ?? "—"));
      needed.dataset.group = group;
      needed.dataset.value = String(certainty.respondents[group] ?? "");
      return [NAMES[group], needed, String(certainty.additional?.[group] ?? "—")];
    });
    part.append(table(["group", "respondents needed", "to add"], rows, "Respondents for that certainty"));
  }
  return part;
}
