import fs from 'node:fs';
import { launchBrowser } from './harness.mjs';
const [svg, out] = process.argv.slice(2);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 700, height: 400 } });
await page.goto('data:image/svg+xml;base64,' + fs.readFileSync(svg).toString('base64'));
await page.screenshot({ path: out });
await browser.close();
