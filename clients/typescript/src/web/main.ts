/**
 * The page at `/`: register, log in, add, complete and delete todos through the typed client.
 * Bundled into app/web/static/todo-app.js by `make client`; every API field it touches is checked by tsc.
 */
import {
  ApiFailure,
  createTodoClient,
  fieldErrors,
  paginationOf,
  unwrap,
  type Priority,
  type Todo,
  type TodoCreate,
  type TodoListQuery,
  type TodoSort,
} from "../client";

const TOKEN_KEY = "todo-api.token";
const PER_PAGE = 10;

// Records keyed by the contract's enums: a value added to or removed from the API fails to compile here.
const PRIORITY_LABELS: Record<Priority, string> = { high: "High", normal: "Normal", low: "Low" };
const SORT_LABELS: Partial<Record<TodoSort, string>> = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  due_at: "Due date",
  "-priority": "Priority",
  title: "Title",
};
type Show = "all" | "open" | "done";

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new Error(`The page has no <${type.name}> with id "${id}"`);
  }
  return found;
}

const ui = {
  session: byId("session", HTMLDivElement),
  sessionUser: byId("session-user", HTMLElement),
  logout: byId("logout", HTMLButtonElement),
  error: byId("error", HTMLDivElement),
  status: byId("status", HTMLParagraphElement),
  auth: byId("auth", HTMLElement),
  authForm: byId("auth-form", HTMLFormElement),
  username: byId("auth-username", HTMLInputElement),
  password: byId("auth-password", HTMLInputElement),
  todos: byId("todos", HTMLElement),
  newTodo: byId("new-todo", HTMLFormElement),
  newTitle: byId("new-title", HTMLInputElement),
  newPriority: byId("new-priority", HTMLSelectElement),
  newDue: byId("new-due", HTMLInputElement),
  newTags: byId("new-tags", HTMLInputElement),
  search: byId("search", HTMLInputElement),
  sort: byId("sort", HTMLSelectElement),
  summary: byId("summary", HTMLParagraphElement),
  list: byId("todo-list", HTMLUListElement),
  prev: byId("prev-page", HTMLButtonElement),
  next: byId("next-page", HTMLButtonElement),
  pageInfo: byId("page-info", HTMLSpanElement),
};

const client = createTodoClient({
  baseUrl: document.body.dataset.apiBase ?? "",
  token: sessionStorage.getItem(TOKEN_KEY),
});
const view = { page: 1, totalPages: 0, show: "all" as Show, q: "", sort: "-created_at" as TodoSort };

function setToken(token: string | null): void {
  client.token = token;
  if (token === null) {
    sessionStorage.removeItem(TOKEN_KEY);
  } else {
    sessionStorage.setItem(TOKEN_KEY, token);
  }
}

/** Shows a failure: the envelope's `message`, then one line per invalid field. */
function showError(message: string | null, details: readonly string[] = []): void {
  ui.error.replaceChildren();
  ui.error.hidden = message === null;
  if (message === null) {
    return;
  }
  const summary = document.createElement("p");
  summary.textContent = message;
  ui.error.append(summary);
  if (details.length > 0) {
    const list = document.createElement("ul");
    list.append(
      ...details.map((detail) => {
        const item = document.createElement("li");
        item.textContent = detail;
        return item;
      }),
    );
    ui.error.append(list);
  }
}

function showFailure(error: unknown): void {
  if (error instanceof ApiFailure && error.body) {
    showError(error.body.message, fieldErrors(error.body));
  } else {
    showError(error instanceof Error ? error.message : String(error));
  }
}

function announce(message: string): void {
  ui.status.textContent = message;
}

/** Runs one user action; an API failure shows the envelope's message, and a 401 ends the session. */
async function act(action: () => Promise<void>): Promise<void> {
  showError(null);
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401 && client.token !== null) {
      setToken(null); // expired or revoked elsewhere: back to the login form, with the API's message
      showSignedOut();
    }
    showFailure(error);
  }
}

function showSignedOut(): void {
  ui.session.hidden = true;
  ui.todos.hidden = true;
  ui.auth.hidden = false;
  ui.list.replaceChildren();
  ui.username.focus();
}

