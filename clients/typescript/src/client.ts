/**
 * The Todo API's typed client: openapi-fetch over the types generated from the published contract, so a
 * path, parameter, body or response field the contract does not have is a compile error, not a 4xx.
 */
import createClient, { type Client } from "openapi-fetch";

import type { components, operations, paths } from "./schema";

type Schemas = components["schemas"];

export type Todo = Schemas["Todo"];
export type TodoCreate = Schemas["TodoCreate"];
export type TodoPatch = Schemas["TodoPatch"];
export type TodoReplace = Schemas["TodoReplace"];
export type Priority = Schemas["Priority"];
export type TodoSort = Schemas["TodoSort"];
export type User = Schemas["User"];
export type Token = Schemas["Token"];
/** The one error envelope every failing response carries. */
export type ApiError = Schemas["Error"];
export type TodoListQuery = NonNullable<operations["listTodos"]["parameters"]["query"]>;
export type TodoApi = Client<paths>;

type ListHeaders = operations["listTodos"]["responses"][200]["headers"];

/** The pagination headers of `listTodos`, typed from the contract (a renamed header fails to compile). */
export interface Pagination {
  total: ListHeaders["X-Total-Count"];
  page: ListHeaders["X-Page"];
  perPage: ListHeaders["X-Per-Page"];
  totalPages: ListHeaders["X-Total-Pages"];
}

const PAGINATION_HEADERS: { readonly [K in keyof Pagination]: keyof ListHeaders & string } = {
  total: "X-Total-Count",
  page: "X-Page",
  perPage: "X-Per-Page",
  totalPages: "X-Total-Pages",
};

export interface TodoClientOptions {
  /** Origin (and prefix) of the API; "" in a page served by the API itself. */
  baseUrl?: string;
  /** A bearer token from `login`, e.g. one kept from an earlier page load. */
  token?: string | null;
  fetch?: (input: Request) => Promise<Response>;
}

/** The typed client plus the bearer token it sends; set `token` after login, clear it after logout. */
export interface TodoClient {
  readonly api: TodoApi;
  token: string | null;
}

export function createTodoClient(options: TodoClientOptions = {}): TodoClient {
  const api = createClient<paths>({
    baseUrl: options.baseUrl ?? "",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const client: TodoClient = { api, token: options.token ?? null };
  api.use({
    onRequest({ request }) {
      if (client.token !== null && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${client.token}`);
      }
      return request;
    },
  });
  return client;
}

/** A failed call: its status, the envelope when the server sent one, and a message fit for a person. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly body: ApiError | undefined;

  constructor(status: number, body: unknown, action: string) {
    const envelope = isApiError(body) ? body : undefined;
    super(`${action} failed with ${status}: ${envelope ? describeError(envelope) : String(body ?? "")}`);
    this.name = "ApiFailure";
    this.status = status;
    this.body = envelope;
  }
}

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const candidate = value as Record<string, unknown>;
  return typeof candidate.message === "string" && typeof candidate.code === "number";
}

/** The envelope's field messages as "field: message" lines (`errors` is keyed by location, then field). */
export function fieldErrors(error: ApiError): string[] {
  const details: string[] = [];
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

/** The envelope's `message`, followed by its field messages. */
export function describeError(error: ApiError): string {
  const details = fieldErrors(error);
  return details.length > 0 ? `${error.message} (${details.join("; ")})` : error.message;
}

interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; any other outcome throws an ApiFailure carrying the envelope. */
export function unwrap<T>(result: CallResult<T>, action: string): T {
  if (!result.response.ok || result.error !== undefined) {
    throw new ApiFailure(result.response.status, result.error, action);
  }
  return result.data as T;
}

/** Reads the pagination headers of a `listTodos` response, insisting that each is a whole number. */
export function paginationOf(response: Response): Pagination {
  const read = (header: string): number => {
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
    totalPages: read(PAGINATION_HEADERS.totalPages),
  };
}
