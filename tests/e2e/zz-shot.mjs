import { launchBrowser, startServer } from './harness.mjs';
const [path, out, w = '1280', h = '900', click = '', mobile = ''] = process.argv.slice(2);
const server = await startServer();
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: Number(w), height: Number(h) }, ...(mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}) });
const page = await context.newPage();
const logs = [];
page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => logs.push(`pageerror: ${e}`));
await page.goto(server.origin + '/' + path);
await page.waitForTimeout(4000);
if (click) {
  const share = page.locator(click);
  await share.scrollIntoViewIfNeeded();
  await share.locator('summary').click();
  await page.waitForTimeout(300);
  await share.evaluate((el) => el.scrollIntoView({ block: 'center' }));
}
await page.screenshot({ path: out });
console.log(logs.join('\n'));
await browser.close();
await server.close();
