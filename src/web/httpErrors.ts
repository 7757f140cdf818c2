import { isShopError, ShopError } from '../errors.ts';

/** One reason a request was refused, by field. */
export interface Problem {
  field: string;
  problem: string;
}

/** The JSON body of every API error. */
export interface ErrorBody {
  error: { code: string; message: string; problems?: Problem[] };
}

/**
 * A refusal the web answers with: a ShopError with its HTTP status, the per-field `problems` the
 * error body lists, and headers the response carries (`Retry-After` on 429).
 */
export class HttpError extends ShopError {
  readonly problems: Problem[] | undefined;
  readonly headers: Record<string, string>;
  constructor(code: string, message: string, httpStatus: number, extra: { problems?: Problem[]; headers?: Record<string, string> } = {}) {
    super(code, message, { httpStatus });
    this.problems = extra.problems;
    this.headers = extra.headers ?? {};
  }
}

export function errorBody(error: ShopError): ErrorBody {
  const problems = error instanceof HttpError ? error.problems : undefined;
  return { error: { code: error.code, message: error.message, ...(problems ? { problems } : {}) } };
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

export function htmlResponse(html: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', ...headers } });
}

/** 303 See Other: where a form post or a page without a session goes next. */
export function redirectTo(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...headers } });
}

export const unauthenticated = () => new HttpError('UNAUTHENTICATED', 'log in first: POST /api/login {"username": "…"}', 401);
export const orderNotFound = (id: string) => new HttpError('ORDER_NOT_FOUND', `no order ${id} of yours`, 404);

/** Whatever was thrown, as a ShopError with an HTTP status (unexpected errors become 500). */
export function toShopError(error: unknown): ShopError {
  if (isShopError(error)) return error;
  return new ShopError('INTERNAL', 'something went wrong on our side', { httpStatus: 500, cause: error });
}

/** API routes answer JSON; pages answer HTML. */
export function wantsJson(request: Request): boolean {
  const path = new URL(request.url).pathname;
  return path.startsWith('/api/') || path === '/metrics' || path === '/openapi.json';
}
