// One JSON request to the running service, through node:http: a CLI call makes one request, and
// fetch would first compile undici (tens of milliseconds of a command that should take few).
import type { ServiceAddress } from '../app/data-lock.js';

/** POSTs `payload` to `route` (e.g. /admin/ops/matters) with the service's token; the answer's status and parsed body. */
export async function postJson(service: ServiceAddress, route: string, payload: unknown): Promise<{ status: number; body: unknown }> {
  const url = new URL(`${service.url}${route}`);
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const data = Buffer.from(JSON.stringify(payload));
  const text = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': data.length, authorization: `Bearer ${service.token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
  return { status: text.status, body: JSON.parse(text.text) };
}
