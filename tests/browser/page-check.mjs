// Drives the planner page in Debian's headless Chromium (playwright-core, no browser download) and
// prints, as JSON on stdout, what the page showed: numbers, the `spi` commands it offers, the
// errors beside fields, layout facts and timings. tests/integration/test_page.py starts the
// server, runs this, and checks the numbers against the `spi` CLI.
//
//   node page-check.mjs --url http://127.0.0.1:8080/ --out DIR [--chromium /usr/bin/chromium]
//                       [--no-dataset]

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const LAPTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const WAIT_MS = 20000;

function options() {
  const argv = process.argv.slice(2);
  const get = (name, fallback) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : fallback;
  };
  return {
    url: get("--url"),
    out: get("--out"),
    chromium: get("--chromium", "/usr/bin/chromium"),
    dataset: !argv.includes("--no-dataset"),
  };
}

async function ready(page, url) {
  const started = Date.now();
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: WAIT_MS });
  const state = await page.getAttribute("body", "data-ready");
  if (state !== "true") throw new Error(`page did not start: ${await page.textContent("#engine")}`);
  return Date.now() - started;
}

const text = (page, selector) => page.textContent(selector, { timeout: WAIT_MS });
const value = (page, selector) => page.getAttribute(selector, "data-value", { timeout: WAIT_MS });

async function readScore(page) {
  const parts = {};
  for (const part of ["internal", "external", "expert", "correction"]) {
    const selector = `#score-result [data-part="${part}"]`;
    parts[part] = { text: await text(page, selector), value: await value(page, selector) };
  }
  return {
    index: { text: await text(page, "#score-index"), value: await value(page, "#score-index") },
    category: await text(page, "#score-category"),
    up: (await page.$("#score-up"))
      ? { text: await text(page, "#score-up"), value: await value(page, "#score-up") }
      : null,
    raw: await value(page, "#score-raw"),
    contributions: parts,
    provenance: await text(page, "#score-provenance"),
    command: await text(page, "#score-command"),
  };
}

async function scoreProbolinggo(page, report) {
  await page.selectOption("#year", "2024");
  await page.fill("#search", "kabupaten probolinggo");
  await page.waitForSelector('#matches[data-year="2024"] option', { timeout: WAIT_MS });
  await page.selectOption("#matches", { index: 0 });
  await page.waitForSelector("#score-index", { timeout: WAIT_MS });
  report.score = await readScore(page);
  report.scoreUrl = page.url();
  await copied(page, report);
}

async function copied(page, report) {
  // The two buttons put the command and the link on the clipboard.
  await page.click('[data-copy="command"][data-for="score"]');
  await page.waitForSelector("#copied:not(:empty)", { timeout: WAIT_MS });
  const command = await page.evaluate(() => navigator.clipboard.readText());
  await page.click('[data-copy="link"][data-for="score"]');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  report.clipboard = { command, link, url: page.url(), status: await text(page, "#copied") };
}

async function typedScore(page, report) {
  // The five inputs typed, as a planner without a dataset does: 75.61 / 89.02 / 73.53 / 7.59 / 0.
  await page.selectOption("#ruleset", "spi-2024");
  for (const [lever, number] of [
    ["internal", "75.61"],
    ["external", "89.02"],
    ["expert", "73.53"],
    ["correction_integrity", "7.59"],
    ["correction_prevalence", "0"],
  ]) {
    await page.fill(`#in-${lever}`, number);
  }
  await page.click("#score-button");
  await page.waitForSelector("#score-index", { timeout: WAIT_MS });
  report.score = await readScore(page);
  report.scoreUrl = page.url();
  await copied(page, report);
}

async function serverErrorBesideField(page, report) {
  // An empty expert field: the server's field violation units[0].expert lands beside the field.
  const kept = await page.inputValue("#in-expert");
  await page.fill("#in-expert", "");
  await page.click("#score-button");
  await page.waitForSelector("#in-expert-error:not(:empty)", { timeout: WAIT_MS });
  report.fieldError = {
    text: await text(page, "#in-expert-error"),
    invalid: await page.getAttribute("#in-expert", "aria-invalid"),
  };
  await page.fill("#in-expert", kept);
  await page.click("#score-button");
  await page.waitForSelector("#in-expert-error:empty", { state: "attached", timeout: WAIT_MS });
}

