// Drives the /verifier page in headless Chromium for tests/web/test_e2e.py.
//
//   node run.mjs CONFIG.json
//
// CONFIG: {baseUrl, chromium, outDir, valid, baked, xss, badges, scenarios?: [names]}
// (valid: a valid credential JSON file, baked: a PNG with a badge baked in,
// xss: a credential full of hostile markup, badges: ids of credentials the server
// issued, {regional, revoked}, for the /badges/{id} scenarios). One browser, one fresh
// context per scenario; prints {scenario: observations} as JSON. The Python tests assert.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch } from "./chromium.mjs";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const TIMEOUT = 15000;
// Swagger UI parses a 1.7 MB script and draws the whole document: give it longer.
const DOCS_TIMEOUT = 60000;
const NO_JAVASCRIPT = new Set(["no_javascript", "badge_no_javascript"]);

function watch(page) {
  const seen = { console: [], pageErrors: [], dialogs: [], requests: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") {
      seen.console.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => seen.pageErrors.push(String(err)));
  page.on("dialog", async (dialog) => {
    seen.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("request", (req) => seen.requests.push(`${req.method()} ${req.url().slice(0, 200)}`));
  return seen;
}

async function resultOf(page) {
  return page.evaluate(() => {
    const q = (sel) => document.querySelector(sel);
    const texts = (sel) => Array.from(document.querySelectorAll(sel), (n) => n.textContent.trim());
    return {
      htmlLang: document.documentElement.lang,
      title: document.title,
      h1: texts("h1"),
      status: q("#status")?.textContent.trim() ?? null,
      statusRole: q("#status")?.getAttribute("role") ?? null,
      statusLive: q("#status")?.getAttribute("aria-live") ?? null,
      resultHidden: q("#result")?.hidden ?? null,
      verdict: q("#result .verdict")?.getAttribute("data-verdict") ?? null,
      verdictText: q("#result .verdict")?.textContent.trim() ?? null,
      badgeName: q("#badge-name")?.textContent ?? null,
      description: q(".badge__description")?.textContent ?? null,
      facts: Array.from(document.querySelectorAll("#result .facts dt"), (dt) => [
        dt.textContent.trim(),
        dt.nextElementSibling ? dt.nextElementSibling.textContent.trim() : "",
      ]),
      checks: Array.from(document.querySelectorAll("#result .checks li"), (li) => ({
        id: li.getAttribute("data-check"),
        status: li.getAttribute("data-status"),
        text: li.textContent.replace(/\s+/g, " ").trim(),
      })),
      images: Array.from(document.querySelectorAll("#result img"), (img) => ({
        src: img.getAttribute("src").slice(0, 100),
        alt: img.getAttribute("alt"),
      })),
      links: Array.from(document.querySelectorAll("#result a"), (a) => a.getAttribute("href")),
      scripts: Array.from(document.querySelectorAll("script"), (s) => s.getAttribute("src") ?? s.type),
      onAttributes: Array.from(document.querySelectorAll("*")).flatMap((n) =>
        Array.from(n.attributes)
          .filter((a) => a.name.startsWith("on"))
          .map((a) => `${n.tagName}.${a.name}`)
      ),
      resultElements: Array.from(document.querySelectorAll("#result *"), (n) => n.tagName.toLowerCase()),
      formError: q("#form-error")?.textContent.trim() ?? null,
      textareaInvalid: q("#badge-text")?.getAttribute("aria-invalid") ?? null,
      activeId: document.activeElement ? document.activeElement.id : null,
      pwned: window.__pwned ?? null,
    };
  });
}

async function waitForResult(page) {
  await page.waitForSelector("#result .verdict", { timeout: TIMEOUT });
  await page.waitForFunction(
    () => {
      const status = document.querySelector("#status");
      return status && status.textContent.trim() && !status.textContent.includes("…");
    },
    null,
    { timeout: TIMEOUT }
  );
}

const scenarios = {
  async paste_valid(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.fill("#badge-text", readFileSync(config.valid, "utf8"));
    await page.click("#verify-button");
    await waitForResult(page);
    await page.screenshot({ path: join(config.outDir, "verifier-result-fr.png"), fullPage: true });
    return resultOf(page);
  },

  async upload_png(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.setInputFiles("#badge-file", config.baked);
    await page.click("#verify-button");
    await waitForResult(page);
    return resultOf(page);
  },

  async garbage(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.fill("#badge-text", "ceci n'est pas un badge {");
    await page.click("#verify-button");
    await waitForResult(page);
    return resultOf(page);
  },

  async empty(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.click("#verify-button");
    await page.waitForFunction(() => document.querySelector("#form-error").textContent.trim());
    return resultOf(page);
  },

  async keyboard(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    const visited = [];
    const focusOf = () =>
      page.evaluate(() => {
        const n = document.activeElement;
        const style = n ? getComputedStyle(n) : null;
        return {
          id: n ? n.id || n.tagName.toLowerCase() : null,
          outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : null,
        };
      });
    let focus = { id: null };
    for (let i = 0; i < 12 && focus.id !== "badge-text"; i++) {
      await page.keyboard.press("Tab");
      focus = await focusOf();
      visited.push(focus);
    }
    const badge = JSON.stringify(JSON.parse(readFileSync(config.valid, "utf8")));
    await page.keyboard.type(badge);
    for (let i = 0; i < 12 && focus.id !== "verify-button"; i++) {
      await page.keyboard.press("Tab");
      focus = await focusOf();
      visited.push(focus);
    }
    await page.keyboard.press("Enter");
    await waitForResult(page);
    return { ...(await resultOf(page)), visited };
  },

  async english(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.click("a.lang-switch");
    await page.waitForURL(/lang=en/);
    await page.fill("#badge-text", readFileSync(config.valid, "utf8"));
    await page.click("#verify-button");
    await waitForResult(page);
    await page.screenshot({ path: join(config.outDir, "verifier-result-en.png"), fullPage: false });
    return resultOf(page);
  },

  async xss(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.fill("#badge-text", readFileSync(config.xss, "utf8"));
    await page.click("#verify-button");
    await waitForResult(page);
    await page.waitForTimeout(300); // let any injected handler fire
    await page.screenshot({ path: join(config.outDir, "verifier-hostile.png"), fullPage: true });
    return resultOf(page);
  },

  async url(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.fill("#badge-url", "https://example.org/badges/1.json");
    await page.click("#verify-button");
    await waitForResult(page);
    const notice = await page.evaluate(() => document.querySelector(".url-notice")?.textContent ?? null);
    return { ...(await resultOf(page)), notice };
  },

  async no_javascript(page) {
    await page.goto(`${config.baseUrl}/verifier`);
    await page.fill("#badge-text", readFileSync(config.valid, "utf8"));
    await Promise.all([page.waitForNavigation(), page.click("#verify-button")]);
    return { ...(await resultOf(page)), url: page.url() };
  },

  async narrow(page) {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${config.baseUrl}/verifier`);
    await page.fill("#badge-text", readFileSync(config.valid, "utf8"));
    await page.click("#verify-button");
    await waitForResult(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth
    );
    return { ...(await resultOf(page)), overflow };
  },

  // ---------------------------------------------------------------- /badges/{id}

  async badge_page(page) {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: config.baseUrl,
    });
    await page.goto(`${config.baseUrl}/badges/${config.badges.regional}`);
    await page.waitForFunction(() => document.querySelector(".badge-card__image")?.complete);
    const before = await badgeOf(page);
    await page.screenshot({ path: join(config.outDir, "badge-page-fr.png"), fullPage: true });
    await page.click("#verify-now");
    await waitForBadgeVerdict(page);
    await page.click("#copy-link");
    await page.waitForFunction(() => document.querySelector("#copy-status").textContent.trim());
    const clipboard = await page.evaluate(() => navigator.clipboard.readText());
    const downloads = {};
    for (const id of ["download-json", "download-svg", "download-png"]) {
      const href = await page.getAttribute(`#${id}`, "href");
      const response = await page.request.get(new URL(href, config.baseUrl).toString());
      const body = await response.body();
      downloads[id] = {
        href,
        download: await page.getAttribute(`#${id}`, "download"),
        status: response.status(),
        type: response.headers()["content-type"],
        disposition: response.headers()["content-disposition"],
        csp: response.headers()["content-security-policy"],
        size: body.length,
        head: body.subarray(0, 8).toString("latin1"),
      };
    }
    await page.screenshot({ path: join(config.outDir, "badge-verified-fr.png"), fullPage: true });
    return { before, after: await badgeOf(page), clipboard, downloads };
  },

  async badge_english(page) {
    await page.goto(`${config.baseUrl}/badges/${config.badges.regional}`);
    await page.click("a.lang-switch");
    await page.waitForURL(/lang=en/);
    await page.click("#verify-now");
    await waitForBadgeVerdict(page);
    return badgeOf(page);
  },

  async badge_revoked(page) {
    await page.goto(`${config.baseUrl}/badges/${config.badges.revoked}`);
    await page.click("#verify-now");
    await waitForBadgeVerdict(page);
    return badgeOf(page);
  },

  async badge_no_javascript(page) {
    await page.goto(`${config.baseUrl}/badges/${config.badges.regional}`);
    const before = await badgeOf(page);
    await Promise.all([page.waitForNavigation(), page.click("#verify-now")]);
    return { before, after: await badgeOf(page), url: page.url() };
  },

  async badge_not_found(page) {
    const response = await page.goto(`${config.baseUrl}/badges/00000000-0000-4000-8000-000000000000`);
    return { status: response.status(), ...(await badgeOf(page)) };
  },

  async badge_narrow(page) {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${config.baseUrl}/badges/${config.badges.regional}`);
    await page.click("#verify-now");
    await waitForBadgeVerdict(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth
    );
    return { ...(await badgeOf(page)), overflow };
  },

  // The API documentation with every request to another origin refused: it must draw
  // the operations from this server alone, under its Content-Security-Policy.
  async api_docs(page) {
    const external = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(config.baseUrl)) return route.continue();
      external.push(url.slice(0, 200));
      return route.abort();
    });
    await page.goto(`${config.baseUrl}/docs`);
    await page.waitForSelector(".swagger-ui .info .title", { timeout: DOCS_TIMEOUT });
    await page.waitForSelector(".opblock", { timeout: DOCS_TIMEOUT });
    await page.screenshot({ path: join(config.outDir, "api-docs.png") });
    const drawn = await page.evaluate(() => ({
      title: document.querySelector(".swagger-ui .info .title").textContent.trim(),
      operations: document.querySelectorAll(".opblock").length,
      stylesheetApplied: getComputedStyle(document.querySelector(".swagger-ui .info .title")).fontSize,
    }));
    return { ...drawn, external };
  },

  async home_page(page) {
    await page.goto(`${config.baseUrl}/`);
    const home = await page.evaluate(() => ({
      htmlLang: document.documentElement.lang,
      h1: Array.from(document.querySelectorAll("h1"), (n) => n.textContent.trim()),
      links: Array.from(document.querySelectorAll("main a"), (a) => a.getAttribute("href")),
    }));
    await page.click("main a[href='/docs']");
    await page.waitForSelector(".opblock", { timeout: DOCS_TIMEOUT });
    return { ...home, followedTo: new URL(page.url()).pathname };
  },
};

async function badgeOf(page) {
  return page.evaluate(() => {
    const q = (sel) => document.querySelector(sel);
    const texts = (sel) => Array.from(document.querySelectorAll(sel), (n) => n.textContent.replace(/\s+/g, " ").trim());
    const meta = (key) =>
      q(`meta[property="${key}"]`)?.getAttribute("content") ?? q(`meta[name="${key}"]`)?.getAttribute("content") ?? null;
    const image = q(".badge-card__image");
    return {
      htmlLang: document.documentElement.lang,
      title: document.title,
      h1: texts("h1"),
      state: q("#badge-state")?.getAttribute("data-state") ?? null,
      stateRole: q("#badge-state")?.getAttribute("role") ?? null,
      stateText: texts("#badge-state p"),
      stateColor: q("#badge-state") ? getComputedStyle(q("#badge-state")).color : null,
      stateBackground: q("#badge-state") ? getComputedStyle(q("#badge-state")).backgroundColor : null,
      image: image ? { src: image.getAttribute("src"), alt: image.getAttribute("alt"), width: image.naturalWidth } : null,
      facts: Array.from(document.querySelectorAll(".badge-card .facts dt"), (dt) => [
        dt.textContent.trim(),
        dt.nextElementSibling ? dt.nextElementSibling.textContent.replace(/\s+/g, " ").trim() : "",
      ]),
      evidence: texts(".evidence__item .evidence__name"),
      catalogue: q(".catalogue-link a") ? [q(".catalogue-link a").getAttribute("href"), q(".catalogue-link a").textContent.trim()] : null,
      verdict: q("#result .verdict")?.getAttribute("data-verdict") ?? null,
      verdictText: q("#result .verdict")?.textContent.trim() ?? null,
      resultHidden: q("#result")?.hidden ?? null,
      checks: Array.from(document.querySelectorAll("#result .checks li"), (li) => ({
        id: li.getAttribute("data-check"),
        status: li.getAttribute("data-status"),
      })),
      verifyStatus: q("#verify-status")?.textContent.trim() ?? null,
      verifyButton: q("#verify-now")?.textContent.trim() ?? null,
      linkedin: q("#linkedin-link")?.getAttribute("href") ?? null,
      copyHidden: q("#copy-link")?.hidden ?? null,
      copyStatus: q("#copy-status")?.textContent.trim() ?? null,
      og: { title: meta("og:title"), image: meta("og:image"), url: meta("og:url"), description: meta("og:description") },
      bodyText: document.body.innerText,
    };
  });
}

async function waitForBadgeVerdict(page) {
  await page.waitForSelector("#result .verdict", { timeout: TIMEOUT });
  await page.waitForFunction(
    () => {
      const status = document.querySelector("#verify-status");
      return status && status.textContent.trim() && !status.textContent.includes("…");
    },
    null,
    { timeout: TIMEOUT }
  );
}

const browser = await launch(config.chromium);
const out = {};
try {
  for (const name of config.scenarios ?? Object.keys(scenarios)) {
    const context = await browser.newContext({
      javaScriptEnabled: !NO_JAVASCRIPT.has(name),
      locale: "fr-FR",
      viewport: { width: 1100, height: 900 },
      reducedMotion: "reduce",
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const seen = watch(page);
    try {
      out[name] = { ok: true, ...(await scenarios[name](page)), seen };
    } catch (err) {
      out[name] = { ok: false, error: String(err && err.stack ? err.stack : err), seen };
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
