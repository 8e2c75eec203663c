// Accessibility audit of pages in headless Chromium, for tests/web/test_accessibility.py.
//
//   node audit.mjs CONFIG.json
//
// CONFIG: {baseUrl, chromium, outDir, pages: [PAGE]}, PAGE:
//   {name, url (a path on baseUrl), lang ("fr" | "en": the browser's language),
//    cookies?: [{name, value}], viewport?: {width, height}, javaScript?: bool (true;
//    false: the page's own scripts are blocked), waitFor?: selector (before the steps),
//    waitTimeout?: ms, steps?: [STEP]}, STEP: {fill: selector, text} | {file: selector, path} |
//    {click: selector, waitFor?: selector}
// One browser, one fresh context per page, pages in sequence. For each page, prints
// (all pages as one JSON object, by name):
//   status (of the last page: after a form, its answer's), htmlLang,
//   violations                        axe-core's, WCAG 2.0/2.1 A and AA rules:
//                                     [{id, impact, help, targets}]
//   console, pageErrors, csp          console errors and warnings, uncaught errors,
//                                     Content-Security-Policy violations
//   overflow                          at 320 px wide: {scrollWidth, clientWidth,
//                                     offenders} (offenders: what sticks out)
//   keyboard                          Tab from the top: {skipLinkFirst, stops,
//                                     problems} (a stop: each focused element; a
//                                     problem: a stop that is hidden or shows no focus)
// axe is injected with page.evaluate (the page's CSP stays on: it does not govern
// scripts the driver evaluates). The Python test asserts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { launch } from "./chromium.mjs";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const TIMEOUT = 15000;
const NARROW = { width: 320, height: 640 };
const DESKTOP = { width: 1280, height: 900 };
const MAX_TAB_STOPS = 60;
const LOCALES = { fr: "fr-FR", en: "en-GB" };

function watch(page, noScript) {
  const seen = { console: [], pageErrors: [] };
  page.on("console", (msg) => {
    if (noScript && msg.text().includes("ERR_BLOCKED_BY_CLIENT")) return; // our doing
    // The status of the page itself (a 404 page) is reported, not counted as an error.
    const url = msg.location()?.url ?? "";
    if (url === page.url() && msg.text().startsWith("Failed to load resource: the server responded")) return;
    if (msg.type() === "error" || msg.type() === "warning") {
      seen.console.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => seen.pageErrors.push(String(err)));
  page.on("dialog", (dialog) => dialog.dismiss());
  return seen;
}

// Runs before the page's own scripts (driver-injected: not subject to the page's CSP).
function recordCspViolations() {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
  });
}

// Returns the answer to the last form sent without JavaScript (null if none).
async function runSteps(page, steps) {
  let answer = null;
  for (const step of steps ?? []) {
    if (step.fill) await page.fill(step.fill, step.text);
    else if (step.file) await page.setInputFiles(step.file, step.path);
    else if (step.click && step.waitFor) {
      await page.click(step.click);
      await page.waitForSelector(step.waitFor, { timeout: TIMEOUT });
    } else if (step.click) {
      // A form sent without JavaScript: the answer is a new page.
      [answer] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(step.click)]);
    }
  }
  return answer;
}

async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 10).map((n) => n.target.join(" ")),
    }));
  }, AXE_TAGS);
}

