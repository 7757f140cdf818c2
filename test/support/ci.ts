/**
 * The one rule for "this run is CI": `CI=true` or `CI=1` (what CI services and `.ci/run` set).
 * Under CI a test that needs Kafka, Chromium or Python fails when it is missing instead of skipping.
 *
 * @example
 * if (!available && !isCi()) console.warn('skipped: …');
 */
export function isCi(env: Record<string, string | undefined> = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value === 'true' || value === '1';
}
