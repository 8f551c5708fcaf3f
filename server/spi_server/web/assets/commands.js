// The `spi` command that reproduces each view, in-process (no server needed): the same rulesets,
// the same numbers. A dataset is given as NAME=PATH, PATH being where the server loaded it from.

export const LEVERS = ["internal", "external", "expert", "correction_integrity", "correction_prevalence"];

export function quote(text) {
  const value = String(text);
  return /^[A-Za-z0-9_.,:=@/+-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

function flag(lever) {
  return `--${lever.replace(/_/g, "-")}`;
}

function unitOptions(ruleset, unit) {
  const parts = ["--ruleset", quote(ruleset)];
  for (const lever of LEVERS) parts.push(flag(lever), quote(unit[lever]));
  if (unit.unit_id) parts.push("--unit-id", quote(unit.unit_id));
  return parts;
}

export function scoreCommand(ruleset, unit) {
  return ["spi", "score", ...unitOptions(ruleset, unit), "--format", "json"].join(" ");
}

export function leversCommand(ruleset, unit, moved) {
  const sets = LEVERS.filter((lever) => Number(moved[lever]) !== Number(unit[lever])).flatMap(
    (lever) => ["--set", `${lever}=${quote(moved[lever])}`],
  );
  return ["spi", "whatif", ...unitOptions(ruleset, unit), ...sets, "--format", "json"].join(" ");
}

export function goalCommand(ruleset, moved, target, costs) {
  const parts = ["spi", "goal", ...unitOptions(ruleset, moved), "--target", quote(target)];
  parts.push("--lever", LEVERS.join(","));
  for (const cost of costs) {
    parts.push("--cost", `${cost.lever}=${quote(cost.costPerPoint)}`);
    if (cost.maxChange !== undefined) parts.push("--max", `${cost.lever}=${quote(cost.maxChange)}`);
  }
  return [...parts, "--format", "json"].join(" ");
}

export function uncertaintyCommand(ruleset, unit, sample, level, certainty) {
  const parts = ["spi", "uncertainty", ...unitOptions(ruleset, unit)];
  for (const [option, values] of [
    ["--respondents", sample.respondents],
    ["--sd", sample.deviations],
  ]) {
    for (const component of ["internal", "external", "expert"]) {
      parts.push(option, `${component}=${quote(values[component])}`);
    }
  }
  parts.push("--level", quote(level), "--certainty", quote(certainty), "--format", "json");
  return parts.join(" ");
}

export function groupCommand(dataset, selection, intervention) {
  const parts = ["spi", "whatif", "--dataset", quote(`${dataset.name}=${dataset.origin}`)];
  if (selection.year) parts.push("--year", quote(selection.year));
  if (selection.groups.length) parts.push("--group", quote(selection.groups.join(",")));
  if (selection.unitIds.length) parts.push("--id", quote(selection.unitIds.join(",")));
  parts.push(`--${intervention.operation}`, `${intervention.lever}=${quote(intervention.value)}`);
  return [...parts, "--format", "json"].join(" ");
}
