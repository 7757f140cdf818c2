import type avro from 'avsc';

/** Confluent's compatibility levels; BACKWARD is the default, as in Confluent's registry. */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Why `reader` cannot read data written with `writer` (Avro schema resolution); undefined if it can. */
function cannotRead(reader: avro.Type, writer: avro.Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * What breaks between a new schema and an existing one under a level: BACKWARD — consumers on the
 * new schema must read data written with the old one; FORWARD — consumers on the old schema must
 * read data written with the new one; FULL — both. Which existing versions are compared (the
 * latest, or all for *_TRANSITIVE) is the caller's choice.
 *
 * @example
 * incompatibilities('BACKWARD', withNewRequiredField, old); // ['new schema cannot read …']
 */
export function incompatibilities(level: CompatibilityLevel, candidate: avro.Type, existing: avro.Type): string[] {
  const problems: string[] = [];
  if (level === 'NONE') return problems;
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const b = backward ? cannotRead(candidate, existing) : undefined;
  if (b) problems.push(`the new schema cannot read data written with it (${b})`);
  const f = forward ? cannotRead(existing, candidate) : undefined;
  if (f) problems.push(`it cannot read data written with the new schema (${f})`);
  return problems;
}
