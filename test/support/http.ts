/** A small fetch wrapper for tests of the listening server: status, content type, text and parsed JSON. */
export interface Reply {
  status: number;
  type: string;
  text: string;
  json: any;
}

export const JSON_BODY = { 'content-type': 'application/json' };
export const FORM_BODY = { 'content-type': 'application/x-www-form-urlencoded' };
export const XML_BODY = { 'content-type': 'application/xml' };

/** API tokens by server address: requests to `<address>/api/…` carry the token unless they set Authorization. */
const apiTokens = new Map<string, string>();

export function useApiToken(serverUrl: string, token: string): void {
  apiTokens.set(serverUrl, token);
}

export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = JSON_BODY): Promise<Reply> {
  const server = [...apiTokens.keys()].find((base) => url.startsWith(`${base}/api/`));
  const withAuth = server && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization') ? { ...headers, authorization: `Bearer ${apiTokens.get(server)}` } : headers;
  const response = await fetch(url, {
    method,
    // without a body there is no content type to send; every other header (token, cookie, CSRF) goes
    headers: body === undefined ? Object.fromEntries(Object.entries(withAuth).filter(([name]) => name.toLowerCase() !== 'content-type')) : withAuth,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, text, json: type.includes('json') ? JSON.parse(text) : undefined };
}

/** One API call as the holder of an API token: for tests that act as several people in turn. */
export function callWithToken(serverUrl: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<Reply> {
  return http(method, `${serverUrl}${path}`, body, { ...JSON_BODY, authorization: `Bearer ${token}` });
}

/** A server-rendered page as the words a person reads: no scripts or tags, entities decoded, spaces collapsed. */
export function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/\s+/g, ' ');
}
