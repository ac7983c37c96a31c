// Runs www/bench.html in headless Chromium and prints its results, as JSON and as a table.
// Not a test (timings are measurements, not pass/fail): `node tests/e2e/run-bench.mjs`.

import { launchBrowser, openPage, startServer } from './harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
try {
  const { page, log } = await openPage(browser, server.origin, '/bench.html');
  await page.waitForFunction(() => window.benchResults, null, { timeout: 600_000, polling: 250 });
  const results = await page.evaluate(() => window.benchResults);
  if (results.error || log.errors.length) throw new Error(results.error ?? log.errors.join('\n'));
  console.log(JSON.stringify(results, null, 2));
  console.log(`\n${results.userAgent}, ${results.hardwareConcurrency} threads, ${results.date}`);
  console.table(
    results.cases.map((c) => ({
      case: `${c.arch} ${c.size}×${c.size} ${c.mode}`,
      runs: `${c.runs} × ${c.repeat}`,
      'compute median ms': c.compute.median,
      'compute min ms': c.compute.min,
      'colour-map median ms': c.render.median,
      'total median ms': c.total.median,
      'total min ms': c.total.min,
    })),
  );
  console.log(`WASM: ${results.wasm.raw} bytes raw, ${results.wasm.gzip} bytes gzip; instantiation ${results.instantiateMs} ms`);
} finally {
  await browser.close();
  await server.close();
}
