/**
 * The access log: one line per upgrade attempt in W3C extended log format, the format of IIS
 * logs, so operators can grep for 101s and 426s as they would there.
 */
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';

const fields = '#Fields: date time c-ip cs-method cs-uri-stem sc-status time-taken cs(User-Agent)';

export class AccessLog {
  private headerWritten = false;

  constructor(private readonly stream: Writable) {}

  write(request: Pick<IncomingMessage, 'method' | 'url' | 'headers'>, clientIp: string, status: number, started: number): void {
    if (!this.headerWritten) {
      this.headerWritten = true;
      this.stream.write('#Software: wsframe\n#Version: 1.0\n' + fields + '\n');
    }
    const now = new Date();
    const [date, time] = now.toISOString().slice(0, 19).split('T');
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const stem = query === -1 ? url : url.slice(0, query);
    this.stream.write(
      [date, time, field(clientIp), field(request.method), field(stem), status, now.getTime() - started, field(request.headers['user-agent'])].join(' ') + '\n',
    );
  }
}

/** W3C fields are space-separated: an empty value is "-", and spaces become '+' (as IIS writes user agents). */
function field(value: string | undefined): string {
  return value ? value.replace(/\s/g, '+') : '-';
}