async function levers(page, report) {
  await page.click('.tab[data-view="levers"]');
  const timings = [];
  for (const number of [90.02, 91.02, 89.02, 92.02]) {
    await page.evaluate(() => delete document.querySelector("#levers-result").dataset.ms);
    await page.fill("#lever-external", String(number));
    await page.waitForFunction(() => document.querySelector("#levers-result").dataset.ms, null, { timeout: WAIT_MS });
    timings.push(Number(await page.getAttribute("#levers-result", "data-ms")));
  }
  report.accessibility.levers = await page.evaluate(accessibility);
  report.levers = {
    index: { text: await text(page, "#levers-index"), value: await value(page, "#levers-index") },
    category: await text(page, "#levers-category"),
    command: await text(page, "#levers-command"),
    url: page.url(),
    timingsMs: timings,
  };
  // Keyboard: the slider moves with the arrow keys (one step: 0.01).
  await page.focus("#slider-internal");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => document.querySelector("#lever-internal").value === "75.62", null, { timeout: WAIT_MS });
  report.levers.keyboard = await page.inputValue("#lever-internal");
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction(() => document.querySelector("#lever-internal").value === "75.61", null, { timeout: WAIT_MS });
}

async function goal(page, report) {
  await page.click("#levers-reset");
  await page.waitForFunction(() => document.querySelector("#lever-external").value === "89.02", null, { timeout: WAIT_MS });
  await page.selectOption("#target", "waspada");
  await page.fill("#cost-internal", "3");
  // A negative cost: the server's costs[1].cost_per_point violation lands beside that cost.
  await page.fill("#cost-external", "-1");
  await page.click("#goal-button");
  await page.waitForSelector("#cost-external-error:not(:empty)", { timeout: WAIT_MS });
  report.costError = await text(page, "#cost-external-error");
  await page.fill("#cost-external", "1");
  await page.fill("#max-external", "1");
  await page.fill("#cost-expert", "5");
  await page.click("#goal-button");
  await page.waitForSelector("#goal-levers", { timeout: WAIT_MS });
  const changes = {};
  for (const cell of await page.$$("#goal-levers [data-lever]")) {
    changes[await cell.getAttribute("data-lever")] = await cell.getAttribute("data-value");
  }
  report.goal = {
    changes,
    plan: await text(page, "#goal-plan"),
    planCost: await page.getAttribute("#goal-plan", "data-cost"),
    planChanges: JSON.parse(await page.getAttribute("#goal-plan", "data-changes")),
    command: await text(page, "#goal-command"),
  };
}

async function uncertainty(page, report) {
  await page.click('.tab[data-view="uncertainty"]');
  for (const [group, respondents, deviation] of [
    ["internal", "120", "12"],
    ["external", "200", "10"],
    ["expert", "10", "9"],
  ]) {
    await page.fill(`#r-${group}`, respondents);
    await page.fill(`#sd-${group}`, deviation);
  }
  await page.click("#uncertainty-button");
  await page.waitForSelector("#uncertainty-probabilities", { timeout: WAIT_MS });
  const probabilities = {};
  for (const cell of await page.$$("#uncertainty-probabilities [data-category]")) {
    probabilities[await cell.getAttribute("data-category")] = await cell.getAttribute("data-value");
  }
  const needed = {};
  for (const cell of await page.$$("#uncertainty-certainty [data-group]")) {
    needed[await cell.getAttribute("data-group")] = await cell.getAttribute("data-value");
  }
  report.accessibility.uncertainty = await page.evaluate(accessibility);
  report.uncertainty = { probabilities, needed, command: await text(page, "#uncertainty-command") };
}

async function group(page, report) {
  await page.click('.tab[data-view="group"]');
  await page.selectOption("#g-year", "2024");
  await page.selectOption("#g-group", "kabupaten");
  await page.selectOption("#g-lever", "external");
  await page.selectOption("#g-operation", "add");
  await page.fill("#g-value", "2");
  await page.click("#group-button");
  await page.waitForSelector("#group-counts", { timeout: WAIT_MS });
  const counts = {};
  for (const cell of await page.$$("#group-counts [data-category]")) {
    const key = `${await cell.getAttribute("data-category")}:${await cell.getAttribute("data-side")}`;
    counts[key] = Number(await cell.textContent());
  }
  const movers = await page.$$eval("#group-movers tbody tr", (rows) => rows.length);
  report.accessibility.group = await page.evaluate(accessibility);
  report.group = { counts, movers, command: await text(page, "#group-command"), url: page.url() };
}

