/**
 * The classic IIS chat sample (Microsoft.WebSockets' ChatHandler) as a WebSocketHandler: every
 * member of one WebSocketCollection hears who joined, what each one says and who left.
 *
 * On join everyone (the newcomer included) gets `<name> joined.`, then the newcomer alone gets
 * `Welcome <name>.`; each text message is broadcast as `<name> says: <text>`; on leave the others
 * get `<name> left.`. Names and messages are plain text: the server never interprets them (the
 * page renders them with textContent). A binary message is not chat: it closes with 1003.
 */
import { WebSocketHandler } from '../handler.js';
import type { WebSocketCollection } from '../handler.js';

export class ChatHandler extends WebSocketHandler {
  constructor(readonly name: string, private readonly room: WebSocketCollection) {
    super();
  }

  override onOpen(): void {
    this.room.add(this);
    this.room.broadcast(`${this.name} joined.`);
    this.send(`Welcome ${this.name}.`);
  }

  override onMessage(message: string | Buffer): void | Promise<void> {
    if (typeof message !== 'string') return this.close(1003, 'chat messages are text');
    this.room.broadcast(`${this.name} says: ${message}`);
  }

  override onClose(): void {
    this.room.broadcast(`${this.name} left.`);
  }
}

/**
 * The chat name a request asks for: its `name` query parameter, trimmed; undefined when it is
 * missing or blank (serveHandlers then closes the connection with 1008).
 */
export function chatName(url: string | undefined): string | undefined {
  const name = new URL(url ?? '/', 'http://localhost').searchParams.get('name')?.trim();
  return name === undefined || name === '' ? undefined : name;
}
