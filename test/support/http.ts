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

export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = JSON_BODY): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, text, json: type.includes('json') ? JSON.parse(text) : undefined };
}
