/** An access log to hand a server, and what it logged. */
import { Writable } from 'node:stream';

/** `stream` collects the log; `requests()` gives each logged line's cs-method, cs-uri-stem, cs-version and sc-status. */
export function accessLogRecorder(): { stream: Writable; requests: () => string[][] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((line) => line !== '' && !line.startsWith('#')));
      done();
    },
  });
  return { stream, requests: () => lines.map((line) => line.split(' ').slice(3, 7)) };
}
