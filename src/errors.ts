/**
 * The one error type of the shop. Every failure the shop reports on purpose is a ShopError with a
 * stable `code`; `httpStatus` says how the web maps it, `exitCode` how the command line does, and
 * `retriable` whether trying again may help (as kafkajs marks its errors).
 *
 * @example
 * throw new ShopError('CONFIG_INVALID', 'config_sys/default.ini [shop] speed: not a number', { exitCode: 2 });
 */
export class ShopError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly exitCode: number;
  readonly retriable: boolean;

  constructor(
    code: string,
    message: string,
    options: { httpStatus?: number; exitCode?: number; retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShopError';
    this.code = code;
    this.httpStatus = options.httpStatus ?? 500;
    this.exitCode = options.exitCode ?? 1;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration problem: names the file, section and key; exits with code 2. */
export function configError(file: string, section: string, key: string | null, problem: string): ShopError {
  const where = key === null ? `[${section}]` : `[${section}] ${key}`;
  return new ShopError('CONFIG_INVALID', `${file}: ${where}: ${problem}`, { exitCode: 2 });
}

export function isShopError(error: unknown): error is ShopError {
  return error instanceof ShopError;
}
