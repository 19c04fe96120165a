/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { render } from 'preact-render-to-string';
import { MailDocument } from './components.js';
import type { MailContent, RenderedMail } from './content.js';
import { mailText } from './text.js';

/** The one raw piece of markup, which JSX cannot write; this file is left out of the no-raw-HTML rule. */
const DOCTYPE = '<!doctype html>';

/** Subject, plain text and HTML of one email, all from the same content. */
export function renderMail(mail: MailContent): RenderedMail {
  return { subject: oneLine(mail.subject), text: mailText(mail), html: DOCTYPE + render(<MailDocument mail={mail} />) };
}

/** A subject is one header line: record titles with line breaks must not add headers. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
