/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import type { MailContent, MailSection } from './content.js';

/**
 * Email HTML as components (issue 15): the same escaping renderer as the pages, but the markup mail
 * clients understand: tables for layout, every style inline (clients drop <style> and linked CSS), system
 * fonts, one column at most 600 px wide so it reads on a phone too.
 */

const FONT = '-apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
const INK = '#1b1b1b';
const MUTED = '#565c65';
const LINE = '#dfe1e2';
const BLUE = '#005ea2';
/** A count as a locale writes it (1 234, 1'234, 1.234): such a column is right-aligned like a table of figures. */
const NUMBER = /^[\d\s.,'’]+$/;

export function MailDocument({ mail }: { mail: MailContent }) {
  return (
    <html lang={mail.lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{mail.subject}</title>
      </head>
      <body style={{ margin: 0, padding: 0, backgroundColor: '#f0f0f0', color: INK, fontFamily: FONT }}>
        <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style={{ backgroundColor: '#f0f0f0' }}>
          <tr>
            <td align="center" style={{ padding: '16px 8px' }}>
              <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style={{ maxWidth: '600px', backgroundColor: '#ffffff', border: `1px solid ${LINE}` }}>
                <tr>
                  <td style={{ padding: '24px', fontSize: '16px', lineHeight: '1.5' }}>
                    <MailBody mail={mail} />
                  </td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
}

function MailBody({ mail }: { mail: MailContent }) {
  return (
    <>
      <Paragraph>{mail.greeting}</Paragraph>
      {mail.lead.map((text) => (
        <Paragraph>{text}</Paragraph>
      ))}
      {mail.facts.length > 0 && <MailFacts rows={mail.facts} numbers={mail.facts.every(([, value]) => NUMBER.test(value))} />}
      {mail.sections.map((section) => (
        <Section section={section} />
      ))}
      {mail.action && <MailButton href={mail.action.href} label={mail.action.label} note={mail.action.note} />}
      {mail.footnote && <p style={{ margin: '16px 0 0', fontSize: '13px', color: MUTED }}>{mail.footnote}</p>}
      <p style={{ margin: '16px 0 0', color: MUTED }}>{mail.signature}</p>
    </>
  );
}

function Paragraph({ children }: { children: ComponentChildren }) {
  return <p style={{ margin: '0 0 12px' }}>{children}</p>;
}

/** Label and value pairs as a two-column table. */
export function MailFacts({ rows, numbers = false }: { rows: [string, string][]; numbers?: boolean }) {
  return (
    <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style={{ margin: '8px 0 16px', borderCollapse: 'collapse' }}>
      {rows.map(([label, value]) => (
        <tr>
          <th align="left" style={{ padding: '6px 12px 6px 0', verticalAlign: 'top', borderBottom: `1px solid ${LINE}`, fontWeight: 'bold', width: numbers ? undefined : '35%' }}>
            {label}
          </th>
          <td align={numbers ? 'right' : 'left'} style={{ padding: '6px 0', verticalAlign: 'top', borderBottom: `1px solid ${LINE}` }}>
            {value}
          </td>
        </tr>
      ))}
    </table>
  );
}

function Section({ section }: { section: MailSection }) {
  return (
    <>
      <h2 style={{ margin: '20px 0 4px', fontSize: '18px' }}>{section.heading}</h2>
      {'rows' in section ? (
        <MailFacts rows={section.rows} numbers />
      ) : 'items' in section ? (
        <ul style={{ margin: '4px 0 16px', paddingLeft: '20px' }}>
          {section.items.map((item) => (
            <li style={{ margin: '0 0 4px' }}>{item}</li>
          ))}
        </ul>
      ) : (
        <ul style={{ margin: '4px 0 16px', paddingLeft: '20px' }}>
          {section.links.map((link) => (
            <li style={{ margin: '0 0 8px' }}>
              {link.href ? (
                <a href={link.href} style={{ color: BLUE, fontWeight: 'bold' }}>
                  {link.label}
                </a>
              ) : (
                link.label
              )}
              {link.detail && (
                <>
                  <br />
                  <span style={{ color: MUTED, fontSize: '13px' }}>{link.detail}</span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The one action, as a button-like link (a table cell with a background: what mail clients render). */
export function MailButton({ href, label, note }: { href: string; label: string; note?: string }) {
  return (
    <>
      <table role="presentation" cellPadding="0" cellSpacing="0" style={{ margin: '16px 0 8px' }}>
        <tr>
          <td style={{ backgroundColor: BLUE, borderRadius: '4px' }}>
            <a href={href} style={{ display: 'inline-block', padding: '10px 20px', color: '#ffffff', fontWeight: 'bold', textDecoration: 'none' }}>
              {label}
            </a>
          </td>
        </tr>
      </table>
      {note && <p style={{ margin: '0 0 12px', fontSize: '13px', color: MUTED }}>{note}</p>}
    </>
  );
}