async function showSignedIn(): Promise<void> {
  const user = unwrap(await client.api.GET("/api/auth/me"), "Reading your account");
  ui.sessionUser.textContent = user.username;
  ui.session.hidden = false;
  ui.auth.hidden = true;
  ui.todos.hidden = false;
  ui.authForm.reset();
  announce(`Signed in as ${user.username}.`);
  view.page = 1;
  await refresh();
  ui.newTitle.focus();
}

async function logIn(username: string, password: string): Promise<void> {
  const token = unwrap(
    await client.api.POST("/api/auth/login", { body: { username, password } }),
    "Logging in",
  );
  setToken(token.access_token);
  await showSignedIn();
}

async function register(username: string, password: string): Promise<void> {
  const user = unwrap(
    await client.api.POST("/api/auth/register", { body: { username, password } }),
    "Creating the account",
  );
  announce(`Account ${user.username} created.`);
  await logIn(username, password);
}

async function logOut(): Promise<void> {
  const result = await client.api.POST("/api/auth/logout");
  setToken(null);
  showSignedOut();
  // An already expired or revoked token is as good as logged out.
  if (result.response.status !== 401) {
    unwrap(result, "Logging out");
  }
  announce("Logged out.");
}

function listQuery(): TodoListQuery {
  const query: TodoListQuery = { page: view.page, per_page: PER_PAGE, sort: view.sort };
  if (view.show !== "all") {
    query.done = view.show === "done";
  }
  if (view.q !== "") {
    query.q = view.q;
  }
  return query;
}

async function refresh(): Promise<void> {
  const result = await client.api.GET("/api/todos", { params: { query: listQuery() } });
  const todos = unwrap(result, "Loading your todos");
  const pages = paginationOf(result.response);
  if (todos.length === 0 && view.page > 1 && pages.totalPages > 0) {
    view.page = Math.min(view.page - 1, pages.totalPages);
    return refresh();
  }
  view.totalPages = pages.totalPages;
  ui.list.replaceChildren(...todos.map(renderTodo));
  ui.summary.textContent =
    pages.total === 0
      ? view.show === "all" && view.q === ""
        ? "Nothing to do yet: add your first todo above."
        : "No todos match."
      : `${pages.total} ${pages.total === 1 ? "todo" : "todos"}`;
  ui.pageInfo.textContent = pages.totalPages > 1 ? `Page ${pages.page} of ${pages.totalPages}` : "";
  ui.prev.disabled = pages.page <= 1;
  ui.next.disabled = pages.page >= pages.totalPages;
  ui.prev.hidden = ui.next.hidden = pages.totalPages <= 1;
}

function formatDue(dueAt: string): string {
  const due = new Date(dueAt);
  return Number.isNaN(due.getTime()) ? dueAt : due.toLocaleDateString(undefined, { dateStyle: "medium" });
}

