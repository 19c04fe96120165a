/**
 * What one email says, before it is written out: the same content becomes the HTML part (components.tsx)
 * and the plain-text part (text.ts), so the two always tell the same facts. Every string here is already
 * in the recipient's language and time zone; nothing here is HTML.
 */
export interface MailContent {
  /** The recipient's language (BCP 47), for <html lang>. */
  lang: string;
  subject: string;
  greeting: string;
  /** What happened, one paragraph each. */
  lead: string[];
  /** Label and value pairs: the record, the step, the due date… */
  facts: [string, string][];
  /** Further tables or lists under a heading (the digest's figures by site and process, its oldest tasks). */
  sections: MailSection[];
  /** The one thing to do, as a link; `note` under it ("The link is personal…"). */
  action?: { label: string; href: string; note?: string };
  /** Small print under everything: the time zone the times are in. */
  footnote?: string;
  signature: string;
}

export type MailSection = { heading: string; rows: [string, string][] } | { heading: string; items: string[] } | { heading: string; links: MailLink[] };

/** One entry of a list of links (the daily digest's notices): what it is, and where it leads. */
export interface MailLink {
  label: string;
  href?: string;
  /** A second line under the label (the record and the due date). */
  detail?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}