async function overflowAt320(page, outDir, name) {
  await page.setViewportSize(NARROW);
  await page.waitForTimeout(50);
  const found = await page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const offenders = [];
    for (const node of document.body.querySelectorAll("*")) {
      const box = node.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 1 && offenders.length < 5) {
        const cls = typeof node.className === "string" && node.className ? `.${node.className.split(" ")[0]}` : "";
        offenders.push(`${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}${cls} right=${Math.round(box.right)}`);
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: width, offenders };
  });
  if (found.scrollWidth > found.clientWidth) {
    await page.screenshot({ path: join(outDir, `${name}-320.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
  return found;
}

// The focused element: what it is, whether it can be seen, and whether focus shows.
// (Evaluated in the page from its source text, as axe is: the page's CSP allows no eval.)
function describeFocus() {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  let hidden = box.width < 1 || box.height < 1 || style.visibility === "hidden";
  for (let node = el; node && node !== document.documentElement; node = node.parentElement) {
    const s = getComputedStyle(node);
    if (s.display === "none" || s.visibility === "hidden" || parseFloat(s.opacity) === 0) hidden = true;
  }
  // Off the page (not merely out of view: the browser scrolls to what gets focus).
  const page = document.documentElement;
  const offscreen =
    box.right + scrollX <= 0 || box.bottom + scrollY <= 0 || box.left + scrollX >= page.scrollWidth;
  const label = (el.getAttribute("aria-label") || el.textContent || el.value || "").replace(/\s+/g, " ").trim().slice(0, 60);
  return {
    element: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.getAttribute("href") ? `[href="${el.getAttribute("href").slice(0, 60)}"]` : ""}`,
    label,
    skipLink: el.matches("a[href='#main'], a[href='#content'], .skip-link"),
    visible: !hidden && !offscreen,
    indicator: outline || Boolean(shadow),
  };
}

// Tab through the page: a focusin listener describes each stop, the keys are pressed
// in one go (as many as there are focusable elements, plus one to come back round).
async function keyboardPass(page) {
  await page.evaluate(`window.__describeFocus = ${describeFocus.toString()};`);
  const presses = await page.evaluate(
    (max) => {
      window.__stops = [];
      document.addEventListener("focusin", () => {
        const stop = window.__describeFocus();
        if (stop) window.__stops.push(stop);
      });
      // Start from the top of the page, wherever a step left focus.
      window.scrollTo(0, 0);
      document.body.tabIndex = -1;
      document.body.focus({ preventScroll: true });
      document.body.removeAttribute("tabindex");
      window.__stops = [];
      const focusable = document.querySelectorAll(
        "a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])"
      ).length;
      return Math.min(focusable + 1, max);
    },
    MAX_TAB_STOPS
  );
  for (let i = 0; i < presses; i += 1) await page.keyboard.press("Tab");
  const all = await page.evaluate(() => window.__stops);
  const stops = [];
  const seen = new Set();
  for (const stop of all) {
    const key = `${stop.element}|${stop.label}`;
    if (seen.has(key) && stops.length && key === `${stops[0].element}|${stops[0].label}`) break; // wrapped
    seen.add(key);
    stops.push(stop);
  }
  const problems = stops
    .filter((s) => !s.visible || !s.indicator)
    .map((s) => `${s.element} «${s.label}»: ${s.visible ? "" : "not visible "}${s.indicator ? "" : "no focus indicator"}`.trim());
  return { skipLinkFirst: stops.length > 0 && stops[0].skipLink, stops, problems };
}

async function audit(browser, spec) {
  // Without JavaScript: the page's own scripts are blocked, not JavaScript itself
  // (axe needs it, and a context with JavaScript off never runs axe's timers).
  const noScript = spec.javaScript === false;
  const context = await browser.newContext({
    locale: LOCALES[spec.lang] ?? "fr-FR",
    viewport: spec.viewport ?? DESKTOP,
    reducedMotion: "reduce",
  });
  if (spec.cookies?.length) {
    await context.addCookies(spec.cookies.map((c) => ({ name: c.name, value: c.value, url: config.baseUrl })));
  }
  await context.addInitScript(recordCspViolations);
  if (noScript) {
    await context.route("**/*", (route) =>
      route.request().resourceType() === "script" ? route.abort("blockedbyclient") : route.continue()
    );
  }
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const seen = watch(page, noScript);
  try {
    const response = await page.goto(`${config.baseUrl}${spec.url}`, { waitUntil: "load" });
    if (spec.waitFor) await page.waitForSelector(spec.waitFor, { timeout: spec.waitTimeout ?? TIMEOUT });
    const answer = (await runSteps(page, spec.steps)) ?? response;
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    const violations = await axeViolations(page);
    const keyboard = await keyboardPass(page);
    const overflow = await overflowAt320(page, config.outDir, spec.name);
    const csp = await page.evaluate(() => window.__cspViolations ?? []);
    return { ok: true, status: answer.status(), finalUrl: page.url(), htmlLang, violations, keyboard, overflow, csp, ...seen };
  } catch (err) {
    return { ok: false, error: String(err && err.stack ? err.stack : err), ...seen };
  } finally {
    await context.close();
  }
}

const browser = await launch(config.chromium);
const out = {};
try {
  for (const spec of config.pages) {
    const started = Date.now();
    out[spec.name] = { ...(await audit(browser, spec)), ms: Date.now() - started };
    process.stderr.write(`${spec.name}: ${out[spec.name].ms} ms\n`);
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
