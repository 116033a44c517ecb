/**
 * Browser test: a person's visit to the page at `/` in headless Chromium (Debian's package, driven by
 * playwright-core): register, log out, fail and then succeed to log in, add todos, complete one, delete
 * one (the screenshot shows that state), then filter, search, reload and page. What the page shows is
 * cross-checked through the typed client.
 *
 *   E2E_BASE_URL=http://127.0.0.1:8000 E2E_SCREENSHOT=../../reports/e2e-todos.png tsx scripts/browser.ts
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";

import { createTodoClient, paginationOf, unwrap, type Todo } from "../src/client";

const baseUrl: string = process.env.E2E_BASE_URL ?? "";
if (baseUrl === "") {
  console.error("Set E2E_BASE_URL to the server's origin, e.g. http://127.0.0.1:8000 (make e2e does).");
  process.exit(2);
}
const screenshotPath = resolve(process.env.E2E_SCREENSHOT ?? "../../reports/e2e-todos.png");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT_MS = 10_000;

// Quiet, offline, throwaway: without the networking flags Chromium keeps dialling out to Google services.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const suffix = Date.now().toString(36);
const username = `browser_${suffix}`;
const password = "correct horse battery staple";
const TODOS = [
  { title: "Buy milk", priority: "High", due: "2026-12-01", tags: "home, errands" },
  { title: "Write the quarterly report", priority: "Normal", due: "", tags: "work" },
  { title: "Call the plumber", priority: "Low", due: "", tags: "home" },
] as const;

/**
 * Polls until `check` stops throwing: the page updates after the API answers, not synchronously.
 * Every `assert.ok` in a check carries a message: without one, Node re-parses this file to quote the
 * expression, which is slow and unreliable on transpiled code.
 */
