/**
 * The chat page served at `/`: one HTML document with its style and script inline — no build
 * step, no framework. It asks for a name (or takes `?name=` from its own URL), connects to
 * `/chat?name=…` on the host it was loaded from, shows every message in a log and the connection
 * state (connecting / open / closed, reconnecting in N s), and reconnects with exponential
 * backoff (0.5 s doubling to 10 s, back to 0.5 s once open) when the server goes away.
 *
 * Whatever arrives is rendered with textContent, never as HTML; and the Content-Security-Policy
 * sent with the page lets only this exact script and style run (by their SHA-256), so even a
 * bug that put a name into markup could not run script.
 */
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 16px/1.4 system-ui, sans-serif; max-width: 48rem; margin: 1rem auto; padding: 0 1rem; }
#state { font-weight: bold; }
#state[data-state="open"] { color: #176117; }
#state[data-state="connecting"] { color: #8a5a00; }
#state[data-state="closed"] { color: #a11; }
#log { list-style: none; padding: .5rem; margin: 1rem 0; height: 60vh; overflow-y: auto; border: 1px solid #bbb; white-space: pre-wrap; overflow-wrap: anywhere; }
#send { display: flex; gap: .5rem; }
#message { flex: 1; }
`;

// Plain ES2017 for any browser; no template literals here, so this file's own interpolation
// cannot touch it.
const SCRIPT = `
'use strict';
var FIRST_DELAY = 500, MAX_DELAY = 10000;
var joinForm = document.getElementById('join');
var nameInput = document.getElementById('name');
var me = document.getElementById('me');
var stateView = document.getElementById('state');
var log = document.getElementById('log');
var sendForm = document.getElementById('send');
var messageInput = document.getElementById('message');
var sendButton = document.getElementById('send-button');
var name = '';
var socket = null;
var delay = FIRST_DELAY;

function show(state, text) {
  stateView.dataset.state = state;
  stateView.textContent = text;
  messageInput.disabled = sendButton.disabled = state !== 'open';
}

function append(line) {
  var item = document.createElement('li');
  item.textContent = line;
  log.append(item);
  log.scrollTop = log.scrollHeight;
}

function connect() {
  show('connecting', 'connecting');
  var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  socket = new WebSocket(scheme + location.host + '/chat?name=' + encodeURIComponent(name));
  socket.onopen = function () {
    delay = FIRST_DELAY;
    show('open', 'open');
    messageInput.focus();
  };
  socket.onmessage = function (event) {
    if (typeof event.data === 'string') append(event.data);
  };
  socket.onclose = function (event) {
    socket = null;
    var wait = delay;
    delay = Math.min(delay * 2, MAX_DELAY);
    show('closed', 'closed (' + event.code + '), reconnecting in ' + wait / 1000 + ' s');
    setTimeout(connect, wait);
  };
}

function join(chosen) {
  name = chosen.trim();
  if (name === '') return;
  joinForm.hidden = true;
  me.textContent = name;
  document.title = name + ' - wsframe chat';
  connect();
}

joinForm.addEventListener('submit', function (event) {
  event.preventDefault();
  join(nameInput.value);
});

sendForm.addEventListener('submit', function (event) {
  event.preventDefault();
  if (socket === null || socket.readyState !== WebSocket.OPEN || messageInput.value === '') return;
  socket.send(messageInput.value);
  messageInput.value = '';
});

join(new URLSearchParams(location.search).get('name') || '');
if (name === '') nameInput.focus();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsframe chat</title>
<style>${STYLE}</style>
</head>
<body>
<h1>wsframe chat</h1>
<form id="join"><label>Your name <input id="name" autocomplete="nickname" required></label> <button>Join</button></form>
<p>You are <b id="me">nobody yet</b>. Connection: <span id="state" data-state="idle">not connected</span></p>
<ol id="log" aria-live="polite"></ol>
<form id="send"><input id="message" autocomplete="off" placeholder="Say something" disabled> <button id="send-button" disabled>Send</button></form>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The headers to send with CHAT_PAGE. */
export const CHAT_PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  // `connect-src 'self'` covers ws:// and wss:// to this host in CSP Level 3 browsers; the
  // explicit schemes keep older ones (Safari before 15.4) able to connect.
  'Content-Security-Policy': `default-src 'none'; script-src ${sha256(SCRIPT)}; style-src ${sha256(STYLE)}; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};
