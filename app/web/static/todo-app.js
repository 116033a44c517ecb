// The page's script: clients/typescript/src/web/main.ts and the typed client, bundled by `make client`.
// Do not edit: change the TypeScript sources, run `make client`, and commit the result.

// node_modules/openapi-fetch/dist/index.mjs
var PATH_PARAM_RE = /\{[^{}]+\}/g;
var supportsRequestInitExt = () => {
  return typeof process === "object" && Number.parseInt(process?.versions?.node?.substring(0, 2)) >= 18 && process.versions.undici;
};
function randomID() {
  return Math.random().toString(36).slice(2, 11);
}
function createClient(clientOptions) {
  let {
    baseUrl = "",
    Request: CustomRequest = globalThis.Request,
    fetch: baseFetch = globalThis.fetch,
    querySerializer: globalQuerySerializer,
    bodySerializer: globalBodySerializer,
    pathSerializer: globalPathSerializer,
    headers: baseHeaders,
    requestInitExt = void 0,
    ...baseOptions
  } = { ...clientOptions };
  requestInitExt = supportsRequestInitExt() ? requestInitExt : void 0;
  baseUrl = removeTrailingSlash(baseUrl);
  const globalMiddlewares = [];
  async function coreFetch(schemaPath, fetchOptions) {
    const {
      baseUrl: localBaseUrl,
      fetch = baseFetch,
      Request = CustomRequest,
      headers,
      params = {},
      parseAs = "json",
      querySerializer: requestQuerySerializer,
      bodySerializer = globalBodySerializer ?? defaultBodySerializer,
      pathSerializer: requestPathSerializer,
      body,
      middleware: requestMiddlewares = [],
      ...init
    } = fetchOptions || {};
    let finalBaseUrl = baseUrl;
    if (localBaseUrl) {
      finalBaseUrl = removeTrailingSlash(localBaseUrl) ?? baseUrl;
    }
    let querySerializer = typeof globalQuerySerializer === "function" ? globalQuerySerializer : createQuerySerializer(globalQuerySerializer);
    if (requestQuerySerializer) {
      querySerializer = typeof requestQuerySerializer === "function" ? requestQuerySerializer : createQuerySerializer({
        ...typeof globalQuerySerializer === "object" ? globalQuerySerializer : {},
        ...requestQuerySerializer
      });
    }
    const pathSerializer = requestPathSerializer || globalPathSerializer || defaultPathSerializer;
    const serializedBody = body === void 0 ? void 0 : bodySerializer(
      body,
      // Note: we declare mergeHeaders() both here and below because it’s a bit of a chicken-or-egg situation:
      // bodySerializer() needs all headers so we aren’t dropping ones set by the user, however,
      // the result of this ALSO sets the lowest-priority content-type header. So we re-merge below,
      // setting the content-type at the very beginning to be overwritten.
      // Lastly, based on the way headers work, it’s not a simple “present-or-not” check becauase null intentionally un-sets headers.
      mergeHeaders(baseHeaders, headers, params.header)
    );
    const finalHeaders = mergeHeaders(
      // with no body, we should not to set Content-Type
      serializedBody === void 0 || // if serialized body is FormData; browser will correctly set Content-Type & boundary expression
      serializedBody instanceof FormData ? {} : {
        "Content-Type": "application/json"
      },
      baseHeaders,
      headers,
      params.header
    );
    const finalMiddlewares = [...globalMiddlewares, ...requestMiddlewares];
    const requestInit = {
      redirect: "follow",
      ...baseOptions,
      ...init,
      body: serializedBody,
      headers: finalHeaders
    };
    let id;
    let options;
    let request = new Request(
      createFinalURL(schemaPath, { baseUrl: finalBaseUrl, params, querySerializer, pathSerializer }),
      requestInit
    );
    let response;
    for (const key in init) {
      if (!(key in request)) {
        request[key] = init[key];
      }
    }
    if (finalMiddlewares.length) {
      id = randomID();
      options = Object.freeze({
        baseUrl: finalBaseUrl,
        fetch,
        parseAs,
        querySerializer,
        bodySerializer,
        pathSerializer
      });
      for (const m of finalMiddlewares) {
        if (m && typeof m === "object" && typeof m.onRequest === "function") {
          const result = await m.onRequest({
            request,
            schemaPath,
            params,
            options,
            id
          });
          if (result) {
            if (result instanceof Request) {
              request = result;
            } else if (result instanceof Response) {
              response = result;
              break;
            } else {
              throw new Error("onRequest: must return new Request() or Response() when modifying the request");
            }
          }
        }
      }
    }
    if (!response) {
      try {
        response = await fetch(request, requestInitExt);
      } catch (error2) {
        let errorAfterMiddleware = error2;
        if (finalMiddlewares.length) {
          for (let i = finalMiddlewares.length - 1; i >= 0; i--) {
            const m = finalMiddlewares[i];
            if (m && typeof m === "object" && typeof m.onError === "function") {
              const result = await m.onError({
                request,
                error: errorAfterMiddleware,
                schemaPath,
                params,
                options,
                id
              });
              if (result) {
                if (result instanceof Response) {
                  errorAfterMiddleware = void 0;
                  response = result;
                  break;
                }
                if (result instanceof Error) {
                  errorAfterMiddleware = result;
                  continue;
                }
                throw new Error("onError: must return new Response() or instance of Error");
              }
            }
          }
        }
        if (errorAfterMiddleware) {
          throw errorAfterMiddleware;
        }
      }
      if (finalMiddlewares.length) {
        for (let i = finalMiddlewares.length - 1; i >= 0; i--) {
          const m = finalMiddlewares[i];
          if (m && typeof m === "object" && typeof m.onResponse === "function") {
            const result = await m.onResponse({
              request,
              response,
              schemaPath,
              params,
              options,
              id
            });
            if (result) {
              if (!(result instanceof Response)) {
                throw new Error("onResponse: must return new Response() when modifying the response");
              }
              response = result;
            }
          }
        }
      }
    }
    const contentLength = response.headers.get("Content-Length");
    if (response.status === 204 || request.method === "HEAD" || contentLength === "0" && !response.headers.get("Transfer-Encoding")?.includes("chunked")) {
      return response.ok ? { data: void 0, response } : { error: void 0, response };
    }
    if (response.ok) {
      const getResponseData = async () => {
        if (parseAs === "stream") {
          return response.body;
        }
        if (parseAs === "json" && !contentLength) {
          const raw = await response.text();
          return raw ? JSON.parse(raw) : void 0;
        }
        return await response[parseAs]();
      };
      return { data: await getResponseData(), response };
    }
    let error = await response.text();
    try {
      error = JSON.parse(error);
    } catch {
    }
    return { error, response };
  }
  return {
    request(method, url, init) {
      return coreFetch(url, { ...init, method: method.toUpperCase() });
    },
    /** Call a GET endpoint */
    GET(url, init) {
      return coreFetch(url, { ...init, method: "GET" });
    },
    /** Call a PUT endpoint */
    PUT(url, init) {
      return coreFetch(url, { ...init, method: "PUT" });
    },
    /** Call a POST endpoint */
    POST(url, init) {
      return coreFetch(url, { ...init, method: "POST" });
    },
    /** Call a DELETE endpoint */
    DELETE(url, init) {
      return coreFetch(url, { ...init, method: "DELETE" });
    },
    /** Call a OPTIONS endpoint */
    OPTIONS(url, init) {
      return coreFetch(url, { ...init, method: "OPTIONS" });
    },
    /** Call a HEAD endpoint */
    HEAD(url, init) {
      return coreFetch(url, { ...init, method: "HEAD" });
    },
    /** Call a PATCH endpoint */
    PATCH(url, init) {
      return coreFetch(url, { ...init, method: "PATCH" });
    },
    /** Call a TRACE endpoint */
    TRACE(url, init) {
      return coreFetch(url, { ...init, method: "TRACE" });
    },
    /** Register middleware */
    use(...middleware) {
      for (const m of middleware) {
        if (!m) {
          continue;
        }
        if (typeof m !== "object" || !("onRequest" in m || "onResponse" in m || "onError" in m)) {
          throw new Error("Middleware must be an object with one of `onRequest()`, `onResponse() or `onError()`");
        }
        globalMiddlewares.push(m);
      }
    },
    /** Unregister middleware */
    eject(...middleware) {
      for (const m of middleware) {
        const i = globalMiddlewares.indexOf(m);
        if (i !== -1) {
          globalMiddlewares.splice(i, 1);
        }
      }
    }
  };
}
function serializePrimitiveParam(name, value, options) {
  if (value === void 0 || value === null) {
    return "";
  }
  if (typeof value === "object") {
    throw new Error(
      "Deeply-nested arrays/objects aren’t supported. Provide your own `querySerializer()` to handle these."
    );
  }
  return `${name}=${options?.allowReserved === true ? value : encodeURIComponent(value)}`;
}
function serializeObjectParam(name, value, options) {
  if (!value || typeof value !== "object") {
    return "";
  }
  const values = [];
  const joiner = {
    simple: ",",
    label: ".",
    matrix: ";"
  }[options.style] || "&";
  if (options.style !== "deepObject" && options.explode === false) {
    for (const k in value) {
      values.push(k, options.allowReserved === true ? value[k] : encodeURIComponent(value[k]));
    }
    const final2 = values.join(",");
    switch (options.style) {
      case "form": {
        return `${name}=${final2}`;
      }
      case "label": {
        return `.${final2}`;
      }
      case "matrix": {
        return `;${name}=${final2}`;
      }
      default: {
        return final2;
      }
    }
  }
  for (const k in value) {
    const finalName = options.style === "deepObject" ? `${name}[${k}]` : k;
    values.push(serializePrimitiveParam(finalName, value[k], options));
  }
  const final = values.join(joiner);
  return options.style === "label" || options.style === "matrix" ? `${joiner}${final}` : final;
}
function serializeArrayParam(name, value, options) {
  if (!Array.isArray(value)) {
    return "";
  }
  if (options.explode === false) {
    const joiner2 = { form: ",", spaceDelimited: "%20", pipeDelimited: "|" }[options.style] || ",";
    const final = (options.allowReserved === true ? value : value.map((v) => encodeURIComponent(v))).join(joiner2);
    switch (options.style) {
      case "simple": {
        return final;
      }
      case "label": {
        return `.${final}`;
      }
      case "matrix": {
        return `;${name}=${final}`;
      }
      // case "spaceDelimited":
      // case "pipeDelimited":
      default: {
        return `${name}=${final}`;
      }
    }
  }
  const joiner = { simple: ",", label: ".", matrix: ";" }[options.style] || "&";
  const values = [];
  for (const v of value) {
    if (options.style === "simple" || options.style === "label") {
      values.push(options.allowReserved === true ? v : encodeURIComponent(v));
    } else {
      values.push(serializePrimitiveParam(name, v, options));
    }
  }
  return options.style === "label" || options.style === "matrix" ? `${joiner}${values.join(joiner)}` : values.join(joiner);
}
function createQuerySerializer(options) {
  return function querySerializer(queryParams) {
    const search = [];
    if (queryParams && typeof queryParams === "object") {
      for (const name in queryParams) {
        const value = queryParams[name];
        if (value === void 0 || value === null) {
          continue;
        }
        if (Array.isArray(value)) {
          if (value.length === 0) {
            continue;
          }
          search.push(
            serializeArrayParam(name, value, {
              style: "form",
              explode: true,
              ...options?.array,
              allowReserved: options?.allowReserved || false
            })
          );
          continue;
        }
        if (typeof value === "object") {
          search.push(
            serializeObjectParam(name, value, {
              style: "deepObject",
              explode: true,
              ...options?.object,
              allowReserved: options?.allowReserved || false
            })
          );
          continue;
        }
        search.push(serializePrimitiveParam(name, value, options));
      }
    }
    return search.join("&");
  };
}
function defaultPathSerializer(pathname, pathParams) {
  let nextURL = pathname;
  for (const match of pathname.match(PATH_PARAM_RE) ?? []) {
    let name = match.substring(1, match.length - 1);
    let explode = false;
    let style = "simple";
    if (name.endsWith("*")) {
      explode = true;
      name = name.substring(0, name.length - 1);
    }
    if (name.startsWith(".")) {
      style = "label";
      name = name.substring(1);
    } else if (name.startsWith(";")) {
      style = "matrix";
      name = name.substring(1);
    }
    if (!pathParams || pathParams[name] === void 0 || pathParams[name] === null) {
      continue;
    }
    const value = pathParams[name];
    if (Array.isArray(value)) {
      nextURL = nextURL.replace(match, serializeArrayParam(name, value, { style, explode }));
      continue;
    }
    if (typeof value === "object") {
      nextURL = nextURL.replace(match, serializeObjectParam(name, value, { style, explode }));
      continue;
    }
    if (style === "matrix") {
      nextURL = nextURL.replace(match, `;${serializePrimitiveParam(name, value)}`);
      continue;
    }
    nextURL = nextURL.replace(match, style === "label" ? `.${encodeURIComponent(value)}` : encodeURIComponent(value));
  }
  return nextURL;
}
function defaultBodySerializer(body, headers) {
  if (body instanceof FormData) {
    return body;
  }
  if (headers) {
    const contentType = headers.get instanceof Function ? headers.get("Content-Type") ?? headers.get("content-type") : headers["Content-Type"] ?? headers["content-type"];
    if (contentType === "application/x-www-form-urlencoded") {
      return new URLSearchParams(body).toString();
    }
  }
  return JSON.stringify(body);
}
function createFinalURL(pathname, options) {
  let finalURL = `${options.baseUrl}${pathname}`;
  if (options.params?.path) {
    finalURL = options.pathSerializer(finalURL, options.params.path);
  }
  let search = options.querySerializer(options.params.query ?? {});
  if (search.startsWith("?")) {
    search = search.substring(1);
  }
  if (search) {
    finalURL += `?${search}`;
  }
  return finalURL;
}
function mergeHeaders(...allHeaders) {
  const finalHeaders = new Headers();
  for (const h of allHeaders) {
    if (!h || typeof h !== "object") {
      continue;
    }
    const iterator = h instanceof Headers ? h.entries() : Object.entries(h);
    for (const [k, v] of iterator) {
      if (v === null) {
        finalHeaders.delete(k);
      } else if (Array.isArray(v)) {
        for (const v2 of v) {
          finalHeaders.append(k, v2);
        }
      } else if (v !== void 0) {
        finalHeaders.set(k, v);
      }
    }
  }
  return finalHeaders;
}
function removeTrailingSlash(url) {
  if (url.endsWith("/")) {
    return url.substring(0, url.length - 1);
  }
  return url;
}

