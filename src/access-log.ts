/**
 * The access log: one line per upgrade attempt in W3C extended log format, the format of IIS
 * logs, so operators can grep for 101s and 426s as they would there.
 */
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';

// cs-version says which clients came over HTTP/2 (RFC 8441) and which over HTTP/1.1.
const fields = '#Fields: date time c-ip cs-method cs-uri-stem cs-version sc-status time-taken cs(User-Agent)';

export class AccessLog {
  private headerWritten = false;

  constructor(private readonly stream: Writable) {}

  write(request: Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'httpVersion'>, clientIp: string, status: number, started: number): void {
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
      [date, time, field(clientIp), field(request.method), field(stem), protocolVersion(request.httpVersion), status, now.getTime() - started, field(request.headers['user-agent'])].join(' ') + '\n',
    );
  }
}

/** W3C fields are space-separated: an empty value is "-", and spaces become '+' (as IIS writes user agents). */
function field(value: string | undefined): string {
  return value ? value.replace(/\s/g, '+') : '-';
}


/** W3C cs-version as IIS writes it: "HTTP/1.1", and "HTTP/2" (RFC 9113 has no minor version; node:http2 says '2.0'). */
function protocolVersion(httpVersion: string): string {
  return httpVersion === '2.0' ? 'HTTP/2' : `HTTP/${httpVersion}`;
}