function renderTodo(todo: Todo): HTMLLIElement {
  const item = document.createElement("li");
  item.className = todo.done ? "todo done" : "todo";
  item.dataset.todoId = String(todo.id);

  const checkbox = document.createElement("input");
  checkbox.type = "checkbox";
  checkbox.checked = todo.done;
  checkbox.id = `todo-${todo.id}-done`;
  checkbox.setAttribute("aria-label", `Done: ${todo.title}`);
  checkbox.addEventListener("change", () =>
    act(async () => {
      checkbox.disabled = true;
      try {
        const result = await client.api.PATCH("/api/todos/{todo_id}", {
          params: { path: { todo_id: todo.id } },
          body: { done: checkbox.checked },
        });
        const updated = unwrap(result, `Updating “${todo.title}”`);
        announce(`“${updated.title}” marked ${updated.done ? "done" : "not done"}.`);
        await refresh();
      } catch (error) {
        checkbox.checked = todo.done;
        throw error;
      } finally {
        checkbox.disabled = false;
      }
    }),
  );

  const body = document.createElement("div");
  body.className = "todo-body";
  const title = document.createElement("span");
  title.className = "todo-title";
  title.textContent = todo.title;
  body.append(title);
  if (todo.description) {
    const description = document.createElement("span");
    description.className = "todo-description";
    description.textContent = todo.description;
    body.append(description);
  }
  const meta = document.createElement("span");
  meta.className = "todo-meta";
  const priority = document.createElement("span");
  priority.className = `badge priority-${todo.priority}`;
  priority.textContent = PRIORITY_LABELS[todo.priority];
  meta.append(priority);
  if (todo.due_at !== null) {
    const due = document.createElement("time");
    due.dateTime = todo.due_at;
    due.textContent = `due ${formatDue(todo.due_at)}`;
    meta.append(due);
  }
  for (const tag of todo.tags) {
    const chip = document.createElement("span");
    chip.className = "tag";
    chip.textContent = `#${tag}`;
    meta.append(chip);
  }
  body.append(meta);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "delete";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete “${todo.title}”`);
  remove.addEventListener("click", () =>
    act(async () => {
      remove.disabled = true;
      const result = await client.api.DELETE("/api/todos/{todo_id}", {
        params: { path: { todo_id: todo.id } },
      });
      unwrap(result, `Deleting “${todo.title}”`);
      announce(`Deleted “${todo.title}”.`);
      await refresh();
    }),
  );

  item.append(checkbox, body, remove);
  return item;
}

/** A local calendar date as an RFC 3339 date-time at 09:00 with this browser's UTC offset. */
function dueFromDate(value: string): string | null {
  if (value === "") {
    return null;
  }
  const local = new Date(`${value}T09:00:00`);
  const minutes = -local.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const pad = (n: number): string => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${value}T09:00:00${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

function tagsFrom(value: string): string[] {
  const tags = value
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
  return [...new Set(tags)];
}

async function addTodo(): Promise<void> {
  const body: TodoCreate = {
    title: ui.newTitle.value.trim(),
    priority: ui.newPriority.value as Priority,
    due_at: dueFromDate(ui.newDue.value),
    tags: tagsFrom(ui.newTags.value),
  };
  const created = unwrap(await client.api.POST("/api/todos", { body }), "Adding the todo");
  ui.newTodo.reset();
  ui.newPriority.value = "normal" satisfies Priority;
  announce(`Added “${created.title}”.`);
  view.page = 1;
  await refresh();
  ui.newTitle.focus();
}

function fillSelect<K extends string>(select: HTMLSelectElement, labels: Partial<Record<K, string>>, value: K): void {
  for (const [key, label] of Object.entries(labels)) {
    select.append(new Option(String(label), key, key === value, key === value));
  }
}

function wire(): void {
  fillSelect(ui.newPriority, PRIORITY_LABELS, "normal");
  fillSelect(ui.sort, SORT_LABELS, view.sort);

  ui.authForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const submitter = event.submitter instanceof HTMLButtonElement ? event.submitter.value : "login";
    const username = ui.username.value.trim();
    const password = ui.password.value;
    void act(() => (submitter === "register" ? register(username, password) : logIn(username, password)));
  });
  ui.logout.addEventListener("click", () => void act(logOut));
  ui.newTodo.addEventListener("submit", (event) => {
    event.preventDefault();
    void act(addTodo);
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="show"]')) {
    radio.addEventListener("change", () => {
      view.show = radio.value as Show;
      view.page = 1;
      void act(refresh);
    });
  }
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  ui.search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      view.q = ui.search.value.trim();
      view.page = 1;
      void act(refresh);
    }, 250);
  });
  ui.sort.addEventListener("change", () => {
    view.sort = ui.sort.value as TodoSort;
    view.page = 1;
    void act(refresh);
  });
  ui.prev.addEventListener("click", () => {
    view.page = Math.max(1, view.page - 1);
    void act(refresh);
  });
  ui.next.addEventListener("click", () => {
    view.page = Math.min(view.totalPages, view.page + 1);
    void act(refresh);
  });
}

async function start(): Promise<void> {
  wire();
  if (client.token === null) {
    showSignedOut();
    return;
  }
  try {
    await showSignedIn();
  } catch (error) {
    setToken(null);
    showSignedOut();
    if (!(error instanceof ApiFailure && error.status === 401)) {
      showFailure(error);
    }
  }
}

void start();
