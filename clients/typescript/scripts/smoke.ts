/**
 * End-to-end smoke test: the typed client against a live server (E2E_BASE_URL), one user story from
 * registration to logout. Each step checks what the contract promises: statuses, headers and bodies.
 *
 *   E2E_BASE_URL=http://127.0.0.1:8000 tsx scripts/smoke.ts
 */
import assert from "node:assert/strict";

import {
  ApiFailure,
  createTodoClient,
  paginationOf,
  unwrap,
  type ApiError,
  type Todo,
  type TodoCreate,
  type TodoListQuery,
  type TodoReplace,
} from "../src/client";

const baseUrl: string = process.env.E2E_BASE_URL ?? "";
if (baseUrl === "") {
  console.error("Set E2E_BASE_URL to the server's origin, e.g. http://127.0.0.1:8000 (make e2e does).");
  process.exit(2);
}

const client = createTodoClient({ baseUrl });
const { api } = client;
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const username = `smoke_${suffix}`;
const password = "correct horse battery staple";

/** Asserts that a call failed with `status` and the error envelope, and returns the envelope. */
function expectFailure(
  result: { error?: unknown; response: Response },
  status: number,
  action: string,
): ApiError {
  try {
    unwrap(result, action);
  } catch (error) {
    assert.ok(error instanceof ApiFailure, `${action}: expected an ApiFailure, got ${String(error)}`);
    assert.equal(error.status, status, `${action}: ${error.message}`);
    assert.ok(error.body, `${action}: the ${status} has no error envelope`);
    assert.equal(error.body.code, status, `${action}: envelope code`);
    assert.ok(error.body.message.length > 0, `${action}: envelope message is empty`);
    return error.body;
  }
  assert.fail(`${action}: expected ${status}, got ${result.response.status}`);
}

const state: { todos: Todo[]; etag: string; staleEtag: string } = { todos: [], etag: "", staleEtag: "" };

function todo(title: string): Todo {
  const found = state.todos.find((t) => t.title === title);
  assert.ok(found, `no todo titled ${title} was created`);
  return found;
}