async function eventually(what: string, check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: still failing after ${TIMEOUT_MS} ms: ${String(error)}`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

function todoItems(page: Page): Locator {
  return page.getByRole("list", { name: "Your todos" }).getByRole("listitem");
}

async function titlesShown(page: Page): Promise<string[]> {
  return todoItems(page).locator(".todo-title").allInnerTexts();
}

async function alertText(page: Page): Promise<string> {
  const alert = page.getByRole("alert");
  await alert.waitFor({ state: "visible" });
  return (await alert.innerText()).trim();
}

async function fillCredentials(page: Page, pass: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(pass);
}

async function signedInAs(page: Page): Promise<void> {
  await eventually("the header names the user", async () => {
    assert.equal(await page.locator("#session-user").innerText(), username);
    assert.ok(await page.getByRole("button", { name: "Log out" }).isVisible(), "Log out is not shown");
  });
}

/** The todos as the API has them, read with the page's own token. */
async function todosViaApi(page: Page): Promise<Todo[]> {
  const token = await page.evaluate(() => sessionStorage.getItem("todo-api.token"));
  assert.ok(token, "the page keeps its token in sessionStorage");
  const client = createTodoClient({ baseUrl, token });
  const result = await client.api.GET("/api/todos", { params: { query: { per_page: 100, sort: "title" } } });
  const todos = unwrap(result, "listTodos");
  assert.equal(paginationOf(result.response).total, todos.length);
  return todos;
}

async function story(page: Page): Promise<void> {
  await page.goto(`${baseUrl}/`);
  assert.equal(await page.title(), "Todos");
  await page.getByRole("heading", { name: "Log in or create an account" }).waitFor();

  console.log("- an invalid registration shows the API's message");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  const invalid = await alertText(page);
  assert.match(invalid, /invalid values/i, "the envelope's message");
  assert.match(invalid, /^password: .*8/m, "the field message for password");

  console.log("- register (which logs in), then log out");
  await fillCredentials(page, password);
  await page.getByRole("button", { name: "Create account" }).click();
  await signedInAs(page);
  await eventually("the error is cleared", async () => {
    assert.equal(await page.getByRole("alert").isVisible(), false, "the error is still shown");
  });
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();

  console.log("- a wrong password shows the API's message; the right one logs in");
  await fillCredentials(page, "wrong password!");
  await page.getByRole("button", { name: "Log in" }).click();
  assert.equal(await alertText(page), "Unknown username or wrong password.");
  await fillCredentials(page, password);
  await page.getByRole("button", { name: "Log in" }).click();
  await signedInAs(page);

  console.log("- add three todos");
  for (const todo of TODOS) {
    await page.getByLabel("New todo").fill(todo.title);
    await page.getByLabel("Priority").selectOption({ label: todo.priority });
    await page.getByLabel("Due").fill(todo.due);
    await page.getByLabel("Tags").fill(todo.tags);
    await page.getByRole("button", { name: "Add" }).click();
    await eventually(`"${todo.title}" is listed`, async () => {
      const titles = await titlesShown(page);
      assert.ok(titles.includes(todo.title), `listed: ${JSON.stringify(titles)}`);
    });
  }
  assert.deepEqual(await titlesShown(page), [...TODOS].reverse().map((t) => t.title), "newest first");
  const milk = (await todosViaApi(page)).find((t) => t.title === "Buy milk");
  assert.ok(milk, "Buy milk reached the API");
  assert.equal(milk.priority, "high");
  assert.deepEqual(milk.tags, ["home", "errands"]);
  assert.match(milk.due_at ?? "", /^2026-12-01T09:00:00([+-]\d{2}:\d{2}|Z)$/);

  console.log("- complete one");
  await page.getByRole("checkbox", { name: "Done: Buy milk" }).check();
  await eventually("Buy milk is shown done", async () => {
    const item = todoItems(page).filter({ hasText: "Buy milk" });
    assert.match((await item.getAttribute("class")) ?? "", /\bdone\b/);
    const box = page.getByRole("checkbox", { name: "Done: Buy milk" });
    assert.ok(await box.isChecked(), "its checkbox is not checked");
  });
  assert.equal((await todosViaApi(page)).find((t) => t.title === "Buy milk")?.done, true);

  console.log("- delete one");
  await page.getByRole("button", { name: "Delete “Call the plumber”" }).click();
  await eventually("Call the plumber is gone", async () => {
    assert.deepEqual(await titlesShown(page), ["Write the quarterly report", "Buy milk"]);
  });
  const left = await todosViaApi(page);
  assert.deepEqual(left.map((t) => t.title), ["Buy milk", "Write the quarterly report"]);
  assert.equal(await page.locator("#summary").innerText(), "2 todos");

  mkdirSync(dirname(screenshotPath), { recursive: true });
  await page.mouse.move(0, 0); // no hover highlight on the last button clicked
  await page.screenshot({ path: screenshotPath, fullPage: true });

  console.log("- the Done filter shows only the completed todo; search finds by text");
  await page.getByRole("radio", { name: "Done" }).check();
  await eventually("only done todos", async () => assert.deepEqual(await titlesShown(page), ["Buy milk"]));
  await page.getByRole("radio", { name: "All" }).check();
  await eventually("all todos again", async () => assert.equal((await titlesShown(page)).length, 2));
  await page.getByLabel("Search").fill("QUARTERLY");
  await eventually("search results", async () => {
    assert.deepEqual(await titlesShown(page), ["Write the quarterly report"]);
  });
  await page.getByLabel("Search").fill("");
  await eventually("no search", async () => assert.equal((await titlesShown(page)).length, 2));

  console.log("- a reload keeps the session");
  await page.reload();
  await signedInAs(page);
  await eventually("todos after reload", async () => assert.equal((await titlesShown(page)).length, 2));

  console.log("- more todos than fit a page: the pager walks through them");
  const token = await page.evaluate(() => sessionStorage.getItem("todo-api.token"));
  const client = createTodoClient({ baseUrl, token });
  for (let n = 1; n <= 10; n += 1) {
    unwrap(await client.api.POST("/api/todos", { body: { title: `Chore ${n}` } }), `createTodo Chore ${n}`);
  }
  await page.reload();
  await eventually("first page", async () => {
    assert.equal(await page.locator("#page-info").innerText(), "Page 1 of 2");
    assert.equal((await titlesShown(page)).length, 10);
  });
  assert.equal(await page.getByRole("button", { name: "Previous" }).isDisabled(), true, "Previous on page 1");
  await page.getByRole("button", { name: "Next" }).click();
  await eventually("second page", async () => {
    assert.equal(await page.locator("#page-info").innerText(), "Page 2 of 2");
    assert.deepEqual(await titlesShown(page), ["Write the quarterly report", "Buy milk"]);
  });
  assert.equal(await page.getByRole("button", { name: "Next" }).isDisabled(), true, "Next on the last page");
  await page.getByRole("button", { name: "Previous" }).click();
  await eventually("back on the first page", async () => {
    assert.equal(await page.locator("#page-info").innerText(), "Page 1 of 2");
  });
}

async function main(): Promise<number> {
  const profile = mkdtempSync(join(tmpdir(), "todo-e2e-chromium-"));
  // Playwright exits on Ctrl-C without unwinding this function: remove the profile on any exit.
  process.once("exit", () => rmSync(profile, { recursive: true, force: true }));
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const problems: string[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 900, height: 760 },
      locale: "en-GB",
      timezoneId: "Europe/Berlin",
    });
    context.setDefaultTimeout(TIMEOUT_MS);
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // A 4xx the story provokes is logged as a failed resource load; anything else is a defect.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        problems.push(`console error: ${message.text()}`);
      }
    });
    await story(page);
    assert.deepEqual(problems, [], "the page logged errors (CSP violations, exceptions)");
    console.log(`browser: 1 passed, 0 failed (screenshot ${screenshotPath})`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (problems.length > 0) {
      console.error(problems.join("\n"));
    }
    if (page !== undefined) {
      const failurePath = join(dirname(screenshotPath), "e2e-failure.png");
      mkdirSync(dirname(failurePath), { recursive: true });
      await page.screenshot({ path: failurePath, fullPage: true }).catch(() => undefined);
      console.error(`the page at the failure: ${failurePath}`);
    }
    console.error("browser: 0 passed, 1 failed");
    return 1;
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

process.exitCode = await main();
