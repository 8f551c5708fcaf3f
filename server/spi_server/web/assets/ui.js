// Shared page helpers: the URL state, number parsing and printing, errors beside their fields,
// category badges.

export const $ = (id) => document.getElementById(id);

// Every view's state lives in the query string, so a link reproduces it.
export const state = new URLSearchParams(location.search);

export function saveState() {
  const query = state.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

export function setState(key, value) {
  if (value === "" || value === undefined || value === null) state.delete(key);
  else state.set(key, String(value));
}

// The published index and margins with the ruleset's decimals, as `spi score` prints them.
export function fixed(value, decimals) {
  return Number(value ?? 0).toFixed(decimals);
}

export function signed(value, decimals) {
  const number = Number(value ?? 0);
  return `${number < 0 ? "−" : "+"}${Math.abs(number).toFixed(decimals)}`;
}

// A typed number: undefined when empty (the server then names the missing field), else the
// number, else an error naming what was typed.
export function readNumber(input, errors) {
  const text = input.value.trim();
  if (text === "") return undefined;
  const value = Number(text.replace(",", "."));
  if (!Number.isFinite(value)) {
    errors.push([input.id, `expected a number; got ${JSON.stringify(text)}`]);
    return undefined;
  }
  return value;
}

export function clearErrors(scope) {
  for (const element of scope.querySelectorAll(".error")) element.textContent = "";
  for (const element of scope.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
}

// Shows a message next to the input whose id is `id` (or in the view's general error line).
export function showError(id, message, fallbackId) {
  const input = id ? $(id) : null;
  const target = (input && $(`${id}-error`)) || $(fallbackId);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${id}-error`);
  }
  target.textContent = target.textContent ? `${target.textContent} ${message}` : message;
}

// Maps a ConnectError onto the fields: `mapField(path)` returns an input id or null.
export function showServerError(error, mapField, fallbackId) {
  if (!error.violations || !error.violations.length) {
    const id = error.code === "not_found" && /ruleset/i.test(error.message) ? "ruleset" : null;
    showError(id, `${error.message} (${error.code ?? "error"})`, fallbackId);
    return;
  }
  for (const violation of error.violations) {
    const id = mapField(violation.field);
    showError(id, id ? violation.description : `${violation.field}: ${violation.description}`, fallbackId);
  }
}

export function categoryBadge(id, categories) {
  const category = categories.find((c) => c.id === id);
  const badge = document.createElement("span");
  badge.className = `badge ${category?.colour ?? "none"}`;
  badge.textContent = id || "—";
  if (category?.label) badge.title = category.label;
  return badge;
}

export function element(tag, text, className) {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  if (className) made.className = className;
  return made;
}

// A table from a header row and body rows (cells: text or Node).
export function table(header, rows, caption) {
  const made = element("table");
  if (caption) made.append(element("caption", caption));
  const head = made.createTHead().insertRow();
  for (const cell of header) {
    const th = element("th", cell);
    th.scope = "col";
    head.append(th);
  }
  const body = made.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) {
      const td = tr.insertCell();
      if (cell instanceof Node) td.append(cell);
      else td.textContent = cell;
    }
  }
  return made;
}

export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    $("copied").textContent = "Copied.";
  } catch {
    $("copied").textContent = "Select the text and copy it (the browser refused the clipboard).";
  }
}
