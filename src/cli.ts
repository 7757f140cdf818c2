#!/usr/bin/env bun
/**
 * `bun run start [options]`: runs the shop's actors named on the command line in this process.
 * See `--help`, or src/cli/parseArgs.ts.
 */
import { parseCliArgs, USAGE } from './cli/parseArgs.ts';
import { loadConfig } from './config/loadConfig.ts';
import { loadKafkaConfig } from './config/loadKafkaConfig.ts';
import { isShopError } from './errors.ts';
import { startShop } from './app/startShop.ts';
import { startupSummary, summaryHeadline, summaryText } from './app/startupSummary.ts';
import { colorWanted, createLogger } from './log/logger.ts';
import { serveSchemaRegistry } from './schemaRegistry/serveSchemaRegistry.ts';

async function main(argv: string[]): Promise<number> {
  const options = parseCliArgs(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  // people at a terminal get coloured lines and a summary; pipes and files get JSON lines
  const format = options.log ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const console_ = createLogger({ actor: 'shop', format });
  const config = loadConfig(options.config);
  const kafka = options.kafka === undefined ? undefined : loadKafkaConfig(options.kafka);
  // Served before the shop starts: a Kafka INI whose [schema-registry] names it works at once.
  const registry =
    options.registryPort === undefined
      ? undefined
      : await serveSchemaRegistry({ port: options.registryPort, dataDir: options.memory ? null : (options.data ?? config.shop.dataDir) });
  if (registry) console_.info(`schema registry at ${registry.url}`, { url: registry.url });
  const shop = await startShop({
    config,
    actors: options.actors,
    kafka,
    speed: options.speed ?? config.shop.speed,
    port: options.port ?? config.shop.webPort,
    dataDir: options.data ?? config.shop.dataDir,
    memory: options.memory,
    logFormat: format,
  });
  const where = kafka
    ? `Kafka at ${kafka.properties['bootstrap.servers']}`
    : options.memory
      ? 'the embedded log in memory'
      : `the embedded log in ${options.data ?? config.shop.dataDir}`;
  // The embedded log delivers without timers, so a kitchen-only process would have nothing
  // keeping its event loop alive: hold it open until shutdown.
  const keepAlive = setInterval(() => {}, 1 << 30);

  // First signal: stop taking work, hand partitions over, commit, close. Second: exit at once.
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        console_.warn(`${signal} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      console_.info(`${signal}: shutting down gracefully (send it again to exit at once)`);
      shop.stop().then(
        async () => {
          await registry?.stop();
          clearInterval(keepAlive);
          console_.info('stopped');
          resolve(0);
        },
        (error: unknown) => {
          console_.error(`shutdown failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // printed once the signals are handled: whoever waits for it may stop the shop at once
    const summary = startupSummary({
      config,
      actors: options.actors,
      where,
      speed: shop.speed,
      url: shop.url,
      partitions: (actor) => (actor === 'web' ? null : (shop.actor(actor)?.tasks() ?? [])),
    });
    if (format === 'pretty') console.log(summaryText(summary, { color: colorWanted() }));
    else
      console_.info(summaryHeadline(summary), { pid: summary.pid, where, speed: summary.speed, url: summary.url, actors: summary.actors });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isShopError(error)) {
      console.error(`error: ${error.message}`);
      process.exit(error.exitCode);
    }
    console.error(error);
    process.exit(1);
  },
);
