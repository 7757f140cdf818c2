import { parse } from 'ini';

/** One INI file as sections of string values; multi-line values come back joined by '\n'. */
export type IniSections = Record<string, Record<string, string>>;

// A line that starts with white space continues the value of the key above it, as Python's
// configparser reads the original's `[pizza]` lists. The `ini` package does not know that
// form, so continuation lines are folded into their key's line first.
const CONTINUATION = '\u001f';

export function parseIni(text: string): IniSections {
  const folded: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const isContinuation = /^[ \t]+\S/.test(line) && !/^\s*[;#]/.test(line);
    if (isContinuation && folded.length > 0 && /=/.test(folded[folded.length - 1] ?? '')) {
      folded[folded.length - 1] += CONTINUATION + line.trim();
    } else {
      folded.push(line);
    }
  }
  const raw = parse(folded.join('\n')) as Record<string, unknown>;
  const sections: IniSections = {};
  for (const [name, body] of Object.entries(raw)) {
    if (body === null || typeof body !== 'object') continue; // keys outside any section are ignored
    const section: Record<string, string> = {};
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      section[key] = String(value).split(CONTINUATION).join('\n').trim();
    }
    sections[name] = section;
  }
  return sections;
}

/** Splits a list value: one item per line, or comma separated on one line; empty items dropped. */
export function parseList(value: string): string[] {
  return value
    .split(/\n|,/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
