import type { ChaosReport, RunReport } from './runChaos.ts';

const rate = (run: RunReport) => run.load.ordersPerSecond;

function formatRun(run: RunReport): string[] {
  const { audit, load } = run;
  const lines = [
    `== ${run.kind === 'calm' ? 'calm run (no kills)' : 'chaos run'} ==`,
    `accepted     ${audit.accepted} (${audit.acceptedByClient} answered 201 to the client${audit.unknownToClient.length ? `, ${audit.unknownToClient.length} more only on pizza-ordered: placements retried after a lost answer` : ''})`,
    `delivered    ${audit.delivered}`,
    `cancelled    ${audit.cancelled}`,
    `lost         ${audit.lost.length}${audit.lost.length ? `  e.g. ${audit.lost.slice(0, 5).join(', ')}` : ''}`,
    `duplicated   ${audit.duplicates.length === 0 ? 0 : audit.duplicates.map((d) => `${d.topic}: ${d.orders} orders (+${d.extra} messages, e.g. ${d.examples.join(', ')})`).join('; ')}`,
    `final status ${audit.finalStatus.map((s) => `${s.label}: ${s.orders}`).join(', ') || '-'}`,
    `messages     ${Object.entries(audit.messages)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    `time         ${load.seconds.toFixed(1)} s for ${load.placed - load.unfinished} finished orders: ${rate(run).toFixed(1)} orders/s; p50 ${(load.latencyMs.p50 / 1000).toFixed(2)} s, p99 ${(load.latencyMs.p99 / 1000).toFixed(2)} s`,
  ];
  if (run.kind === 'chaos') {
    const kills = Object.entries(run.kills).filter(([, n]) => n > 0);
    lines.push(
      `kills        ${kills.reduce((s, [, n]) => s + n, 0)} in ${run.chaosSeconds.toFixed(1)} s (${kills.map(([name, n]) => `${name} ${n}`).join(', ') || 'none'}); ${run.unexpectedExits} exits by themselves, restarted`,
    );
    if (run.brokerRestart)
      lines.push(
        `broker       restarted after ${run.brokerRestart.afterPlaced} orders placed, down ${run.brokerRestart.downSeconds.toFixed(1)} s`,
      );
    lines.push(
      `drain        ${run.drainSeconds === null ? 'did not drain in time' : `${run.drainSeconds.toFixed(1)} s from the last kill to the last order finished`}`,
    );
  }
  const c = load.counters;
  lines.push(
    `client       ${c.connectionRetries} refused/dropped connections retried, ${c.unavailableRetries} × 503, ${c.rateLimited} × 429, ${c.reLogins} re-logins, ${c.ambiguousRetries} placements retried after a lost answer, ${load.failedPlacements} failed`,
  );
  return lines;
}

/** The report as printed by `bun run chaos`. */
export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  if (report.calm) lines.push(...formatRun(report.calm), '');
  lines.push(...formatRun(report.chaos), '');
  if (report.calm) {
    const ratio = rate(report.chaos) / rate(report.calm);
    lines.push(
      `orders/s     calm ${rate(report.calm).toFixed(1)}, chaos ${rate(report.chaos).toFixed(1)}: ${(ratio * 100).toFixed(0)} % of calm (issue 8 asks for at least 50 %)`,
    );
  }
  lines.push(
    report.problems.length === 0
      ? 'result       nothing lost, nothing duplicated'
      : `result       FAILED:\n  - ${report.problems.join('\n  - ')}\n  logs kept in ${report.workDir}`,
  );
  return lines.join('\n');
}