async function shots(context, report, out) {
  // Every view at laptop and phone width, from the links the page made (state in the URL).
  report.screenshots = [];
  report.overflow = {};
  const views = [["score", report.scoreUrl], ["levers", report.levers?.url], ["group", report.group?.url]];
  for (const [size, viewport] of [["laptop", LAPTOP], ["phone", PHONE]]) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    for (const [view, url] of views) {
      if (!url) continue;
      await ready(page, url);
      if (view === "group") {
        await page.click("#group-button");
        await page.waitForSelector("#group-counts", { timeout: WAIT_MS });
      } else {
        await page.waitForSelector(view === "score" ? "#score-index" : "#levers-index", { timeout: WAIT_MS });
      }
      const file = join(out, `page-${view}-${size}.png`);
      if (view !== "score") await page.evaluate((id) => document.getElementById(id).scrollIntoView(), `view-${view}`);
      await page.screenshot({ path: file });
      report.screenshots.push(file);
      report.overflow[`${view}-${size}`] = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
    }
    await page.close();
  }
}

async function reopen(context, report) {
  // The link reproduces the view: a new tab on the levers link shows the same moved index.
  const page = await context.newPage();
  report.reopenMs = await ready(page, report.levers.url);
  report.reopenInPageMs = Number(await page.getAttribute("body", "data-ready-ms"));
  report.reopenAnsweredMs = Number(await page.getAttribute("body", "data-answered-ms"));
  await page.waitForSelector("#levers-index", { timeout: WAIT_MS });
  report.reopened = {
    view: await page.getAttribute('.tab[aria-current="page"]', "data-view"),
    index: await value(page, "#levers-index"),
    external: await page.inputValue("#lever-external"),
  };
  await page.close();
}

async function unknownRuleset(context, report) {
  // A link naming a ruleset the server has not loaded: NOT_FOUND, shown beside the ruleset field.
  const link = new URL(report.scoreUrl);
  link.searchParams.set("ruleset", "spi-1999");
  const page = await context.newPage();
  await ready(page, link.toString());
  await page.waitForSelector("#ruleset-error:not(:empty)", { timeout: WAIT_MS });
  report.rulesetError = await text(page, "#ruleset-error");
  await page.close();
}

// Every visible control has a label; every visible text meets WCAG AA contrast (4.5:1).
function accessibility() {
  const unlabelled = [...document.querySelectorAll("input, select, button")]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || (el.tagName === "BUTTON" && el.textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 80));
  const rgb = (text) => text.match(/[\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const colour = rgb(getComputedStyle(at).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.offsetParent === null) continue;
    const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return { unlabelled, lowContrast: [...new Set(low)] };
}

async function main() {
  const { url, out, chromium: executablePath, dataset } = options();
  const profile = mkdtempSync(join(tmpdir(), "spi-page-profile-"));
  const report = { external: [] };
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ARGS,
    viewport: LAPTOP,
    permissions: ["clipboard-read", "clipboard-write"],
  });
  try {
    const page = await context.newPage();
    page.on("request", (request) => {
      if (!request.url().startsWith(url)) report.external.push(request.url());
    });
    page.on("pageerror", (error) => (report.pageErrors ??= []).push(String(error)));
    report.loadMs = await ready(page, url);
    report.loadInPageMs = Number(await page.getAttribute("body", "data-ready-ms"));
    report.engine = await text(page, "#engine");
    if (dataset) await scoreProbolinggo(page, report);
    else await typedScore(page, report);
    report.accessibility = { score: await page.evaluate(accessibility) };
    await serverErrorBesideField(page, report);
    await levers(page, report);
    await goal(page, report);
    await uncertainty(page, report);
    if (dataset) await group(page, report);
    await reopen(context, report);
    await unknownRuleset(context, report);
    await shots(context, report, out);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
