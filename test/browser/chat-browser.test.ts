/**
 * The chat page in a real browser: Debian's Chromium (/usr/bin/chromium, headless) driven by
 * playwright-core against startChatServer(). Two members in two browser contexts — one joins
 * through the name form, the other through `?name=` with a name that is markup — exchange
 * messages and one leaves; each page's log and connection state are checked, markup shows as
 * text and no script runs from it (no element added to the log, no dialog, no page error). Then
 * the server goes away and comes back on the same port: the page shows the backoff (0.5 s, 1 s,
 * 2 s), reconnects, and starts again from 0.5 s after the next drop.
 *
 * Chromium comes from test/helpers/browser.ts (skipped with a warning where it is missing, except in CI).
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSuiteRuns, launchChromium } from '../helpers/browser.js';
import { startChatServer } from '../../src/chat/chat-server.js';
import type { ChatServer } from '../../src/chat/chat-server.js';
import { defaultTransport } from '../helpers/servers.js';

const runs = browserSuiteRuns('chat-browser');

let browser: Browser | undefined;
let server: ChatServer | undefined;
const contexts: BrowserContext[] = [];

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await server?.close();
  server = undefined;
});

afterAll(async () => {
  await browser?.close();
});

/** A page in its own browser context (its own cookies and storage: another user), with what went wrong in it. */
async function openPage(url: string): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const context = await browser!.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/WebSocket connection to .* failed/.test(message.text())) errors.push(message.text());
  });
  await page.goto(url);
  return { page, dialogs, errors };
}

const logOf = (page: Page): Promise<string[]> => page.$$eval('#log > li', (items) => items.map((item) => item.textContent ?? ''));
/** The connection state: [its data-state, the text shown]. */
const stateOf = (page: Page): Promise<[string | null, string]> =>
  page.$eval('#state', (state) => [state.getAttribute('data-state'), state.textContent ?? ''] as [string | null, string]);

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#message', text);
  await page.click('#send-button');
}

describe.skipIf(!runs)('the chat page in Chromium (playwright-core)', () => {
  beforeAll(async () => {
    browser = await launchChromium();
  });

  it('two members: join (form and ?name=), talk, leave; markup in names and messages stays text', async () => {
    server = await startChatServer({ host: '127.0.0.1', port: 0 });
    expect(server.transport).toBe(defaultTransport); // native in the `native` project: page and WebSocket on the addon's port
    const evil = '<script>alert(1)</script>';

    const ann = await openPage(server.url);
    expect(await stateOf(ann.page)).toEqual(['idle', 'not connected']);
    await ann.page.fill('#name', 'Ann');
    await ann.page.click('#join button');
    await expect.poll(() => stateOf(ann.page)).toEqual(['open', 'open']);
    expect(await ann.page.isHidden('#join')).toBe(true);
    expect(await ann.page.textContent('#me')).toBe('Ann');

    const other = await openPage(`${server.url}?name=${encodeURIComponent(evil)}`);
    await expect.poll(() => stateOf(other.page)).toEqual(['open', 'open']);
    expect(await other.page.textContent('#me')).toBe(evil);

    await say(ann.page, 'hello <b>there</b>');
    await expect.poll(() => logOf(other.page)).toContain('Ann says: hello <b>there</b>');
    expect(await ann.page.inputValue('#message')).toBe('');
    await say(other.page, '<img src=x onerror=alert(2)>');
    await expect.poll(() => logOf(ann.page)).toContain(`${evil} says: <img src=x onerror=alert(2)>`);

    expect(await logOf(other.page)).toEqual([`${evil} joined.`, `Welcome ${evil}.`, 'Ann says: hello <b>there</b>', `${evil} says: <img src=x onerror=alert(2)>`]);
    await other.page.close();
    await expect.poll(() => logOf(ann.page)).toEqual([
      'Ann joined.',
      'Welcome Ann.',
      `${evil} joined.`,
      'Ann says: hello <b>there</b>',
      `${evil} says: <img src=x onerror=alert(2)>`,
      `${evil} left.`,
    ]);

    // Markup arrived as text: every log entry is one text-only <li>, and nothing ran.
    expect(await ann.page.$$eval('#log *', (elements) => elements.map((element) => element.tagName))).toEqual(Array<string>(6).fill('LI'));
    expect(await ann.page.$$eval('script', (scripts) => scripts.length)).toBe(1); // the page's own
    expect([ann.dialogs, other.dialogs, ann.errors, other.errors]).toEqual([[], [], [], []]);
  });

  it('the server goes away and comes back on the same port: backoff 0.5 s, 1 s, 2 s, reconnected, reset to 0.5 s', async () => {
    server = await startChatServer({ host: '127.0.0.1', port: 0 });
    const { port } = server;
    const bob = await openPage(`${server.url}?name=Bob`);
    await expect.poll(() => stateOf(bob.page)).toEqual(['open', 'open']);
    const input = bob.page.locator('#message');
    expect(await input.isEnabled()).toBe(true);

    await server.close();
    server = undefined;
    await expect.poll(() => stateOf(bob.page)).toEqual(['closed', 'closed (1001), reconnecting in 0.5 s']);
    expect(await input.isDisabled()).toBe(true);
    // Each failed attempt (no server: 1006) doubles the wait.
    await expect.poll(() => stateOf(bob.page), { timeout: 3000 }).toEqual(['closed', 'closed (1006), reconnecting in 1 s']);
    await expect.poll(() => stateOf(bob.page), { timeout: 3000 }).toEqual(['closed', 'closed (1006), reconnecting in 2 s']);

    server = await startChatServer({ host: '127.0.0.1', port });
    await expect.poll(() => stateOf(bob.page), { timeout: 5000 }).toEqual(['open', 'open']);
    expect(await logOf(bob.page)).toEqual(['Bob joined.', 'Welcome Bob.', 'Bob joined.', 'Welcome Bob.']);
    await say(bob.page, 'back');
    await expect.poll(() => logOf(bob.page)).toContain('Bob says: back');

    // Open again: the next drop starts over from the shortest wait.
    await server.close();
    server = undefined;
    await expect.poll(() => stateOf(bob.page)).toEqual(['closed', 'closed (1001), reconnecting in 0.5 s']);
    expect([bob.dialogs, bob.errors]).toEqual([[], []]);
  });
});
