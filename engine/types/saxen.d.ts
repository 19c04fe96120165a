declare module 'saxen' {
  type Decode = (text: string) => string;
  type Context = () => { line: number; column: number; data?: string };

  /** saxen's sax-style parser, used without namespace mode and without proxy mode (names and attributes as written) by canonical-xml.ts, in both by modeler/keep-unresolved.ts. */
  export class Parser {
    constructor(options?: { proxy?: boolean });
    /** Namespace mode: `{uri: prefix}` names the prefix each known namespace URI is reported with. */
    ns(uriToPrefix?: Record<string, string>): this;
    /** `getAttrs()`: the attributes as written, values raw (entities not decoded). */
    on(event: 'openTag', handler: (name: string, getAttrs: () => Record<string, string>, decode: Decode, selfClosing: boolean, context: Context) => void): this;
    /** Proxy mode (`new Parser({ proxy: true })`): the element as an object; in namespace mode `ns` maps each prefix to its normalised prefix and `<prefix>$uri` to its URI. */
    on(event: 'openTag', handler: (element: { name: string; originalName: string; attrs: Record<string, string>; ns: Record<string, string> }, decode: Decode, selfClosing: boolean, context: Context) => void): this;
    /** `selfClosing`: the element was `<a/>` (its openTag came just before). */
    on(event: 'closeTag', handler: (name: string, decode: Decode, selfClosing: boolean, context: Context) => void): this;
    on(event: 'text', handler: (text: string, decode: Decode, context: Context) => void): this;
    on(event: 'cdata', handler: (text: string, context: Context) => void): this;
    on(event: 'comment', handler: (text: string, decode: Decode, context: Context) => void): this;
    on(event: 'error' | 'warn', handler: (error: Error, context: Context) => void): this;
    on(event: 'attention', handler: (text: string, decode: Decode, context: Context) => void): this;
    on(event: 'question', handler: (text: string, context: Context) => void): this;
    /** Returns the error the `error` handler received, if it did not throw. */
    parse(xml: string): Error | null;
    stop(): void;
  }

  export function decode(text: string): string;
}
