/**
 * The modeler pages' calls to the JSON API: same origin, the session cookie, and the session's CSRF token
 * (the page shell puts it in <meta name="csrf-token">) on every state-changing request.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, any>,
  ) {
    super(message);
  }
}

function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

/** A JSON request to /api; resolves with the parsed body, or rejects with an ApiError carrying the server's message. */
export async function api<T = any>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
  } catch {
    throw new ApiError(0, 'the server did not answer: check the connection and try again', {});
  }
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { error: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, String(body.error ?? body.message ?? `the server answered ${response.status}`), body);
  return body as T;
}

/** The text of a GET (BPMN XML of a version). */
export async function apiText(path: string): Promise<string> {
  const response = await fetch(`/api${path}`, { credentials: 'same-origin', headers: { accept: 'application/xml' } });
  if (!response.ok) throw new ApiError(response.status, `the server answered ${response.status}`, {});
  return response.text();
}

/** Offers data as a file download. */
export function download(name: string, type: string, data: BlobPart): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A small element builder: el('p', {class: 'hint'}, 'text', child). Text is always set as text, never HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | undefined | null | false)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== undefined && child !== null && child !== false) element.append(child);
  return element;
}

/** An element of the page shell by id. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Says how something went in a status line (role="status"); `kind` colours it. */
export function announce(state: HTMLElement, text: string, kind: 'ok' | 'busy' | 'bad' = 'ok'): void {
  state.textContent = text;
  state.dataset.kind = kind;
}

/** `2026-05-09 07:00 UTC`: times are shown in UTC everywhere in imsflow. */
export function utc(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '';
}