const steps: [string, () => Promise<void>][] = [
  [
    "the server is healthy",
    async () => {
      const health = unwrap(await api.GET("/healthz"), "healthCheck");
      assert.equal(health.status, "ok");
    },
  ],
  [
    "register a new user (201 with Location), and the same name again is a 409",
    async () => {
      const result = await api.POST("/api/auth/register", { body: { username, password } });
      const user = unwrap(result, "register");
      assert.equal(result.response.status, 201);
      assert.equal(user.username, username);
      assert.ok(Number.isInteger(user.id) && user.id > 0, `user id ${user.id}`);
      assert.ok(result.response.headers.get("Location"), "201 without Location");
      const again = await api.POST("/api/auth/register", { body: { username, password } });
      const conflict = expectFailure(again, 409, "register twice");
      assert.match(conflict.message, /taken/);
    },
  ],
  [
    "a wrong password is a 401 with a Bearer challenge",
    async () => {
      const result = await api.POST("/api/auth/login", { body: { username, password: "not the password" } });
      expectFailure(result, 401, "login with a wrong password");
      assert.match(result.response.headers.get("WWW-Authenticate") ?? "", /^Bearer /);
    },
  ],
  [
    "log in for a bearer token; /me names the user",
    async () => {
      const token = unwrap(await api.POST("/api/auth/login", { body: { username, password } }), "login");
      assert.equal(token.token_type, "Bearer");
      assert.ok(token.expires_in > 0, `expires_in ${token.expires_in}`);
      assert.ok(Date.parse(token.expires_at) > Date.now(), `expires_at ${token.expires_at} is not ahead`);
      client.token = token.access_token;
      const me = unwrap(await api.GET("/api/auth/me"), "getCurrentUser");
      assert.equal(me.username, username);
    },
  ],
  [
    "create todos (201 with Location and ETag; fields come back as sent)",
    async () => {
      const drafts: TodoCreate[] = [
        { title: "Buy milk", priority: "high", tags: ["home", "errands"], due_at: "2026-12-01T09:00:00+02:00" },
        { title: "Write the report", description: "Quarterly numbers", tags: ["work"] },
        { title: "Call the plumber", priority: "low", done: true, tags: ["home"] },
        { title: "Book flights", priority: "high", tags: ["travel"] },
        { title: "Water the plants", done: true },
      ];
      for (const draft of drafts) {
        const result = await api.POST("/api/todos", { body: draft });
        const created = unwrap(result, `createTodo ${draft.title}`);
        assert.equal(result.response.status, 201);
        assert.equal(created.title, draft.title);
        assert.equal(created.done, draft.done ?? false);
        assert.equal(created.priority, draft.priority ?? "normal");
        assert.equal(created.description, draft.description ?? null);
        assert.equal(created.due_at, draft.due_at ?? null, "due_at keeps the offset it was sent with");
        assert.deepEqual(created.tags, draft.tags ?? []);
        assert.ok(result.response.headers.get("ETag"), "201 without ETag");
        const location = result.response.headers.get("Location") ?? "";
        assert.ok(location.endsWith(`/api/todos/${created.id}`), `Location ${location}`);
        state.todos.push(created);
      }
    },
  ],
  [
    "list pages through all todos with consistent pagination headers",
    async () => {
      const seen: number[] = [];
      for (let page = 1; page <= 3; page += 1) {
        const result = await api.GET("/api/todos", { params: { query: { page, per_page: 2, sort: "title" } } });
        const items = unwrap(result, `listTodos page ${page}`);
        const pages = paginationOf(result.response);
        assert.deepEqual(pages, { total: 5, page, perPage: 2, totalPages: 3 });
        assert.equal(items.length, page < 3 ? 2 : 1, `page ${page} size`);
        seen.push(...items.map((t) => t.id));
      }
      assert.deepEqual([...seen].sort((a, b) => a - b), state.todos.map((t) => t.id).sort((a, b) => a - b));
      const titles = await api.GET("/api/todos", { params: { query: { sort: "title" } } });
      const sorted = unwrap(titles, "listTodos sort=title").map((t) => t.title);
      assert.deepEqual(sorted, [...sorted].sort((a, b) => a.localeCompare(b)));
      const beyond = await api.GET("/api/todos", { params: { query: { page: 4, per_page: 2 } } });
      assert.deepEqual(unwrap(beyond, "listTodos past the last page"), []);
      assert.equal(paginationOf(beyond.response).total, 5);
    },
  ],
  [
    "filters: done, priority, tag and text search",
    async () => {
      assert.deepEqual(await listTitles({ done: true }), ["Call the plumber", "Water the plants"]);
      assert.deepEqual(await listTitles({ done: false, priority: "high" }), ["Book flights", "Buy milk"]);
      assert.deepEqual(await listTitles({ tag: "home" }), ["Buy milk", "Call the plumber"]);
      assert.deepEqual(await listTitles({ q: "QUARTERLY" }), ["Write the report"]);
      assert.deepEqual(await listTitles({ tag: "nothing-has-this" }), []);
      const invalid = await api.GET("/api/todos", { params: { query: { per_page: 0 } } });
      const envelope = expectFailure(invalid, 422, "listTodos per_page=0");
      assert.ok(envelope.errors, "a 422 names the invalid fields");
    },
  ],
  [
    "read one todo, then patch it with its current ETag",
    async () => {
      const milk = todo("Buy milk");
      const read = await api.GET("/api/todos/{todo_id}", { params: { path: { todo_id: milk.id } } });
      assert.deepEqual(unwrap(read, "getTodo"), milk);
      const etag = read.response.headers.get("ETag");
      assert.ok(etag, "200 without ETag");
      const patched = await api.PATCH("/api/todos/{todo_id}", {
        params: { path: { todo_id: milk.id }, header: { "If-Match": etag } },
        body: { done: true, tags: ["home"] },
      });
      const updated = unwrap(patched, "updateTodo");
      assert.equal(updated.done, true);
      assert.deepEqual(updated.tags, ["home"]);
      assert.equal(updated.title, milk.title, "PATCH leaves other fields alone");
      assert.equal(updated.priority, milk.priority);
      const newEtag = patched.response.headers.get("ETag");
      assert.ok(newEtag && newEtag !== etag, "the ETag changes with the representation");
      state.staleEtag = etag;
      state.etag = newEtag;
    },
  ],
  [
    "replace with a stale ETag is a 412 and changes nothing; with the current one it succeeds",
    async () => {
      const milk = todo("Buy milk");
      const replacement: TodoReplace = {
        title: "Buy oat milk",
        description: null,
        done: false,
        priority: "normal",
        due_at: null,
        tags: [],
      };
      const path = { todo_id: milk.id };
      const stale = await api.PUT("/api/todos/{todo_id}", {
        params: { path, header: { "If-Match": state.staleEtag } },
        body: replacement,
      });
      const envelope = expectFailure(stale, 412, "replaceTodo with a stale ETag");
      assert.match(envelope.message, /ETag/);
      const unchanged = unwrap(await api.GET("/api/todos/{todo_id}", { params: { path } }), "getTodo");
      assert.equal(unchanged.title, "Buy milk");
      assert.equal(unchanged.done, true);
      const fresh = await api.PUT("/api/todos/{todo_id}", {
        params: { path, header: { "If-Match": state.etag } },
        body: replacement,
      });
      const replaced = unwrap(fresh, "replaceTodo with the current ETag");
      assert.deepEqual({ ...replaced, id: undefined, created_at: undefined, updated_at: undefined }, {
        ...replacement,
        id: undefined,
        created_at: undefined,
        updated_at: undefined,
      });
      assert.equal(replaced.id, milk.id);
    },
  ],
  [
    "another user cannot see the todo (404, not 403)",
    async () => {
      const other = createTodoClient({ baseUrl });
      const name = `${username}_peer`;
      unwrap(await other.api.POST("/api/auth/register", { body: { username: name, password } }), "register peer");
      const token = unwrap(await other.api.POST("/api/auth/login", { body: { username: name, password } }), "login");
      other.token = token.access_token;
      const path = { todo_id: todo("Buy milk").id };
      expectFailure(await other.api.GET("/api/todos/{todo_id}", { params: { path } }), 404, "peer getTodo");
      const list = await other.api.GET("/api/todos");
      assert.deepEqual(unwrap(list, "peer listTodos"), []);
      assert.equal(paginationOf(list.response).total, 0);
    },
  ],
  [
    "delete a todo (204); reading or deleting it again is a 404",
    async () => {
      const path = { todo_id: todo("Call the plumber").id };
      const deleted = await api.DELETE("/api/todos/{todo_id}", { params: { path } });
      unwrap(deleted, "deleteTodo");
      assert.equal(deleted.response.status, 204);
      const gone = expectFailure(await api.GET("/api/todos/{todo_id}", { params: { path } }), 404, "getTodo");
      assert.match(gone.message, /does not exist/);
      expectFailure(await api.DELETE("/api/todos/{todo_id}", { params: { path } }), 404, "deleteTodo again");
      const list = await api.GET("/api/todos");
      assert.equal(paginationOf(list.response).total, 4);
    },
  ],
  [
    "log out (204); the token no longer works (401 invalid_token)",
    async () => {
      const out = await api.POST("/api/auth/logout");
      unwrap(out, "logout");
      assert.equal(out.response.status, 204);
      const me = await api.GET("/api/auth/me");
      expectFailure(me, 401, "getCurrentUser after logout");
      assert.match(me.response.headers.get("WWW-Authenticate") ?? "", /invalid_token/);
      expectFailure(await api.GET("/api/todos"), 401, "listTodos after logout");
    },
  ],
];

/** Titles of the todos matching `query`, in title order; the total header must agree with the list. */
async function listTitles(query: TodoListQuery): Promise<string[]> {
  const result = await api.GET("/api/todos", { params: { query: { ...query, sort: "title" } } });
  const items = unwrap(result, `listTodos ${JSON.stringify(query)}`);
  assert.equal(paginationOf(result.response).total, items.length, "X-Total-Count counts the filtered todos");
  return items.map((t) => t.title);
}

let passed = 0;
let failed = 0;
for (const [name, run] of steps) {
  const started = performance.now();
  try {
    await run();
    passed += 1;
    console.log(`ok ${passed} - ${name} (${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    failed += 1;
    console.error(`not ok - ${name}\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    break; // later steps build on this one
  }
}
const skipped = steps.length - passed - failed;
console.log(`smoke: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed === 0 ? 0 : 1;
