/**
 * Authored words with `${…}` templates, as a person reads them where nothing fills the templates in: a
 * field's label, an option, a step's name drawn in a diagram. Pure text, no DOM and no Node: the server's
 * pages and the browser bundles (modeler/) use the same rule.
 */

type Part = { text: string } | { template: string };

/**
 * The text cut into literal runs and `${…}` templates, in one pass with indexOf (a body runs to the first
 * `}`, as the engine reads it). A `${` that is never closed stays literal text.
 */
function partsOf(text: string): Part[] {
  const parts: Part[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${', from);
    const close = start < 0 ? -1 : text.indexOf('}', start + 2);
    if (close < 0) break;
    if (start > from) parts.push({ text: text.slice(from, start) });
    parts.push({ template: text.slice(start + 2, close) });
    from = close + 1;
  }
  if (from < text.length) parts.push({ text: text.slice(from) });
  return parts;
}

const SEPARATORS = ' :·-–—';
const ONLY_SEPARATORS = /^[\s:·\-–—]*$/;

/**
 * `${…}` parts left out, the text around them kept: "Implement action ${item.index}: ${item.title}" reads
 * "Implement action …", "Read and understood: ${variables.processName} version ${variables.version}" reads
 * "Read and understood: … version …". Text that only joins two templates (the ": " of "${i}: ${title}") goes
 * with them.
 */
export function withoutTemplates(text: string): string {
  if (!text.includes('${')) return text;
  const kept: string[] = [];
  for (const part of partsOf(text)) {
    if ('template' in part) {
      if (kept.at(-1) !== '…') kept.push('…');
      continue;
    }
    const literal = part.text.trim();
    if (!literal || (kept.at(-1) === '…' && ONLY_SEPARATORS.test(literal))) continue;
    kept.push(literal);
  }
  return kept.join(' ');
}

/**
 * A step's name as a read-only diagram draws it. A check's note at the end ("Plan the audit${output.
 * independence.summary}", "Complete the review actions: ${output.reviewActions.problem}") is empty the first
 * time the step is reached and only says why it came back: it is left out, with the words that led into it.
 * The other templates read as in a label ("Implement action …").
 */
export function drawnName(text: string): string {
  if (!text.includes('${')) return text;
  const parts = partsOf(text);
  const last = parts.at(-1);
  if (last && 'template' in last && /^\s*output\./.test(last.template) && parts.length > 1) {
    parts.pop();
    const before = parts.at(-1);
    if (before && 'text' in before) {
      let literal = before.text.trimEnd();
      while (literal && SEPARATORS.includes(literal[literal.length - 1])) literal = literal.slice(0, -1).trimEnd();
      if (literal) parts[parts.length - 1] = { text: literal };
      else parts.pop();
    }
    if (parts.length) return withoutTemplates(join(parts));
  }
  return withoutTemplates(text);
}

/**
 * A name as the editor draws it for the process owner who wrote it: each template a short marker named
 * after the value it stands for ("Triage: rate the risk and decide on a CAPA ‹note›", "Implement action
 * ‹index›: ‹title›"), so the canvas reads as words and still shows where the templates are. The name itself,
 * and what direct editing shows, stay as authored.
 */
export function markedName(text: string): string {
  if (!text.includes('${')) return text;
  const shown: string[] = [];
  for (const part of partsOf(text)) {
    if ('text' in part) {
      shown.push(part.text);
      continue;
    }
    const name = part.template.match(/[A-Za-z_$][\w$]*/g)?.at(-1) ?? '…';
    // a note glued to the last word ("CAPA${…note}") brings its own space when filled in; the marker needs one
    if (/[\p{L}\p{N}]$/u.test(shown.at(-1) ?? '')) shown.push(' ');
    shown.push(`‹${name}›`);
  }
  return shown.join('');
}

function join(parts: Part[]): string {
  return parts.map((part) => ('text' in part ? part.text : `\${${part.template}}`)).join('');
}
