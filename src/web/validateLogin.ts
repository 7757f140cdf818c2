import { ShopError } from '../errors.ts';
import { type Problem, typeName } from './validateOrder.ts';

export const USERNAME_MAX = 16;

/**
 * A username is 1 to 16 characters after trimming, with no control characters.
 *
 * @example
 * validateUsername('  ada '); // 'ada'
 * validateUsername(''); // throws INVALID_USERNAME (422)
 */
export function validateUsername(input: unknown): string {
  if (typeof input !== 'string')
    throw invalidUsername(input === undefined || input === null ? 'is missing' : `must be a string, not ${typeName(input)}`);
  const name = input.trim();
  const length = [...name].length;
  if (length === 0) throw invalidUsername('must not be empty');
  if (length > USERNAME_MAX) throw invalidUsername(`must be at most ${USERNAME_MAX} characters (got ${length})`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalidUsername('must not contain control characters');
  return name;
}

function invalidUsername(problem: string): ShopError {
  return withProblems(new ShopError('INVALID_USERNAME', `username ${problem}`, { httpStatus: 422 }), [{ field: 'username', problem }]);
}

/**
 * Checks a login body: an object with only `username`. Returns the trimmed username.
 *
 * @example
 * validateLogin({ username: ' ada ' }); // 'ada'
 * validateLogin({ username: 'ada', admin: true }); // throws INVALID_LOGIN (422)
 */
export function validateLogin(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw withProblems(new ShopError('INVALID_LOGIN', 'send a JSON object {"username": "…"}', { httpStatus: 422 }), [
      { field: '(body)', problem: 'must be an object with a username' },
    ]);
  }
  const unknown = Object.keys(body).filter((f) => f !== 'username');
  if (unknown.length) {
    throw withProblems(
      new ShopError('INVALID_LOGIN', `only 'username' is expected; unknown: ${unknown.join(', ')}`, { httpStatus: 422 }),
      unknown.map((field) => ({ field, problem: 'is not a field of a login' })),
    );
  }
  return validateUsername((body as { username?: unknown }).username);
}

function withProblems(error: ShopError, problems: Problem[]): ShopError {
  return Object.assign(error, { problems });
}