// src/client.ts
var PAGINATION_HEADERS = {
  total: "X-Total-Count",
  page: "X-Page",
  perPage: "X-Per-Page",
  totalPages: "X-Total-Pages"
};
function createTodoClient(options = {}) {
  const api = createClient({
    baseUrl: options.baseUrl ?? "",
    ...options.fetch ? { fetch: options.fetch } : {}
  });
  const client2 = { api, token: options.token ?? null };
  api.use({
    onRequest({ request }) {
      if (client2.token !== null && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${client2.token}`);
      }
      return request;
    }
  });
  return client2;
}
var ApiFailure = class extends Error {
  status;
  body;
  constructor(status, body, action) {
    const envelope = isApiError(body) ? body : void 0;
    super(`${action} failed with ${status}: ${envelope ? describeError(envelope) : String(body ?? "")}`);
    this.name = "ApiFailure";
    this.status = status;
    this.body = envelope;
  }
};
function isApiError(value) {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const candidate = value;
  return typeof candidate.message === "string" && typeof candidate.code === "number";
}
function fieldErrors(error) {
  const details = [];
  for (const fields of Object.values(error.errors ?? {})) {
    if (typeof fields !== "object" || fields === null) {
      continue;
    }
    for (const [field, messages] of Object.entries(fields)) {
      const text = Array.isArray(messages) ? messages.map(String).join(" ") : String(messages);
      details.push(`${field}: ${text}`);
    }
  }
  return details;
}
function describeError(error) {
  const details = fieldErrors(error);
  return details.length > 0 ? `${error.message} (${details.join("; ")})` : error.message;
}
function unwrap(result, action) {
  if (!result.response.ok || result.error !== void 0) {
    throw new ApiFailure(result.response.status, result.error, action);
  }
  return result.data;
}
function paginationOf(response) {
  const read = (header) => {
    const raw = response.headers.get(header);
    const value = raw === null ? Number.NaN : Number(raw);
    if (!Number.isInteger(value)) {
      throw new Error(`listTodos answered without a whole-number ${header} header (got ${raw})`);
    }
    return value;
  };
  return {
    total: read(PAGINATION_HEADERS.total),
    page: read(PAGINATION_HEADERS.page),
    perPage: read(PAGINATION_HEADERS.perPage),
    totalPages: read(PAGINATION_HEADERS.totalPages)
  };
}

// src/web/main.ts
var TOKEN_KEY = "todo-api.token";
var PER_PAGE = 10;
var PRIORITY_LABELS = { high: "High", normal: "Normal", low: "Low" };
var SORT_LABELS = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  due_at: "Due date",
  "-priority": "Priority",
  title: "Title"
};
function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new Error(`The page has no <${type.name}> with id "${id}"`);
  }
  return found;
}
var ui = {
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
  pageInfo: byId("page-info", HTMLSpanElement)
};
var client = createTodoClient({
  baseUrl: document.body.dataset.apiBase ?? "",
  token: sessionStorage.getItem(TOKEN_KEY)
});
var view = { page: 1, totalPages: 0, show: "all", q: "", sort: "-created_at" };
function setToken(token) {
  client.token = token;
  if (token === null) {
    sessionStorage.removeItem(TOKEN_KEY);
  } else {
    sessionStorage.setItem(TOKEN_KEY, token);
  }
}
function showError(message, details = []) {
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
      })
    );
    ui.error.append(list);
  }
}
function showFailure(error) {
  if (error instanceof ApiFailure && error.body) {
    showError(error.body.message, fieldErrors(error.body));
  } else {
    showError(error instanceof Error ? error.message : String(error));
  }
}
function announce(message) {
  ui.status.textContent = message;
}
async function act(action) {
  showError(null);
  try {
    await action();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401 && client.token !== null) {
      setToken(null);
      showSignedOut();
    }
    showFailure(error);
  }
}
function showSignedOut() {
  ui.session.hidden = true;
  ui.todos.hidden = true;
  ui.auth.hidden = false;
  ui.list.replaceChildren();
  ui.username.focus();
}
async function showSignedIn() {
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
async function logIn(username, password) {
  const token = unwrap(
    await client.api.POST("/api/auth/login", { body: { username, password } }),
    "Logging in"
  );
  setToken(token.access_token);
  await showSignedIn();
}
async function register(username, password) {
  const user = unwrap(
    await client.api.POST("/api/auth/register", { body: { username, password } }),
    "Creating the account"
  );
  announce(`Account ${user.username} created.`);
  await logIn(username, password);
}
async function logOut() {
  const result = await client.api.POST("/api/auth/logout");
  setToken(null);
  showSignedOut();
  if (result.response.status !== 401) {
    unwrap(result, "Logging out");
  }
  announce("Logged out.");
}
function listQuery() {
  const query = { page: view.page, per_page: PER_PAGE, sort: view.sort };
  if (view.show !== "all") {
    query.done = view.show === "done";
  }
  if (view.q !== "") {
    query.q = view.q;
  }
  return query;
}
async function refresh() {
  const result = await client.api.GET("/api/todos", { params: { query: listQuery() } });
  const todos = unwrap(result, "Loading your todos");
  const pages = paginationOf(result.response);
  if (todos.length === 0 && view.page > 1 && pages.totalPages > 0) {
    view.page = Math.min(view.page - 1, pages.totalPages);
    return refresh();
  }
  view.totalPages = pages.totalPages;
  ui.list.replaceChildren(...todos.map(renderTodo));
  ui.summary.textContent = pages.total === 0 ? view.show === "all" && view.q === "" ? "Nothing to do yet: add your first todo above." : "No todos match." : `${pages.total} ${pages.total === 1 ? "todo" : "todos"}`;
  ui.pageInfo.textContent = pages.totalPages > 1 ? `Page ${pages.page} of ${pages.totalPages}` : "";
  ui.prev.disabled = pages.page <= 1;
  ui.next.disabled = pages.page >= pages.totalPages;
  ui.prev.hidden = ui.next.hidden = pages.totalPages <= 1;
}
function formatDue(dueAt) {
  const due = new Date(dueAt);
  return Number.isNaN(due.getTime()) ? dueAt : due.toLocaleDateString(void 0, { dateStyle: "medium" });
}
function renderTodo(todo) {
  const item = document.createElement("li");
  item.className = todo.done ? "todo done" : "todo";
  item.dataset.todoId = String(todo.id);
  const checkbox = document.createElement("input");
  checkbox.type = "checkbox";
  checkbox.checked = todo.done;
  checkbox.id = `todo-${todo.id}-done`;
  checkbox.setAttribute("aria-label", `Done: ${todo.title}`);
  checkbox.addEventListener(
    "change",
    () => act(async () => {
      checkbox.disabled = true;
      try {
        const result = await client.api.PATCH("/api/todos/{todo_id}", {
          params: { path: { todo_id: todo.id } },
          body: { done: checkbox.checked }
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
    })
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
  remove.addEventListener(
    "click",
    () => act(async () => {
      remove.disabled = true;
      const result = await client.api.DELETE("/api/todos/{todo_id}", {
        params: { path: { todo_id: todo.id } }
      });
      unwrap(result, `Deleting “${todo.title}”`);
      announce(`Deleted “${todo.title}”.`);
      await refresh();
    })
  );
  item.append(checkbox, body, remove);
  return item;
}
function dueFromDate(value) {
  if (value === "") {
    return null;
  }
  const local = /* @__PURE__ */ new Date(`${value}T09:00:00`);
  const minutes = -local.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${value}T09:00:00${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}
function tagsFrom(value) {
  const tags = value.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "");
  return [...new Set(tags)];
}
async function addTodo() {
  const body = {
    title: ui.newTitle.value.trim(),
    priority: ui.newPriority.value,
    due_at: dueFromDate(ui.newDue.value),
    tags: tagsFrom(ui.newTags.value)
  };
  const created = unwrap(await client.api.POST("/api/todos", { body }), "Adding the todo");
  ui.newTodo.reset();
  ui.newPriority.value = "normal";
  announce(`Added “${created.title}”.`);
  view.page = 1;
  await refresh();
  ui.newTitle.focus();
}
function fillSelect(select, labels, value) {
  for (const [key, label] of Object.entries(labels)) {
    select.append(new Option(String(label), key, key === value, key === value));
  }
}
function wire() {
  fillSelect(ui.newPriority, PRIORITY_LABELS, "normal");
  fillSelect(ui.sort, SORT_LABELS, view.sort);
  ui.authForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const submitter = event.submitter instanceof HTMLButtonElement ? event.submitter.value : "login";
    const username = ui.username.value.trim();
    const password = ui.password.value;
    void act(() => submitter === "register" ? register(username, password) : logIn(username, password));
  });
  ui.logout.addEventListener("click", () => void act(logOut));
  ui.newTodo.addEventListener("submit", (event) => {
    event.preventDefault();
    void act(addTodo);
  });
  for (const radio of document.querySelectorAll('input[name="show"]')) {
    radio.addEventListener("change", () => {
      view.show = radio.value;
      view.page = 1;
      void act(refresh);
    });
  }
  let searchTimer;
  ui.search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      view.q = ui.search.value.trim();
      view.page = 1;
      void act(refresh);
    }, 250);
  });
  ui.sort.addEventListener("change", () => {
    view.sort = ui.sort.value;
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
async function start() {
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
