import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShopError } from '../../src/errors.ts';

/** The Apache Kafka release the local broker runs (and whose Java client the partition check uses). */
export const KAFKA_VERSION = '4.1.2';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The pom that lists the broker's jars (Kafka + a log4j2 backend + kafka-tools for the benchmark). */
export const KAFKA_POM = join(HERE, 'pom.xml');

/**
 * Where the jars are cached between runs: `$XDG_CACHE_HOME/pizza-shop/kafka-<version>` (default
 * `~/.cache/...`). Outside the work tree on purpose: a fresh clone reuses them.
 */
export function kafkaCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'pizza-shop', `kafka-${KAFKA_VERSION}`);
}

/** The folder holding every jar of the broker; `java -cp '<libs>/*'` runs it. */
export function kafkaLibsDir(): string {
  return join(kafkaCacheDir(), 'libs');
}

const INSTALL_HINT = {
  java: 'Java 17 or newer is needed for the local Kafka broker: install a JDK (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`, macOS: `brew install openjdk@17`).',
  mvn: 'Maven is needed (once) to download the Kafka jars from Maven Central: install it (Debian/Ubuntu: `apt-get install maven`, macOS: `brew install maven`).',
  javac:
    'javac (a JDK, not only a JRE) is needed to compile the Java partition check: install a JDK (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`).',
} as const;

/** The path of a command on PATH, or a ShopError saying what to install. */
export function requireTool(tool: keyof typeof INSTALL_HINT): string {
  const path = Bun.which(tool);
  if (!path) throw new ShopError('TOOL_MISSING', `${tool} not found on PATH. ${INSTALL_HINT[tool]}`, { exitCode: 1 });
  return path;
}

/** Java's major version (17 for "17.0.15"), or a ShopError if java is missing or older than 17. */
export function requireJava17(): string {
  const java = requireTool('java');
  const probe = Bun.spawnSync([java, '-version'], { stdout: 'pipe', stderr: 'pipe' });
  const text = `${probe.stderr.toString()}${probe.stdout.toString()}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : Number.NaN;
  if (!(major >= 17))
    throw new ShopError('TOOL_MISSING', `${java} is not Java 17 or newer (${text.split('\n')[0]?.trim()}). ${INSTALL_HINT.java}`);
  return java;
}

function pomDigest(): string {
  return createHash('sha256').update(readFileSync(KAFKA_POM)).digest('hex');
}

/**
 * Makes sure the Kafka jars are in the cache and returns the folder. The first call runs
 * `mvn dependency:copy-dependencies` on scripts/kafka/pom.xml (about 30 s on an empty ~/.m2);
 * later calls find a marker holding the pom's digest and skip Maven entirely. The copy goes to a
 * temporary folder that is renamed into place, so an interrupted download is never mistaken for
 * a complete one.
 *
 * @example
 * const libs = await resolveKafkaJars(console.log); // ~/.cache/pizza-shop/kafka-4.1.2/libs
 */
export async function resolveKafkaJars(say: (line: string) => void = () => {}): Promise<string> {
  const libs = kafkaLibsDir();
  const marker = join(libs, '.resolved');
  const digest = pomDigest();
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === digest) return libs;

  const mvn = requireTool('mvn');
  mkdirSync(dirname(libs), { recursive: true });
  const staging = `${libs}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  say(`downloading Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${libs} (once) ...`);
  const started = performance.now();
  const proc = Bun.spawn(
    [mvn, '-B', '-q', '-f', KAFKA_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
    { stdout: 'pipe', stderr: 'pipe' },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const tail = `${out}${err}`.trim().split('\n').slice(-25).join('\n');
    throw new ShopError(
      'KAFKA_JARS_UNAVAILABLE',
      `mvn could not resolve the Kafka jars (exit ${code}); is Maven Central reachable?\n${tail}`,
    );
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    throw new ShopError('KAFKA_JARS_UNAVAILABLE', `mvn finished but ${staging} holds no kafka_2.13-${KAFKA_VERSION}.jar`);
  }
  writeFileSync(join(staging, '.resolved'), `${digest}\n`);
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  say(`resolved ${jars.length} jars in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}
