import type { MailContent } from './content.js';

/** The plain-text part: the same content as the HTML, line by line, links written out. */
export function mailText(mail: MailContent): string {
  const lines = [mail.greeting, '', ...mail.lead.flatMap((p) => [p, '']), ...mail.facts.map(([k, v]) => `${k}: ${v}`)];
  for (const section of mail.sections) {
    lines.push('', `${section.heading}:`);
    if ('rows' in section) lines.push(...section.rows.map(([k, v]) => `  ${k}: ${v}`));
    else if ('items' in section) lines.push(...section.items.map((item) => `  - ${item}`));
    else lines.push(...section.links.flatMap((link) => [`  - ${link.label}`, ...(link.detail ? [`    ${link.detail}`] : []), ...(link.href ? [`    ${link.href}`] : [])]));
  }
  if (mail.action) lines.push('', `${mail.action.label}: ${mail.action.href}`, ...(mail.action.note ? [mail.action.note] : []));
  if (mail.footnote) lines.push('', mail.footnote);
  lines.push('', mail.signature);
  // a fact list may be empty: never two blank lines in a row
  return lines.filter((line, i) => line !== '' || lines[i - 1] !== '').join('\n');
}
